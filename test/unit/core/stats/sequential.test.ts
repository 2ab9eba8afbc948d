import { describe, expect, it } from 'vitest'
import { momentsFromProportion } from '../../../../src/core/stats/moments'
import {
  type NonInferiorityInput,
  alwaysValidPValue,
  cAlpha,
  mixtureBoundary,
  niContrast,
  nonInferiorityTest,
  planTau2,
  planVariance,
  tau2ForHorizon,
  tau2FromMargin,
} from '../../../../src/core/stats/sequential'
import { relDiff } from './helpers/prng'
import { growthBookHalfWidth, quadratureHalfNormalPValue } from './helpers/reference'

describe('cAlpha and the multiplier table of docs/statistics.md §4.5', () => {
  // [α, c_α, multiplier at η = c_α, at 0.1× / 10× / 100× the tuned sample size]
  const TABLE: [number, number, number, number, number, number][] = [
    [0.05, 6.33, 2.78, 3.68, 2.99, 3.33],
    [0.025, 7.94, 3.04, 3.88, 3.24, 3.56],
    [0.0125, 9.5, 3.28, 4.07, 3.48, 3.78],
    [0.01, 10.0, 3.36, 4.13, 3.55, 3.84],
    [0.001, 15.03, 4.03, 4.72, 4.19, 4.45],
  ]
  it.each(TABLE)('α = %s: c_α = %s, multiplier %s (%s / %s / %s)', (alpha, c, m, m01, m10, m100) => {
    expect(Math.abs(cAlpha(alpha) - c)).toBeLessThanOrEqual(0.006)
    const V = 1
    const tau2 = tau2ForHorizon(alpha, V)
    // At n = f·n_opt the variance is V/f, so η = τ²/V scales by f.
    const multiplier = (f: number) => mixtureBoundary(V / f, tau2, alpha) / Math.sqrt(V / f)
    expect(Math.abs(multiplier(1) - m)).toBeLessThanOrEqual(0.006)
    expect(Math.abs(multiplier(0.1) - m01)).toBeLessThanOrEqual(0.006)
    expect(Math.abs(multiplier(10) - m10)).toBeLessThanOrEqual(0.006)
    expect(Math.abs(multiplier(100) - m100)).toBeLessThanOrEqual(0.006)
  })

  it('matches the closed form −2ln(2α) + ln(1 − 2ln(2α)) exactly', () => {
    const l = -2 * Math.log(0.1)
    expect(cAlpha(0.05)).toBe(l + Math.log(1 + l))
    expect(() => cAlpha(0.5)).toThrow(RangeError)
    expect(() => cAlpha(0)).toThrow(RangeError)
  })

  it('gives 7.94 and multiplier 3.04 two-sided at α = 0.05 (one-sided α/2)', () => {
    expect(cAlpha(0.025)).toBeCloseTo(7.936, 3)
  })
})

describe('mixtureBoundary', () => {
  it('equals the hand-computed value 2.779·sqrt(V) at η = c_0.05', () => {
    const V = 1e-6
    expect(mixtureBoundary(V, cAlpha(0.05) * V, 0.05)).toBeCloseTo(2.779e-3, 6)
  })

  it("equals GrowthBook's halfwidthOneSided parameterisation", () => {
    for (const [V, tau2, alpha] of [
      [1e-6, 3e-6, 0.05],
      [2.5, 0.01, 0.01],
      [4e-9, 1e-5, 0.0125],
      [0.3, 300, 0.001],
    ] as const) {
      expect(relDiff(mixtureBoundary(V, tau2, alpha), growthBookHalfWidth(V, tau2, alpha))).toBeLessThan(1e-12)
    }
  })

  it('solves its defining equation exp(τ²B²/(2V(V+τ²))) = 1 + sqrt((V+τ²)/V)/(2α)', () => {
    const [V, tau2, alpha] = [3e-7, 1.1e-6, 0.025]
    const b = mixtureBoundary(V, tau2, alpha)
    const lhs = (tau2 * b * b) / (2 * V * (V + tau2))
    expect(lhs).toBeCloseTo(Math.log(1 + Math.sqrt((V + tau2) / V) / (2 * alpha)), 12)
  })

  it('scales as sqrt(k) when V and τ² scale by k', () => {
    const b = mixtureBoundary(2e-5, 7e-5, 0.05)
    expect(mixtureBoundary(2e-3, 7e-3, 0.05) / b).toBeCloseTo(10, 10)
  })

  it('grows with V, shrinks with α, and handles degenerate inputs', () => {
    const tau2 = 1e-4
    let last = 0
    for (const V of [1e-9, 1e-7, 1e-5, 1e-3, 1e-1]) {
      const b = mixtureBoundary(V, tau2, 0.05)
      expect(b).toBeGreaterThan(last)
      last = b
    }
    expect(mixtureBoundary(1e-5, tau2, 0.01)).toBeGreaterThan(mixtureBoundary(1e-5, tau2, 0.05))
    expect(mixtureBoundary(0, tau2, 0.05)).toBe(0)
    expect(mixtureBoundary(1e-5, 0, 0.05)).toBe(Infinity)
  })
})

