import { describe, expect, it } from 'vitest'
import {
  type EventSplitInput,
  eventShareAtMargin,
  eventSplitLogBf,
  eventSplitTest,
} from '../../../../src/core/stats/event-split'
import { quadratureBetaMixtureLogBf } from './helpers/reference'

function input(eA: number, eB: number, extra: Partial<EventSplitInput> = {}): EventSplitInput {
  return {
    championEvents: eA,
    challengerEvents: eB,
    challengerShare: 0.1,
    margin: 0.25,
    failMargin: 0.25,
    alphaPass: 0.05,
    alphaFail: 0.05,
    ...extra,
  }
}

describe('event share at a margin', () => {
  it('maps p_B = (1+m)·p_A to q_m = λ(1+m)/(λ(1+m) + 1 − λ)', () => {
    expect(eventShareAtMargin(0.1, 0.25)).toBeCloseTo(0.125 / 1.025, 15)
    expect(eventShareAtMargin(0.5, 0)).toBe(0.5)
    expect(eventShareAtMargin(0.1, 2)).toBeCloseTo(0.3 / 1.2, 15)
  })
})

describe('eventSplitLogBf', () => {
  it('agrees with brute-force quadrature of the Beta mixture', () => {
    const k = 1 / (0.1 * 0.9 * 0.09)
    for (const [eB, eA, q0] of [
      [0, 0, 0.1],
      [3, 10, 0.12],
      [40, 120, 0.12],
      [12, 300, 0.1],
      [150, 400, 0.25],
    ] as const) {
      const got = eventSplitLogBf(eB, eA, q0, k)
      const ref = quadratureBetaMixtureLogBf(eB, eA, q0, k)
      expect(Math.abs(got - ref), `eB=${eB} eA=${eA}`).toBeLessThan(1e-6)
    }
  })

  it('is 0 with no events and never reaches ln 20 from a single event', () => {
    expect(eventSplitLogBf(0, 0, 0.12, 100)).toBeCloseTo(0, 12)
    expect(eventSplitLogBf(1, 0, 0.12, 123)).toBeLessThan(Math.log(20))
    expect(eventSplitLogBf(0, 1, 0.12, 123)).toBeLessThan(Math.log(20))
  })
})

describe('eventSplitTest', () => {
  it('CONTINUEs with zero events, with a null share', () => {
    const r = eventSplitTest(input(0, 0))
    expect(r.decision).toBe('continue')
    expect(r.qHat).toBeNull()
    expect(r.logBfPass).toBeCloseTo(0, 12)
    expect(r.pValuePass).toBe(1)
    expect(r.reason).toContain('no events yet')
  })

  it('has no rate ratio while the champion has no event', () => {
    const r = eventSplitTest(input(0, 4))
    expect(r.qHat).toBe(1)
    expect(r.rateRatio).toBeNull()
  })

  it('reports insufficient data below minEvents', () => {
    expect(eventSplitTest(input(10, 1, { minEvents: 20 })).decision).toBe('insufficient_data')
    expect(eventSplitTest(input(10, 1, { minEvents: 11 })).decision).not.toBe('insufficient_data')
  })

  it('FAILs a 3× error rate', () => {
    // 10% share: 3× errors give q = 0.3/1.2 = 0.25 against q_m = 0.122.
    const r = eventSplitTest(input(90, 30))
    expect(r.qHat).toBe(0.25)
    expect(r.rateRatio).toBeCloseTo(3, 12)
    expect(r.decision).toBe('fail')
    expect(r.logBfFail).toBeGreaterThanOrEqual(Math.log(20))
    expect(r.pValueFail).toBeLessThan(0.05)
    expect(r.reason).toMatch(/^FAIL: /)
  })

  it('PASSes an A/A comparison with many events, and CONTINUEs with few', () => {
    expect(eventSplitTest(input(18, 2)).decision).toBe('continue')
    const r = eventSplitTest(input(1800, 200))
    expect(r.decision).toBe('pass')
    expect(r.qHat).toBeCloseTo(0.1, 15)
    expect(r.pValuePass).toBeLessThan(0.05)
    expect(r.pValueFail).toBe(1) // q̂ is on the PASS side of q_{m_f}
  })

  it('lets FAIL win when m_f < m and both hold', () => {
    // Rate ratio ≈ 1.1 with many events: within +25% but shown above +0%.
    const r = eventSplitTest(input(90_000, 11_000, { failMargin: 0 }))
    expect(r.logBfPass).toBeGreaterThan(Math.log(20))
    expect(r.logBfFail).toBeGreaterThan(Math.log(20))
    expect(r.decision).toBe('fail')
  })

  it('validates its input', () => {
    expect(() => eventSplitTest(input(1, 1, { challengerShare: 1 }))).toThrow(RangeError)
    expect(() => eventSplitTest(input(1, 1, { failMargin: 0.5 }))).toThrow(RangeError)
    expect(() => eventSplitTest(input(-1, 1))).toThrow(RangeError)
    expect(() => eventSplitTest(input(1, 1, { priorSd: 0 }))).toThrow(RangeError)
  })

  it('returns JSON-safe plain data', () => {
    const r = eventSplitTest(input(0, 0))
    expect(JSON.parse(JSON.stringify(r))).toEqual(r)
  })
})
