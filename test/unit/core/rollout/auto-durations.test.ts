/**
 * Stage lengths planned by power (docs/statistics.md §2.7). The vector is the world of §13.6:
 * conversion p = 5 %, margin m = 2 %, a 10 % canary of 6,000 requests per minute. Derived outside
 * the code under test with the closed-form boundary of §4.2 (bisection in a separate script):
 *   δ = (m/2)·p = 0.0005, τ = m·p = 0.001, z_0.8 = 0.841621;
 *   (δ − B(V*))/√V* = z_0.8 at V* = 1.71431e-8 (the boundary's multiplier B/√V there: 2.97717);
 *   t = p(1−p)·(1/0.1 + 0.98²/0.9) / (0.1 per ms · V*) = 306,646,919 ms = 85.18 h.
 */
import { describe, expect, it } from 'vitest'
import { mixtureBoundary } from '../../../../src/core/stats/mixture'
import {
  MIN_PLANNED_MS,
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
  alphaPass: 0.05,
  power: 0.8,
  minSamplePerArm: 1_000,
  capMs: 7 * 86_400_000,
}

describe('requiredVariance', () => {
  it('solves power = Φ((δ − B(V))/√V) for V', () => {
    const v = requiredVariance(conversion, 0.05, 0.8) as number
    expect(v).toBeCloseTo(1.71431e-8, 12)
    expect(mixtureBoundary(v, 1e-6, 0.05) / Math.sqrt(v)).toBeCloseTo(2.97717, 4)
    // Power 1/2 puts the boundary exactly on δ: z = 0.
    const half = requiredVariance(conversion, 0.05, 0.5) as number
    expect(mixtureBoundary(half, 1e-6, 0.05)).toBeCloseTo(0.0005, 9)
  })

  it('has no answer without a positive margin effect', () => {
    expect(requiredVariance({ ...conversion, margin: 0 }, 0.05, 0.8)).toBeNull()
    expect(requiredVariance({ ...conversion, mean: 0 }, 0.05, 0.8)).toBeNull()
  })
})

describe('planStage', () => {
  it('plans the 10% canary of §13.6 at 85.18 h', () => {
    const p = planStage(10, input)
    expect(p?.ms).toBeGreaterThan(306_646_919 - 1_000)
    expect(p?.ms).toBeLessThan(306_646_919 + 1_000)
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
