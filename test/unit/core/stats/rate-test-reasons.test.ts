import { describe, expect, it } from 'vitest'
import { type RateTestInput, oneSampleRateTest } from '../../../../src/core/stats/rate-test'

function input(events: number, n: number, extra: Partial<RateTestInput> = {}): RateTestInput {
  return { events, n, maxRate: 0.02, alphaPass: 0.05, alphaFail: 0.05, minSample: 1000, ...extra }
}

// At n = N_plan = 10,000 and α = 0.05 both boundaries are 2.779 × sqrt(0.02·0.98/10,000) = 0.003891
// (docs/statistics.md §4.5, the hand value of rate-test.test.ts).
describe('oneSampleRateTest: reasons an operator reads', () => {
  it('FAIL names the side, the observation and the excess r̂ − r₀', () => {
    // 250/10,000 = 2.5%; excess 0.025 − 0.02 = 0.005 > 0.003891.
    const r = oneSampleRateTest(input(250, 10_000))
    expect(r.decision).toBe('fail')
    expect(r.reason).toMatch(
      /^FAIL: rate shown above 2%: 250 of 10000 = 2\.5% vs max 2%, excess 0\.005 > 0\.003891 at α = 0\.05 \(always-valid p = [0-9.e-]+\)\.$/,
    )
  })

  it('PASS names the side, the observation and the gap r₀ − r̂', () => {
    // 150/10,000 = 1.5%; gap 0.02 − 0.015 = 0.005 > 0.003891.
    const r = oneSampleRateTest(input(150, 10_000, { alphaPass: 0.05 }))
    expect(r.decision).toBe('pass')
    expect(r.reason).toMatch(
      /^PASS: rate shown below 2%: 150 of 10000 = 1\.5% vs max 2%, gap 0\.005 > 0\.003891 at α = 0\.05 \(always-valid p = [0-9.e-]+\)\.$/,
    )
  })

  it('CONTINUE gives both boundaries still to beat', () => {
    const r = oneSampleRateTest(input(210, 10_000))
    expect(r.reason).toBe(
      'CONTINUE: 210 of 10000 = 2.1% vs max 2%; pass needs a gap > 0.003891, fail an excess > 0.003891.',
    )
  })

  it('insufficient data says how many observations are needed', () => {
    expect(oneSampleRateTest(input(0, 999)).reason).toBe('Insufficient data: 0 of 999 = 0% vs max 2%; need n ≥ 1000.')
    // With no minimum, one observation is still needed.
    expect(oneSampleRateTest(input(0, 0, { minSample: 0 })).reason).toBe(
      'Insufficient data: 0 of 0 = 0% vs max 2%; need n ≥ 1.',
    )
  })

  it('decides once n reaches the minimum sample exactly', () => {
    // 40/1000 = 4%: excess 0.02 is far beyond the boundary at n = 1000 (≈ 1.3 × 0.0044 × 2.8 < 0.02).
    expect(oneSampleRateTest(input(40, 1000)).decision).toBe('fail')
  })

  it('with no observations claims nothing: no estimate, infinite variance and boundaries, p = 1', () => {
    const r = oneSampleRateTest(input(0, 0, { minSample: 0 }))
    expect(r).toMatchObject({
      decision: 'insufficient_data',
      estimate: 0,
      maxRate: 0.02,
      variance: Number.POSITIVE_INFINITY,
      passBoundary: Number.POSITIVE_INFINITY,
      failBoundary: Number.POSITIVE_INFINITY,
      pValuePass: 1,
      pValueFail: 1,
    })
  })

  it('rejects a threshold outside (0, 1), bad counts and a non-positive horizon', () => {
    expect(() => oneSampleRateTest(input(1, 10, { maxRate: 1 }))).toThrow('maxRate must be in (0, 1)')
    expect(() => oneSampleRateTest(input(1, 10, { maxRate: Number.NaN }))).toThrow('maxRate must be in (0, 1)')
    expect(() => oneSampleRateTest(input(-1, 10))).toThrow('need 0 ≤ events ≤ n')
    expect(() => oneSampleRateTest(input(Number.NaN, 10))).toThrow('need 0 ≤ events ≤ n')
    expect(() => oneSampleRateTest(input(0, Number.NaN))).toThrow('need 0 ≤ events ≤ n')
    expect(() => oneSampleRateTest(input(0, 10, { planN: 0 }))).toThrow('planN must be > 0')
    expect(() => oneSampleRateTest(input(0, 10, { planN: -5 }))).toThrow('planN must be > 0')
  })
})
