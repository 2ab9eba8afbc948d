/**
 * @module core/rollout/replan
 * `durations: "auto"` re-planned before the first canary stage (docs/statistics.md §2.7): when the
 * shadow step ends, the canary stages are planned again from the champion's traffic and variance
 * measured during the shadow step, with the same power, level, minimum sample and cap.
 *
 * Invariants:
 * - Pure: the caller measures (services/coordinator/auto-plan) and stores the result.
 * - Only steps after `afterStep` change, and only canary stages that were planned by power.
 * - A re-plan never needs an approval that was not given: a stage is never re-planned shorter than
 *   the shorter of its planned length at the start (what the approver saw) and `floorMs` (the
 *   default stage length, below which a plan needs an approver).
 * - Done once per rollout: a plan that was already re-planned is left alone.
 */
import type { GateConfig } from '../gates/types'
import { type AutoPlanInput, measuredInputs, planStage } from './auto-durations'
import { formatDuration } from './describe'
import type { AutoDurations, Step } from './types'

export interface Replan {
  plan: Step[]
  auto: AutoDurations
  /** The canary gate with its own minimum at the shortest planned stage, as at the start. */
  canaryGate: GateConfig
  /** One line for the audit and the verdict: what was re-planned, from what. */
  reason: string
}

export interface ReplanContext {
  plan: readonly Step[]
  auto: AutoDurations
  canaryGate: GateConfig
  /** The shadow step: only the steps after it are re-planned. */
  afterStep: number
  at: number
  floorMs: number
}

const perS = (ratePerMs: number) => `${(ratePerMs * 1000).toPrecision(3)}/s`

/**
 * The canary stages planned again from `input` (measured during the shadow step), or null when
 * nothing changes: already re-planned, or nothing measured can plan a stage (the start's plan stays).
 *
 * @example replanCanary({ plan, auto, canaryGate, afterStep: 0, at: now, floorMs: DAY_MS }, input)?.reason
 */
export function replanCanary(ctx: ReplanContext, input: AutoPlanInput): Replan | null {
  if (ctx.auto.replanned) return null
  const stages: AutoDurations['stages'] = []
  for (const old of ctx.auto.stages) {
    const p = planStage(old.weight, input)
    if (p === null) return null
    const ms = Math.max(p.ms, Math.min(old.ms, ctx.floorMs))
    stages.push({ weight: old.weight, ms, capped: p.capped && ms === p.ms })
  }
  if (stages.length === 0) return null
  const lengthOf = (weight: number) => stages.find((s) => s.weight === weight)?.ms
  const plan = ctx.plan.map((step, i): Step => {
    const ms = step.kind === 'canary' && i > ctx.afterStep ? lengthOf(step.weight) : undefined
    return ms === undefined || step.kind !== 'canary' ? step : { ...step, minDurationMs: ms }
  })
  const auto: AutoDurations = {
    power: input.power,
    trafficPerS: input.ratePerMs * 1000,
    measured: input.metrics.map(measuredInputs),
    stages,
    replanned: {
      at: ctx.at,
      from: 'shadow',
      trafficPerS: ctx.auto.trafficPerS,
      stages: ctx.auto.stages.map((s) => ({ weight: s.weight, ms: s.ms })),
    },
  }
  const changes = stages.map((s) => {
    const before = ctx.auto.stages.find((o) => o.weight === s.weight)?.ms ?? s.ms
    return `canary ${s.weight}% ${formatDuration(before)} → ${formatDuration(s.ms)}`
  })
  const metrics = input.metrics.map(
    (m) => `${m.metric} mean ${m.mean.toPrecision(3)} sd ${Math.sqrt(m.variance).toPrecision(3)}`,
  )
  const reason =
    `durations auto: canary stages re-planned from the shadow step's traffic (${perS(input.ratePerMs)}, ` +
    `${perS(ctx.auto.trafficPerS / 1000)} at the start; ${metrics.join(', ')}): ${changes.join(', ')}.`
  const canaryGate = { ...ctx.canaryGate, minDurationMs: Math.min(...stages.map((s) => s.ms)) }
  return { plan, auto, canaryGate, reason }
}
