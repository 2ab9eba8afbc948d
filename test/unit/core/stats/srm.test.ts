import { describe, expect, it } from 'vitest'
import { erfc } from '../../../../src/core/stats/special'
import { chiSquareSrm, sequentialSrm } from '../../../../src/core/stats/srm'
import { quadratureBetaMixtureLogBf } from './helpers/reference'

describe('sequentialSrm', () => {
  it('equals the Beta-mixture Bayes factor for two arms (brute-force quadrature)', () => {
    // With two arms the Dirichlet(k·p) prior is Beta(k·p₁, k·p₂) on arm 1's share.
    for (const [n1, n2] of [
      [95, 905],
      [1000, 9000],
      [930, 9070],
    ] as const) {
      const got = sequentialSrm({
        counts: [n1, n2],
        expectedShares: [0.1, 0.9],
        concentration: 100,
      })
      const ref = quadratureBetaMixtureLogBf(n1, n2, 0.1, 100)
      expect(Math.abs(got.logBayesFactor - ref)).toBeLessThan(1e-6)
    }
  })

  it('stays quiet on a well-balanced split and alarms on a 9.7% vs 10% share at scale', () => {
    const ok = sequentialSrm({ counts: [100_050, 899_950], expectedShares: [0.1, 0.9] })
    expect(ok.alarm).toBe(false)
    expect(ok.logBayesFactor).toBeLessThan(0)
    expect(ok.reason).toMatch(/^No SRM/)
    const bad = sequentialSrm({ counts: [97_000, 903_000], expectedShares: [0.1, 0.9] })
    expect(bad.alarm).toBe(true)
    expect(bad.logBayesFactor).toBeGreaterThanOrEqual(Math.log(1000))
    expect(bad.pValue).toBeLessThan(0.001)
    expect(bad.observedShares).toEqual([0.097, 0.903])
    expect(bad.reason).toMatch(/^SRM alarm/)
  })

  it('is 0 with no data and normalises weight-style shares', () => {
    const r = sequentialSrm({ counts: [0, 0, 0], expectedShares: [1, 1, 2] })
    expect(r.logBayesFactor).toBeCloseTo(0, 9)
    expect(r.alarm).toBe(false)
    const a = sequentialSrm({ counts: [260, 240, 500], expectedShares: [1, 1, 2] })
    const b = sequentialSrm({ counts: [260, 240, 500], expectedShares: [0.25, 0.25, 0.5] })
    expect(a.logBayesFactor).toBeCloseTo(b.logBayesFactor, 10)
  })

  it('detects a lost arm among three', () => {
    const r = sequentialSrm({ counts: [33_000, 33_000, 30_000], expectedShares: [1, 1, 1] })
    expect(r.alarm).toBe(true)
  })

  it('validates its input', () => {
    expect(() => sequentialSrm({ counts: [1], expectedShares: [1] })).toThrow(RangeError)
    expect(() => sequentialSrm({ counts: [1, 2], expectedShares: [1, 0] })).toThrow(RangeError)
    expect(() => sequentialSrm({ counts: [1, 2], expectedShares: [1] })).toThrow(RangeError)
  })
})

describe('chiSquareSrm', () => {
  it('matches the two-arm closed form χ² = (n_B − λN)²/(Nλ(1−λ)) and p = erfc(sqrt(χ²/2))', () => {
    const r = chiSquareSrm([9_700, 90_300], [0.1, 0.9])
    const chi2 = (9_700 - 10_000) ** 2 / (100_000 * 0.1 * 0.9)
    expect(r.statistic).toBeCloseTo(chi2, 10)
    expect(r.df).toBe(1)
    expect(r.pValue / erfc(Math.sqrt(chi2 / 2))).toBeCloseTo(1, 12)
  })

  it('has p = exp(−χ²/2) for three arms (df = 2)', () => {
    const r = chiSquareSrm([310, 330, 360], [1, 1, 1])
    expect(r.df).toBe(2)
    expect(r.pValue / Math.exp(-r.statistic / 2)).toBeCloseTo(1, 12)
  })

  it('returns p = 1 with no data', () => {
    expect(chiSquareSrm([0, 0], [1, 1])).toEqual({ statistic: 0, df: 1, pValue: 1 })
  })
})
