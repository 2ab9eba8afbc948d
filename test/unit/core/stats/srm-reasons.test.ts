import { describe, expect, it } from 'vitest'
import { chiSquareSrm, sequentialSrm } from '../../../../src/core/stats/srm'

const num = '-?[0-9.]+(?:e[-+][0-9]+)?'

describe('sequentialSrm: reasons, defaults and input errors', () => {
  it('a balanced split: shares as percentages, the threshold ln(1/0.001) = 6.908, p = 1', () => {
    const r = sequentialSrm({ counts: [500, 500], expectedShares: [1, 1] })
    expect(r.alarm).toBe(false)
    expect(r.observedShares).toEqual([0.5, 0.5])
    expect(r.reason).toMatch(
      new RegExp(
        `^No SRM: observed shares \\[50%, 50%\\] vs expected \\[50%, 50%\\] over N = 1000; log BF = ${num} < ln\\(1/0\\.001\\) = 6\\.908\\.$`,
      ),
    )
    // Data that fit the expected split lower the Bayes factor below 1: p = min(1, 1/BF) = 1.
    expect(r.logBayesFactor).toBeLessThan(0)
    expect(r.pValue).toBe(1)
  })

  it('a lost arm alarms, tells the operator what to do, and has p = 1/BF ≤ α', () => {
    const r = sequentialSrm({ counts: [0, 1000], expectedShares: [1, 1] })
    expect(r.alarm).toBe(true)
    expect(r.observedShares).toEqual([0, 1])
    expect(r.reason).toMatch(
      new RegExp(
        `^SRM alarm: observed shares \\[0%, 100%\\] vs expected \\[50%, 50%\\] over N = 1000; log BF = ${num} ≥ ln\\(1/0\\.001\\) = 6\\.908\\. Halt the gate and check assignment\\.$`,
      ),
    )
    expect(r.pValue).toBeLessThanOrEqual(0.001)
    expect(r.pValue).toBeCloseTo(Math.exp(-r.logBayesFactor), 300)
  })

  it('no data: shares 0 (not NaN), log BF 0, p = 1', () => {
    const r = sequentialSrm({ counts: [0, 0, 0], expectedShares: [1, 1, 2] })
    expect(r.observedShares).toEqual([0, 0, 0])
    expect(r.logBayesFactor).toBe(0)
    expect(r.pValue).toBe(1)
    expect(r.reason).toContain('expected [25%, 25%, 50%] over N = 0')
  })

  it('defaults to α = 0.001 and k = 10,000, and honours other values', () => {
    const counts = [4_700, 5_300]
    const implicit = sequentialSrm({ counts, expectedShares: [1, 1] })
    expect(sequentialSrm({ counts, expectedShares: [1, 1], alpha: 0.001, concentration: 10_000 })).toEqual(implicit)
    // A 47/53 split of 10,000 is ~6 SD off: BF depends on k, and α = 0.4 lowers the bar to ln 2.5 = 0.9163.
    expect(sequentialSrm({ counts, expectedShares: [1, 1], concentration: 100 }).logBayesFactor).not.toBe(
      implicit.logBayesFactor,
    )
    expect(sequentialSrm({ counts, expectedShares: [1, 1], alpha: 0.4 }).reason).toContain('ln(1/0.4) = 0.9163')
  })

  it('says which input is out of range', () => {
    const arms = 'need ≥ 2 arms and one expected share per count'
    expect(() => sequentialSrm({ counts: [1], expectedShares: [1] })).toThrow(arms)
    expect(() => sequentialSrm({ counts: [1, 2], expectedShares: [1, 1, 1] })).toThrow(arms)
    expect(() => sequentialSrm({ counts: [-1, 2], expectedShares: [1, 1] })).toThrow('counts must be ≥ 0')
    expect(() => sequentialSrm({ counts: [Number.NaN, 2], expectedShares: [1, 1] })).toThrow('counts must be ≥ 0')
    const shares = 'expected shares must be finite and > 0'
    expect(() => sequentialSrm({ counts: [1, 2], expectedShares: [1, Number.POSITIVE_INFINITY] })).toThrow(shares)
    expect(() => sequentialSrm({ counts: [1, 2], expectedShares: [1, -1] })).toThrow(shares)
    expect(() => sequentialSrm({ counts: [1, 2], expectedShares: [1, 1], alpha: 0 })).toThrow('alpha must be in (0, 1)')
    expect(() => sequentialSrm({ counts: [1, 2], expectedShares: [1, 1], alpha: 1 })).toThrow('alpha must be in (0, 1)')
    expect(() => sequentialSrm({ counts: [1, 2], expectedShares: [1, 1], concentration: 0 })).toThrow(
      'concentration must be > 0',
    )
    expect(() => chiSquareSrm([1], [1])).toThrow(arms)
  })

  it('χ² with no data is 0 with p = 1; otherwise Σ(c − e)²/e', () => {
    expect(chiSquareSrm([0, 0, 0], [1, 1, 1])).toEqual({ statistic: 0, df: 2, pValue: 1 })
    // [30, 70] vs 50/50 of 100: (20² + 20²)/50 = 16, df 1.
    const r = chiSquareSrm([30, 70], [1, 1])
    expect(r.statistic).toBeCloseTo(16, 12)
    expect(r.df).toBe(1)
  })
})
