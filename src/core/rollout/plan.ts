/**
 * @module core/rollout/plan
 * Strategies compiled into a plan of steps, and the routing each step publishes.
 *
 * One controller runs every strategy because a strategy is only a list of steps:
 * - `shadow`       → one shadow step (0% served, a sample copied to the challenger);
 * - `canary`       → one canary step per stage weight; the last stage (100) is the promotion;
 * - `blue_green`   → one switch step: 100% in one publish, the challenger becomes champion;
 * - `feature_flag` → one cohort step per cohort percent; when it is the last strategy and
 *                    `cohort.promote` holds, a switch to 100% follows.
 * A composite plan concatenates them in order, and a single watch step ends every plan that
 * served real traffic. A shadow-only plan has no watch: nobody was served by the challenger.
 *
 * Steps to 100% (canary 100, switch) complete as soon as their routing is live: at 100% there is
 * no concurrent champion arm to compare with, so the watch after them compares the new champion
 * with the pre-rollout baseline instead.
 */
import type { GateConfig } from '../gates/types'
import type { CohortRule, ShadowTarget } from '../routing/types'
import type { GatedStepKind, RolloutConfig, Step } from './types'

/** A routing table as `PUT /admin/models/{model}/routing` takes it (RoutingInput, no reason). */
export interface StepRouting {
  weights: Record<string, number>
  rules: CohortRule[]
  shadow: ShadowTarget | null
}

export interface RoutingContext {
  champion: string
  challenger: string
  /** Operator cohort rules in force before the rollout; they keep precedence. */
  baseRules: CohortRule[]
}

/** Whether entering this step gives the challenger 100% and makes it champion. */
export function isPromotion(step: Step): boolean {
  return step.kind === 'switch' || (step.kind === 'canary' && step.weight >= 100)
}

/** Whether this step sends real (served) traffic to the challenger. */
export function servesTraffic(step: Step): boolean {
  return step.kind === 'canary' || step.kind === 'switch' || step.kind === 'cohort'
}

/**
 * Compile a resolved, valid configuration into its steps (see the module comment).
 * @example buildPlan(resolveConfig({ ...c, strategies: ['shadow', 'canary'] })).map((s) => s.kind)
 * // ['shadow', 'canary', 'canary', 'canary', 'canary', 'watch']
 */
export function buildPlan(config: RolloutConfig): Step[] {
  const steps: Step[] = []
  const { durations, shadow, cohort } = config
  let carried: { when: CohortRule['when']; percent: number } | null = null
  config.strategies.forEach((strategy, i) => {
    const last = i === config.strategies.length - 1
    switch (strategy) {
      case 'shadow':
        steps.push({
          kind: 'shadow',
          sampleRate: shadow.sampleRate,
          minDurationMs: durations.shadowMinMs,
          minSamples: shadow.minSamples,
        })
        return
      case 'feature_flag': {
        if (cohort === null) return
        for (const percent of cohort.percents) {
          steps.push({
            kind: 'cohort',
            when: cohort.when,
            percent,
            minDurationMs: durations.stageMinMs,
          })
        }
        const top = cohort.percents[cohort.percents.length - 1]
        carried = top === undefined ? null : { when: cohort.when, percent: top }
        if (last && cohort.promote) steps.push({ kind: 'switch' })
        return
      }
      case 'canary':
        for (const weight of config.stages) {
          const final = weight >= 100
          // A stage planned by power (`durations: "auto"`) keeps its planned length.
          const planned = durations.auto?.stages.find((p) => p.weight === weight)?.ms
          steps.push({
            kind: 'canary',
            weight,
            minDurationMs: final ? 0 : (planned ?? durations.stageMinMs),
            cohort: final ? null : carried,
          })
        }
        return
      case 'blue_green':
        steps.push({ kind: 'switch' })
        return
      default: {
        const never: never = strategy
        return never
      }
    }
  })
  if (steps.some(servesTraffic)) steps.push({ kind: 'watch', durationMs: durations.watchMs })
  return steps
}

/**
 * The routing a step publishes, or null for a watch, which publishes nothing (the step before
 * stays live; see `routingAt`). Operator rules come first so they keep precedence.
 * - shadow: 100% champion + shadow target; canary: champion 100−w, challenger w;
 * - switch and canary 100: 100% challenger (the caller publishes it with `set_champion`);
 * - cohort: 100% champion + a cohort rule { when, version: challenger, percent }.
 */
export function routingForStep(step: Step, ctx: RoutingContext): StepRouting | null {
  const { champion, challenger, baseRules } = ctx
  const only = (version: string) => ({ [version]: 100 })
  switch (step.kind) {
    case 'shadow':
      return {
        weights: only(champion),
        rules: [...baseRules],
        shadow: { version: challenger, sample_rate: step.sampleRate },
      }
    case 'canary': {
      if (step.weight >= 100) {
        return { weights: only(challenger), rules: [...baseRules], shadow: null }
      }
      const bp = Math.round(step.weight * 100)
      const rules = step.cohort
        ? [...baseRules, { when: step.cohort.when, version: challenger, percent: step.cohort.percent }]
        : [...baseRules]
      return {
        weights: { [champion]: (10_000 - bp) / 100, [challenger]: bp / 100 },
        rules,
        shadow: null,
      }
    }
    case 'switch':
      return { weights: only(challenger), rules: [...baseRules], shadow: null }
    case 'cohort':
      return {
        weights: only(champion),
        rules: [...baseRules, { when: step.when, version: challenger, percent: step.percent }],
        shadow: null,
      }
    case 'watch':
      return null
    default: {
      const never: never = step
      return never
    }
  }
}

/** The routing live during `plan[index]`: a watch resolves to the step before it. */
export function routingAt(plan: Step[], index: number, ctx: RoutingContext): StepRouting | null {
  for (let i = index; i >= 0; i--) {
    const step = plan[i]
    if (step === undefined) return null
    const routing = routingForStep(step, ctx)
    if (routing !== null) return routing
  }
  return null
}

/**
 * Percentage points the challenger's share grows by when entering `plan[index]`, within its
 * ramp (canary weights from 0, cohort percents from 0); null for shadow, switch and watch, whose
 * size is the strategy's nature rather than a parameter.
 */
export function stageJump(plan: Step[], index: number): number | null {
  const step = plan[index]
  if (step === undefined || (step.kind !== 'canary' && step.kind !== 'cohort')) return null
  const level = (s: Step | undefined) => {
    if (s?.kind === 'canary' && step.kind === 'canary') return s.weight
    if (s?.kind === 'cohort' && step.kind === 'cohort') return s.percent
    return 0
  }
  return Math.round((level(step) - level(plan[index - 1])) * 100) / 100
}

/**
 * The gate configuration for a step: the caller's gates for its kind, with the step's minimum
 * duration (and, for shadow, its minimum sample) as floors. Null for a switch, which has no gate.
 */
export function gateConfigForStep(config: RolloutConfig, step: Step): GateConfig | null {
  if (step.kind === 'switch') return null
  const kind: GatedStepKind = step.kind
  const gate = config.gates[kind]
  if (gate === undefined) return null
  switch (step.kind) {
    case 'shadow':
      return {
        ...gate,
        minDurationMs: Math.max(gate.minDurationMs, step.minDurationMs),
        minSamplePerArm: Math.max(gate.minSamplePerArm, step.minSamples),
      }
    case 'canary':
    case 'cohort':
      return { ...gate, minDurationMs: Math.max(gate.minDurationMs, step.minDurationMs) }
    case 'watch':
      return gate
    default: {
      const never: never = step
      return never
    }
  }
}
