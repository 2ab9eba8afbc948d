import { describe, expect, it } from 'vitest'
import { type EventSplitInput, eventSplitTest } from '../../../../src/core/stats/event-split'

function input(
  championEvents: number,
  challengerEvents: number,
  extra: Partial<EventSplitInput> = {},
): EventSplitInput {
  return {
    championEvents,
    challengerEvents,
    challengerShare: 0.5,
    margin: 0.2,
    failMargin: 0.1,
    alphaPass: 0.05,
    alphaFail: 0.05,
    ...extra,
  }
}

// Hand values at λ = 0.5: q_m = 0.5·1.2/(0.6 + 0.5) = 0.6/1.1 = 0.54545… → "0.5455";
// q_{m_f} = 0.5·1.1/(0.55 + 0.5) = 0.55/1.05 = 0.52381… → "0.5238".
const num = '-?[0-9.]+(?:e[-+][0-9]+)?'

describe('eventSplitTest: reasons and p-values', () => {
  it('FAIL gives the fail margin, the observed share against q_{m_f} and the rate ratio', () => {
    // 300 vs 100 events at λ = 0.5: q̂ = 0.75, rate ratio (300·0.5)/(100·0.5) = 3.
    const r = eventSplitTest(input(100, 300))
    expect(r.decision).toBe('fail')
    expect(r.qHat).toBe(0.75)
    expect(r.rateRatio).toBe(3)
    expect(r.reason).toMatch(
      new RegExp(
        `^FAIL: challenger event rate shown above \\(1 \\+ 10%\\)× champion: event share 0\\.75 > 0\\.5238, log BF = ${num} ≥ ln\\(1/0\\.05\\) \\(challenger 300 vs champion 100 events at share 50%, rate ratio ≈ 3\\)\\.$`,
      ),
    )
    // q̂ is above q_m too, so there is no PASS side: its p-value is 1; the FAIL side's is e^(−log BF) < 0.05.
    expect(r.pValuePass).toBe(1)
    expect(r.pValueFail).toBeCloseTo(Math.exp(-r.logBfFail), 15)
    expect(r.pValueFail).toBeLessThan(0.05)
  })

  it('PASS gives the pass margin and the observed share against q_m', () => {
    const r = eventSplitTest(input(2000, 2000))
    expect(r.decision).toBe('pass')
    expect(r.reason).toMatch(
      new RegExp(
        `^PASS: challenger event rate shown below \\(1 \\+ 20%\\)× champion: event share 0\\.5 < 0\\.5455, log BF = ${num} ≥ ln\\(1/0\\.05\\) \\(challenger 2000 vs champion 2000 events at share 50%, rate ratio ≈ 1\\)\\.$`,
      ),
    )
    // q̂ = 0.5 is below q_{m_f}: no FAIL side.
    expect(r.pValueFail).toBe(1)
    expect(r.pValuePass).toBeLessThan(0.05)
  })

  it('CONTINUE gives both bounds and both log Bayes factors', () => {
    const r = eventSplitTest(input(5, 5))
    expect(r.decision).toBe('continue')
    expect(r.reason).toMatch(
      new RegExp(
        `^CONTINUE: event share 0\\.5 vs pass bound 0\\.5455 \\(log BF ${num}\\) and fail bound 0\\.5238 \\(log BF ${num}\\) \\(challenger 5 vs champion 5 events at share 50%, rate ratio ≈ 1\\)\\.$`,
      ),
    )
    // Five events a side cannot reach ln 20: p = min(1, e^(−log BF)) stays above α (or at 1).
    expect(r.pValuePass).toBeGreaterThan(0.05)
    expect(r.pValuePass).toBeLessThanOrEqual(1)
  })

  it('insufficient data names the event count needed; reaching it exactly is enough', () => {
    expect(eventSplitTest(input(5, 5, { minEvents: 50 })).reason).toBe(
      'Insufficient data: 10 events, need ≥ 50 (challenger 5 vs champion 5 events at share 50%, rate ratio ≈ 1).',
    )
    expect(eventSplitTest(input(5, 5, { minEvents: 10 })).decision).toBe('continue')
  })

  it('leaves the rate ratio out of the reason while the champion has no event', () => {
    const r = eventSplitTest(input(0, 3))
    expect(r.rateRatio).toBeNull()
    expect(r.reason).toContain('(challenger 3 vs champion 0 events at share 50%).')
  })

  it('uses a prior sd of 0.3 unless told otherwise', () => {
    const implicit = eventSplitTest(input(40, 60))
    expect(eventSplitTest(input(40, 60, { priorSd: 0.3 }))).toEqual(implicit)
    expect(eventSplitTest(input(40, 60, { priorSd: 0.6 })).logBfPass).not.toBe(implicit.logBfPass)
  })

  it('says which input is out of range', () => {
    expect(() => eventSplitTest(input(1, 1, { challengerShare: 0 }))).toThrow('challengerShare must be in (0, 1)')
    expect(() => eventSplitTest(input(1, 1, { challengerShare: Number.NaN }))).toThrow(
      'challengerShare must be in (0, 1)',
    )
    expect(() => eventSplitTest(input(1, 1, { margin: -0.1, failMargin: -0.2 }))).toThrow('margin must be ≥ 0')
    expect(() => eventSplitTest(input(1, 1, { margin: Number.POSITIVE_INFINITY }))).toThrow('margin must be ≥ 0')
    expect(() => eventSplitTest(input(1, 1, { failMargin: -0.1 }))).toThrow('need 0 ≤ failMargin ≤ margin')
    expect(() => eventSplitTest(input(1, 1, { failMargin: 0.3 }))).toThrow('need 0 ≤ failMargin ≤ margin')
    // failMargin = margin is allowed.
    expect(eventSplitTest(input(1, 1, { failMargin: 0.2 })).decision).toBe('continue')
    expect(() => eventSplitTest(input(1, -1))).toThrow('event counts must be ≥ 0')
    expect(() => eventSplitTest(input(Number.NaN, 1))).toThrow('event counts must be ≥ 0')
    expect(() => eventSplitTest(input(1, 1, { alphaPass: 0 }))).toThrow('alpha must be in (0, 1)')
    expect(() => eventSplitTest(input(1, 1, { alphaFail: 1 }))).toThrow('alpha must be in (0, 1)')
    expect(() => eventSplitTest(input(1, 1, { priorSd: -1 }))).toThrow('priorSd must be > 0')
  })
})