describe('alwaysValidPValue (half-normal mixture, docs/statistics.md §4.3)', () => {
  it('agrees with brute-force quadrature of the mixture', () => {
    for (const [d, V, tau2] of [
      [0.001, 1e-6, 6e-6],
      [0.004, 1e-6, 6e-6],
      [-0.001, 1e-6, 6e-6],
      [0.3, 0.01, 0.5],
      [2, 1, 0.2],
    ] as const) {
      const p = alwaysValidPValue(d, V, tau2)
      const ref = quadratureHalfNormalPValue(d, V, tau2)
      expect(Math.abs(p - ref) / Math.max(ref, 1e-300), `d=${d}`).toBeLessThan(1e-6)
    }
  })

  it('is 1 with no evidence and decreases as the estimate grows', () => {
    const [V, tau2] = [1e-6, 6.3e-6]
    expect(alwaysValidPValue(0, V, tau2)).toBe(1)
    expect(alwaysValidPValue(-0.01, V, tau2)).toBe(1)
    let last = 1
    for (let d = 0.0005; d < 0.01; d += 0.0005) {
      const p = alwaysValidPValue(d, V, tau2)
      expect(p).toBeLessThanOrEqual(last)
      last = p
    }
    expect(last).toBeGreaterThanOrEqual(0)
    expect(alwaysValidPValue(1, V, tau2)).toBe(0) // far past underflow, still clamped
  })

  it('is just below α at the closed-form boundary (the boundary is conservative)', () => {
    for (const alpha of [0.05, 0.0125, 0.001]) {
      for (const eta of [0.1, 1, 6.33, 100]) {
        const V = 1e-6
        const b = mixtureBoundary(V, eta * V, alpha)
        const p = alwaysValidPValue(b, V, eta * V)
        expect(p).toBeLessThan(alpha)
        expect(p).toBeGreaterThan(0.8 * alpha)
      }
    }
  })
})

describe('niContrast (table of docs/statistics.md §5.1)', () => {
  // Champion 5000/100000 = 5%, challenger 1010/20000 = 5.05%; v_k = p(1−p)/(n−1).
  const champion = momentsFromProportion(5000, 100_000)
  const challenger = momentsFromProportion(1010, 20_000)
  const vA = (0.05 * 0.95) / 99_999
  const vB = (0.0505 * 0.9495) / 19_999
  const CASES = [
    ['higher_is_better', 'relative', 0.02, 0.0505 - 0.98 * 0.05, vB + 0.98 ** 2 * vA],
    ['higher_is_better', 'absolute', 0.002, 0.0505 - 0.05 + 0.002, vB + vA],
    ['lower_is_better', 'relative', 0.02, 1.02 * 0.05 - 0.0505, vB + 1.02 ** 2 * vA],
    ['lower_is_better', 'absolute', 0.002, 0.05 - 0.0505 + 0.002, vB + vA],
  ] as const
  it.each(CASES)('%s, %s margin %s', (direction, marginKind, margin, estimate, variance) => {
    const c = niContrast({ direction, marginKind, margin, champion, challenger })
    expect(c.estimate).toBeCloseTo(estimate, 15)
    expect(relDiff(c.variance, variance)).toBeLessThan(1e-12)
  })

  it('matches the hand-computed numbers for the relative higher-is-better row', () => {
    const c = niContrast({
      direction: 'higher_is_better',
      marginKind: 'relative',
      margin: 0.02,
      champion,
      challenger,
    })
    expect(c.estimate).toBeCloseTo(0.0015, 15)
    expect(c.variance).toBeCloseTo(2.853801942314638e-6, 17)
  })

  it('rejects margins outside their domain', () => {
    const base = { champion, challenger, marginKind: 'relative' as const }
    expect(() => niContrast({ ...base, direction: 'higher_is_better', margin: 1 })).toThrow(RangeError)
    expect(() => niContrast({ ...base, direction: 'lower_is_better', margin: -0.1 })).toThrow(RangeError)
    expect(() => niContrast({ ...base, direction: 'lower_is_better', margin: 2 })).not.toThrow()
  })
})

