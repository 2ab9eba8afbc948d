/**
 * `durations: "auto"` re-planned from the shadow step (docs/statistics.md §2.7). Numbers by hand
 * from the vector of ./auto-durations.test.ts: the 10 % canary of the §13.6 world at 0.1 requests
 * per ms needs 179,522,329.3 ms; the length scales with 1/rate, so 0.05 per ms needs twice that
 * (359,044,658.7 ms), 0.4 per ms a quarter (44,880,582.3 ms) and 1 per ms a tenth (17,952,232.9 ms).
 */
import { describe, expect, it } from 'vitest'
import type { GateConfig } from '../../../../src/core/gates/types'
import type { AutoPlanInput } from '../../../../src/core/rollout/auto-durations'
import { replanCanary, type ReplanContext } from '../../../../src/core/rollout/replan'
import type { AutoDurations, Step } from '../../../../src/core/rollout/types'

const HOUR = 3_600_000
const DAY = 24 * HOUR

const input = (ratePerMs: number): AutoPlanInput => ({
  ratePerMs,
  metrics: [
    {
      metric: 'conversion',
      kind: 'proportion',
      direction: 'higher_is_better',
      margin: 0.02,
      mean: 0.05,
      variance: 0.0475,
    },
  ],
  alphaPass: 0.025,
  power: 0.8,
  minSamplePerArm: 1_000,
  capMs: 7 * DAY,
})

const plan = (canaryMs: number): Step[] => [
  { kind: 'shadow', sampleRate: 1, minDurationMs: 48 * HOUR, minSamples: 10_000 },
  { kind: 'canary', weight: 10, minDurationMs: canaryMs, cohort: null },
  { kind: 'canary', weight: 100, minDurationMs: 0, cohort: null },
  { kind: 'watch', durationMs: 72 * HOUR },
]

const auto = (ms: number): AutoDurations => ({
  power: 0.8,
  trafficPerS: 100,
  measured: [{ metric: 'conversion', mean: 0.05, sd: Math.sqrt(0.0475), margin: 0.02 }],
  stages: [{ weight: 10, ms, capped: false }],
})

const gate = { minDurationMs: 179_522_329, maxDurationMs: 7 * DAY } as GateConfig

const ctx = (ms: number): ReplanContext => ({
  plan: plan(ms),
  auto: auto(ms),
  canaryGate: { ...gate, minDurationMs: ms },
  afterStep: 0,
  at: 1_700_000_000_000,
  floorMs: DAY,
})

const canaryMs = (steps: Step[]) => (steps[1] as Extract<Step, { kind: 'canary' }>).minDurationMs

describe('replanCanary', () => {
  it("plans the canary stages again from the shadow step's traffic, and says from what", () => {
    // Half the traffic measured at the start (0.05 per ms, not 0.1): twice as long.
    const r = replanCanary(ctx(179_522_330), input(0.05))
    expect(r).not.toBeNull()
    expect(canaryMs(r!.plan)).toBeGreaterThan(359_044_659 - 1_000)
    expect(canaryMs(r!.plan)).toBeLessThan(359_044_659 + 1_000)
    expect(r!.auto.stages[0]?.ms).toBe(canaryMs(r!.plan))
    expect(r!.canaryGate.minDurationMs).toBe(canaryMs(r!.plan))
    expect(r!.auto.trafficPerS).toBe(50)
    expect(r!.auto.replanned).toEqual({
      at: 1_700_000_000_000,
      from: 'shadow',
      trafficPerS: 100,
      stages: [{ weight: 10, ms: 179_522_330 }],
    })
    // The shadow step, the 100 % step and the watch keep their lengths.
    expect([r!.plan[0], r!.plan[2], r!.plan[3]]).toEqual([plan(0)[0], plan(0)[2], plan(0)[3]])
    expect(r!.reason).toMatch(/re-planned from the shadow step's traffic \(50\.0\/s, 100\/s at the start/)
    expect(r!.reason).toMatch(/canary 10% 49 h 52 min → 4 d 3 h\./)
  })

  it('shortens a stage only down to the default length, or to what the approver saw below it', () => {
    // 0.4 per ms would need 12.5 h; the start planned 49.9 h (no approver): the floor is 24 h.
    expect(canaryMs(replanCanary(ctx(179_522_330), input(0.4))!.plan)).toBe(DAY)
    // Approved at 10 h: 0.4 per ms gives 12.5 h (longer, taken); 1 per ms 5 h, held at the 10 h approved.
    expect(canaryMs(replanCanary(ctx(10 * HOUR), input(0.4))!.plan)).toBe(44_880_583)
    expect(canaryMs(replanCanary(ctx(10 * HOUR), input(1))!.plan)).toBe(10 * HOUR)
  })

  it("re-plans once, and keeps the start's plan when nothing measured can plan", () => {
    const once = replanCanary(ctx(179_522_330), input(0.05))!
    expect(replanCanary({ ...ctx(179_522_330), auto: once.auto }, input(0.2))).toBeNull()
    expect(replanCanary(ctx(179_522_330), input(0))).toBeNull()
    expect(replanCanary(ctx(179_522_330), { ...input(0.1), metrics: [] })).toBeNull()
  })

  it('leaves steps up to the shadow step alone', () => {
    const r = replanCanary({ ...ctx(179_522_330), afterStep: 1 }, input(0.05))
    expect(canaryMs(r!.plan)).toBe(179_522_330)
  })

  it('re-plans the canary stages after a feature-flag step and leaves the flag step alone', () => {
    // shadow → cohort 10% of NZ → canary 10% → canary 100% → watch: the re-plan is made when the
    // shadow step passes, from its measurements; the cohort step is not planned by power.
    const cohort: Step = { kind: 'cohort', when: { cf: 'country', in: ['NZ'] }, percent: 10, minDurationMs: DAY }
    const steps = plan(179_522_330)
    const withFlag = [steps[0]!, cohort, ...steps.slice(1)]
    const r = replanCanary({ ...ctx(179_522_330), plan: withFlag }, input(0.05))!
    expect(r.plan[1]).toEqual(cohort)
    const canary = r.plan[2] as Extract<Step, { kind: 'canary' }>
    expect(canary.minDurationMs).toBeGreaterThan(359_044_659 - 1_000)
    expect(canary.minDurationMs).toBeLessThan(359_044_659 + 1_000)
    expect([r.plan[0], r.plan[3], r.plan[4]]).toEqual([steps[0], steps[2], steps[3]])
  })
})
