/**
 * @module core/rollout/config
 * Defaults of the rollout configuration (listed with the gate defaults in docs/statistics.md §2.6) and their resolution. Every default is a plain
 * number here, so a demo can shrink them to minutes by passing its own values.
 */
import type { RolloutConfig, RolloutConfigInput } from './types'

export const MINUTE_MS = 60_000
export const HOUR_MS = 60 * MINUTE_MS
export const DAY_MS = 24 * HOUR_MS

export const DEFAULT_STAGES: readonly number[] = [5, 25, 50, 100]

export const DEFAULTS = {
  durations: { stageMinMs: DAY_MS, shadowMinMs: 2 * DAY_MS, watchMs: 3 * DAY_MS },
  shadow: { sampleRate: 1, minSamples: 10_000 },
  cohortPercents: DEFAULT_STAGES,
  approval: {
    requireFinalApprovalForRisk: 'high',
    recentRollbackWindowMs: 7 * DAY_MS,
    maxStageJump: 50,
    approvalTtlMs: DAY_MS,
  },
} as const satisfies {
  durations: RolloutConfig['durations']
  shadow: RolloutConfig['shadow']
  cohortPercents: readonly number[]
  approval: RolloutConfig['approval']
}

/**
 * Fill in every default. Does not validate: call `validatePlan` first (or use `start`, which does).
 * @example resolveConfig({ model: 'm', challenger: 'v2', champion: 'v1', strategies: ['canary'],
 *   gates: { canary: gate, watch: gate } }).stages // [5, 25, 50, 100]
 */
export function resolveConfig(input: RolloutConfigInput): RolloutConfig {
  const cohort = input.cohort ?? null
  return {
    model: input.model,
    challenger: input.challenger,
    champion: input.champion,
    strategies: [...input.strategies],
    stages: [...(input.stages ?? DEFAULT_STAGES)],
    durations: { ...DEFAULTS.durations, ...defined(input.durations) },
    shadow: { ...DEFAULTS.shadow, ...defined(input.shadow) },
    gates: { ...input.gates },
    cohort:
      cohort === null
        ? null
        : {
            when: cohort.when,
            percents: [...(cohort.percents ?? DEFAULTS.cohortPercents)],
            promote: cohort.promote ?? true,
          },
    approval: { ...DEFAULTS.approval, ...defined(input.approval) },
  }
}

/** Drops `undefined` members so that spreading a partial never erases a default. */
function defined<T extends object>(partial: T | undefined): Partial<T> {
  if (partial === undefined) return {}
  return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<T>
}