describe('planning τ² (docs/statistics.md §4.4)', () => {
  it('computes V_plan = s_B²/N_B + (1−m)²·s_A²/N_A and τ² = c_α·V_plan', () => {
    const s2 = 0.05 * 0.95
    const plan = {
      direction: 'higher_is_better' as const,
      marginKind: 'relative' as const,
      margin: 0.02,
      champion: { variance: s2, n: 5400 * 1440 },
      challenger: { variance: s2, n: 600 * 1440 },
    }
    const vPlan = s2 / 864_000 + (0.98 ** 2 * s2) / 7_776_000
    expect(relDiff(planVariance(plan), vPlan)).toBeLessThan(1e-14)
    expect(relDiff(planTau2({ ...plan, alpha: 0.05 }), cAlpha(0.05) * vPlan)).toBeLessThan(1e-14)
  })

  it('puts the tightest boundary near the planned horizon', () => {
    const plan = {
      direction: 'lower_is_better' as const,
      marginKind: 'absolute' as const,
      margin: 0.005,
      champion: { variance: 0.005, n: 1e6 },
      challenger: { variance: 0.005, n: 1e5 },
    }
    const vPlan = planVariance(plan)
    const tau2 = planTau2({ ...plan, alpha: 0.05 })
    const mult = (V: number) => mixtureBoundary(V, tau2, 0.05) / Math.sqrt(V)
    expect(mult(vPlan)).toBeLessThan(mult(vPlan * 3))
    expect(mult(vPlan)).toBeLessThan(mult(vPlan / 3))
  })

  it('tau2FromMargin puts τ at the margin scale', () => {
    const spec = { direction: 'higher_is_better' as const, margin: 0.02, championMean: 0.05 }
    expect(tau2FromMargin({ ...spec, marginKind: 'relative' })).toBeCloseTo(1e-6, 18)
    expect(tau2FromMargin({ ...spec, marginKind: 'absolute' })).toBeCloseTo(4e-4, 16)
  })
})

