/**
 * Stage lengths planned by power (docs/statistics.md §2.7). The vector is the world of §13.6:
 * conversion p = 5 %, margin m = 2 %, a 10 % canary of 6,000 requests per minute, α_pass = 0.025
 * (the default, §5.7). Derived by hand (quantiles from Python's statistics.NormalDist, not from the
 * code under test): the planned PASS look at the stage's minimum duration is a z-test at level
 * 3α_pass/4 = 0.01875, so
 *   δ = (m/2)·p = 0.0005, z_{1−0.01875} = 2.080278, z_0.8 = 0.841621;
 *   √V* = δ/(2.080278 + 0.841621) = 1.711215e-4, V* = 2.928258e-8;
 *   t = p(1−p)·(1/0.1 + 0.98²/0.9) / (0.1 per ms · V*) = 179,522,329 ms = 49.87 h.
 * The look only sees matured outcomes (§10.2): with a 24 h window the plan adds 24 h + the fold
 * minute, 86,460,000 ms, so 265,982,329 ms = 73.88 h. Planned at 49.87 h, the look would see
 * ~26 h of data: power Φ(√(93.06/179.52)·2.921900 − 2.080278) = 0.509.
 */
import { describe, expect, it } from 'vitest'
import {
  MIN_PLANNED_MS,
  maturationDelayMs,
  planStage,
  requiredVariance,
  type AutoPlanInput,
  type MeasuredMetric,
} from '../../../../src/core/rollout/auto-durations'

const conversion: MeasuredMetric = {
  metric: 'conversion',
  kind: 'proportion',
  direction: 'higher_is_better',
  margin: 0.02,
  mean: 0.05,
  variance: 0.05 * 0.95,
}

const input: AutoPlanInput = {
  ratePerMs: 0.1,
  metrics: [conversion],
  alphaPass: 0.025,
  power: 0.8,
  minSamplePerArm: 1_000,
  capMs: 7 * 86_400_000,
}

describe('requiredVariance', () => {
  it("solves the PASS look's power, Φ(δ/√V − z_{1−3α/4}) = power, for V", () => {
    expect(requiredVariance(conversion, 0.025, 0.8)).toBeCloseTo(2.928258e-8, 13)
    // Power 1/2 puts the look's boundary exactly on δ: √V = δ/z_{1−0.01875}.
    expect(Math.sqrt(requiredVariance(conversion, 0.025, 0.5) as number)).toBeCloseTo(0.0005 / 2.080278, 9)
    // α_pass = 0.05: z_{1−0.0375} = 1.780464, √V* = 0.0005/(1.780464 + 0.841621).
    expect(Math.sqrt(requiredVariance(conversion, 0.05, 0.8) as number)).toBeCloseTo(0.0005 / 2.622085, 9)
  })

  it("has no answer without a positive margin effect, or at a power below the look's level", () => {
    expect(requiredVariance({ ...conversion, margin: 0 }, 0.025, 0.8)).toBeNull()
    expect(requiredVariance({ ...conversion, mean: 0 }, 0.025, 0.8)).toBeNull()
    expect(requiredVariance(conversion, 0.025, 0.01)).toBeNull()
  })
})

describe('planStage', () => {
  it('plans the 10% canary of §13.6 at 49.87 h', () => {
    const p = planStage(10, input)
    expect(p?.ms).toBeGreaterThan(179_522_329 - 1_000)
    expect(p?.ms).toBeLessThan(179_522_329 + 1_000)
    expect(p?.capped).toBe(false)
  })

  it('caps the plan at the stage cap, and never plans less than a tick', () => {
    expect(planStage(10, { ...input, capMs: 86_400_000 })).toMatchObject({ ms: 86_400_000, capped: true })
    // 1,000 requests per ms, a 50 % margin and a sample of 1: every need is far below one tick.
    const fast = planStage(50, {
      ...input,
      ratePerMs: 1_000,
      minSamplePerArm: 1,
      metrics: [{ ...conversion, margin: 0.5 }],
    })
    expect(fast?.ms).toBe(MIN_PLANNED_MS)
  })

  it('waits for the minimum sample of the smaller arm', () => {
    // A 50 % margin on a 50 % rate needs few requests; the 1,000 challenger requests at 1 % of
    // 0.1 per ms take 1,000 / 0.001 = 1,000,000 ms.
    const big = { ...input, metrics: [{ ...conversion, margin: 0.5, mean: 0.5, variance: 0.25 }] }
    expect(planStage(1, big)?.ms).toBe(1_000_000)
  })

  it('gives up without traffic or spread: the fixed durations apply', () => {
    expect(planStage(10, { ...input, ratePerMs: 0 })).toBeNull()
    expect(planStage(10, { ...input, metrics: [{ ...conversion, variance: 0 }] })).toBeNull()
    expect(planStage(10, { ...input, metrics: [] })).toBeNull()
  })
})

describe('planStage with maturation and outcome rates', () => {
  const day = { ...conversion, maturationMs: maturationDelayMs(86_400_000) }

  it("adds the metric's window and the fold minute: the look sees t* of matured data", () => {
    expect(maturationDelayMs(86_400_000)).toBe(86_460_000)
    expect(maturationDelayMs(0)).toBe(0)
    const p = planStage(10, { ...input, metrics: [day] })
    expect(p?.ms).toBeGreaterThan(265_982_329 - 1_000)
    expect(p?.ms).toBeLessThan(265_982_329 + 1_000)
    // A 3-day cap (259,200,000 ms) binds only because of the maturation.
    expect(planStage(10, { ...input, metrics: [day], capMs: 259_200_000 })).toMatchObject({
      ms: 259_200_000,
      capped: true,
    })
  })

  // Revenue per outcome: mean 10, sd 20, margin 10 %, 1 h window, outcomes on 20 % of the
  // 0.1 requests per ms. δ = 0.5, V* = (0.5/2.921900)² = 0.02928258, so
  // t* = 400·(1/0.1 + 0.9²/0.9) / (0.02 per ms · V*) = 7,444,698 ms, + 3,660,000 = 11,104,698 ms.
  // At the request rate it would be 1,488,940 + 3,660,000 ms: a fifth of the data it needs.
  const revenue: MeasuredMetric = {
    metric: 'revenue',
    kind: 'mean',
    direction: 'higher_is_better',
    margin: 0.1,
    mean: 10,
    variance: 400,
    maturationMs: maturationDelayMs(3_600_000),
    outcomesPerMs: 0.02,
  }

  it('plans a mean metric from its outcome rate, not the request rate', () => {
    const p = planStage(10, { ...input, metrics: [revenue] })
    expect(p?.ms).toBeGreaterThan(11_104_698 - 1_000)
    expect(p?.ms).toBeLessThan(11_104_698 + 1_000)
    // A proportion counts every matured request whatever outcomesPerMs says.
    const asProportion = planStage(10, { ...input, metrics: [{ ...day, outcomesPerMs: 0.02 }] })
    expect(asProportion?.ms).toBe(planStage(10, { ...input, metrics: [day] })?.ms)
  })

  it('takes the longest metric, maturation included', () => {
    const p = planStage(10, { ...input, metrics: [revenue, day] })
    expect(p?.metrics.map((m) => m.metric)).toEqual(['revenue', 'conversion'])
    expect(p?.ms).toBe(p?.metrics[1]?.ms)
    expect(p?.ms).toBeGreaterThan(265_982_329 - 1_000)
  })
})
