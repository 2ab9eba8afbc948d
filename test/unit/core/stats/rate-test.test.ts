import { describe, expect, it } from 'vitest'
import { cAlpha, mixtureBoundary } from '../../../../src/core/stats/mixture'
import { DEFAULT_RATE_PLAN_N, type RateTestInput, oneSampleRateTest } from '../../../../src/core/stats/rate-test'

function input(events: number, n: number, extra: Partial<RateTestInput> = {}): RateTestInput {
  return { events, n, maxRate: 0.02, alphaPass: 0.05, alphaFail: 0.05, minSample: 1000, ...extra }
}

describe('oneSampleRateTest', () => {
  it('uses the known null variance r₀(1−r₀)/n and the default planned horizon', () => {
    const r = oneSampleRateTest(input(210, 10_000))
    expect(r.variance).toBeCloseTo((0.02 * 0.98) / 10_000, 18)
    expect(DEFAULT_RATE_PLAN_N).toBe(10_000)
    // At n = N_plan the boundary is the docs/statistics.md §4.5 multiplier 2.779 × SE (hand value 0.003891).
    expect(r.passBoundary).toBeCloseTo(0.00389073192943893, 14)
    expect(r.failBoundary).toBe(r.passBoundary)
    expect(r.decision).toBe('continue')
  })

  it('PASSes a rate clearly below the threshold and FAILs one clearly above', () => {
    const pass = oneSampleRateTest(input(150, 10_000))
    expect(pass.decision).toBe('pass')
    expect(pass.pValuePass).toBeLessThan(0.05)
    expect(pass.reason).toMatch(/^PASS: rate shown below 2%/)
    const fail = oneSampleRateTest(input(250, 10_000))
    expect(fail.decision).toBe('fail')
    expect(fail.pValueFail).toBeLessThan(0.05)
    expect(fail.reason).toMatch(/^FAIL: rate shown above 2%/)
  })

  it('honours an explicit τ² and separate α per side', () => {
    const tau2 = 1e-5
    const r = oneSampleRateTest(input(100, 5000, { tau2, alphaFail: 0.01 }))
    const V = (0.02 * 0.98) / 5000
    expect(r.passBoundary).toBe(mixtureBoundary(V, tau2, 0.05))
    expect(r.failBoundary).toBe(mixtureBoundary(V, tau2, 0.01))
    const planned = oneSampleRateTest(input(100, 5000, { planN: 50_000 }))
    expect(planned.passBoundary).toBe(mixtureBoundary(V, (cAlpha(0.05) * 0.0196) / 50_000, 0.05))
  })

  it('reports insufficient data below the minimum sample, and with n = 0', () => {
    expect(oneSampleRateTest(input(0, 999)).decision).toBe('insufficient_data')
    expect(oneSampleRateTest(input(0, 0, { minSample: 0 })).decision).toBe('insufficient_data')
  })

  it('validates its input', () => {
    expect(() => oneSampleRateTest(input(1, 10, { maxRate: 0 }))).toThrow(RangeError)
    expect(() => oneSampleRateTest(input(11, 10))).toThrow(RangeError)
  })
})