describe('nonInferiorityTest', () => {
  function input(
    xA: number,
    nA: number,
    xB: number,
    nB: number,
    extra: Partial<NonInferiorityInput> = {},
  ): NonInferiorityInput {
    const vPlan = (0.0475 / 864_000) * (1 + 0.98 ** 2 / 9)
    return {
      direction: 'higher_is_better',
      marginKind: 'relative',
      margin: 0.02,
      failMargin: 0.02,
      champion: momentsFromProportion(xA, nA),
      challenger: momentsFromProportion(xB, nB),
      alphaPass: 0.05,
      alphaFail: 0.05,
      tau2Pass: tau2ForHorizon(0.05, vPlan),
      tau2Fail: tau2ForHorizon(0.05, vPlan),
      minSamplePerArm: 1000,
      ...extra,
    }
  }

  it('reports insufficient data below the minimum sample per arm', () => {
    const r = nonInferiorityTest(input(500, 10_000, 40, 900))
    expect(r.decision).toBe('insufficient_data')
    expect(r.reason).toContain('n ≥ 1000')
  })

  it('reports insufficient data when the variance is zero (no events in either arm)', () => {
    const r = nonInferiorityTest(input(0, 10_000, 0, 2000))
    expect(r.decision).toBe('insufficient_data')
  })

  it('PASSes an A/A comparison once the sample is large enough', () => {
    const r = nonInferiorityTest(input(360_000, 7_200_000, 40_000, 800_000))
    expect(r.passContrast).toBeCloseTo(0.05 * 0.02, 12)
    expect(r.passContrast).toBeGreaterThan(r.passBoundary)
    expect(r.decision).toBe('pass')
    expect(r.pValuePass).toBeLessThan(0.05)
    expect(r.reason).toMatch(/^PASS: .*D̂\(m = 2%\) = 0\.001 /)
  })

  it('CONTINUEs on an A/A comparison early on', () => {
    const r = nonInferiorityTest(input(2700, 54_000, 300, 6000))
    expect(r.decision).toBe('continue')
    expect(r.reason).toMatch(/^CONTINUE: /)
  })

  it('FAILs a clearly worse challenger, with the boundary numbers in the reason', () => {
    const r = nonInferiorityTest(input(27_000, 540_000, 2_400, 60_000))
    expect(r.decision).toBe('fail')
    expect(r.failContrast).toBeCloseTo(0.04 - 0.98 * 0.05, 12)
    expect(r.failContrast).toBeLessThan(-r.failBoundary)
    expect(r.pValueFail).toBeLessThan(0.05)
    expect(r.reason).toContain(`−${Number(r.failBoundary.toPrecision(4))}`)
  })

  it('decides exactly at the boundary (strict inequality)', () => {
    const base = input(50_000, 1_000_000, 5_000, 100_000)
    const pass = niContrast(base)
    const b = mixtureBoundary(pass.variance, base.tau2Pass, base.alphaPass)
    // Shift the challenger mean so that D̂ sits just above / below B (the variance is unchanged).
    const at = (delta: number) =>
      nonInferiorityTest({
        ...base,
        challenger: { ...base.challenger, mean: base.challenger.mean - pass.estimate + b + delta },
      }).decision
    expect(at(1e-12)).toBe('pass')
    expect(at(-1e-12)).toBe('continue')
  })

  it('is monotone: a better challenger never moves from PASS or CONTINUE towards FAIL', () => {
    const order = { fail: 0, continue: 1, pass: 2, insufficient_data: -1 }
    let last = -1
    for (let xB = 2000; xB <= 3500; xB += 25) {
      const r = nonInferiorityTest(input(25_000, 500_000, xB, 50_000))
      expect(order[r.decision]).toBeGreaterThanOrEqual(last)
      last = order[r.decision]
    }
    expect(last).toBe(2)
  })

  it('lets FAIL win when both claims hold (m_f < m)', () => {
    // 10% worse: within a 25% margin but shown worse than m_f = 0.
    const r = nonInferiorityTest(input(250_000, 1_000_000, 225_000, 1_000_000, { margin: 0.25, failMargin: 0 }))
    expect(r.passContrast).toBeGreaterThan(r.passBoundary)
    expect(r.failContrast).toBeLessThan(-r.failBoundary)
    expect(r.decision).toBe('fail')
  })

  it('handles lower-is-better metrics (error rate) with an absolute margin', () => {
    const r = nonInferiorityTest(
      input(2500, 500_000, 1000, 50_000, {
        direction: 'lower_is_better',
        marginKind: 'absolute',
        margin: 0.005,
        failMargin: 0.005,
      }),
    )
    // Challenger 2% vs champion 0.5%: 1.5pp worse, far beyond the 0.5pp margin.
    expect(r.failContrast).toBeCloseTo(0.005 - 0.02 + 0.005, 12)
    expect(r.decision).toBe('fail')
  })

  it('validates its configuration', () => {
    expect(() => nonInferiorityTest(input(1, 2, 1, 2, { failMargin: 0.03 }))).toThrow(RangeError)
    expect(() => nonInferiorityTest(input(1, 2, 1, 2, { tau2Pass: 0 }))).toThrow(RangeError)
  })

  it('returns JSON-safe plain data', () => {
    const r = nonInferiorityTest(input(2700, 54_000, 300, 6000))
    expect(JSON.parse(JSON.stringify(r))).toEqual(r)
  })
})
