/**
 * @module core/rollout/validate
 * Every problem with a rollout configuration, listed at once so that a 400 names each bad field.
 * Field paths follow `RolloutConfigInput` (e.g. `stages.2`, `cohort.when`, `gates.watch`).
 */
import type { FieldError } from '../errors'
import { gateConfigProblems } from '../gates/config-check'
import { resolveConfig } from './config'
import { formatDuration } from './describe'
import { buildPlan } from './plan'
import { STRATEGIES, type RolloutConfigInput, type Strategy } from './types'

/** Position of each strategy in a composite plan; canary and blue_green both promote: one slot. */
const ORDER: Record<Strategy, number> = { shadow: 0, feature_flag: 1, canary: 2, blue_green: 2 }

/**
 * Validate a configuration before `start`.
 * @returns field errors; empty when the configuration can run.
 */
export function validatePlan(input: RolloutConfigInput): FieldError[] {
  const errors: FieldError[] = []
  const add = (field: string, message: string) => errors.push({ field, message })
  for (const field of ['model', 'challenger', 'champion'] as const) {
    if (typeof input[field] !== 'string' || input[field] === '') add(field, 'required')
  }
  if (input.challenger === input.champion) {
    add('challenger', 'the challenger must differ from the champion')
  }
  checkStrategies(input.strategies, add)
  const config = resolveConfig(input)
  const has = (s: Strategy) => config.strategies.includes(s)
  if (has('canary') || input.stages !== undefined) {
    checkRamp('stages', config.stages, add)
    const last = config.stages[config.stages.length - 1]
    if (last !== undefined && last !== 100) add('stages', 'the last canary stage must be 100')
  }
  if (has('feature_flag') && config.cohort === null) add('cohort', 'feature_flag needs a cohort')
  if (config.cohort !== null) {
    const { when, percents } = config.cohort
    const set = [when.equals, when.in, when.prefix].filter((x) => x !== undefined).length
    if (!when.header === (when.cf === undefined)) add('cohort.when', 'exactly one of header or cf')
    if (set !== 1) add('cohort.when', 'exactly one of equals, in or prefix')
    checkRamp('cohort.percents', percents, add)
  }
  const { auto, ...fixed } = config.durations
  for (const [key, ms] of Object.entries(fixed)) {
    if (!Number.isInteger(ms) || ms < 0) add(`durations.${key}`, 'a whole number of ms, ≥ 0')
  }
  for (const s of auto?.stages ?? []) {
    if (!Number.isInteger(s.ms) || s.ms < 0) add(`durations.auto.${s.weight}`, 'a whole number of ms, ≥ 0')
  }
  const { sampleRate, minSamples } = config.shadow
  if (!(sampleRate > 0 && sampleRate <= 1)) add('shadow.sampleRate', 'in (0, 1]')
  if (!Number.isInteger(minSamples) || minSamples < 0) {
    add('shadow.minSamples', 'a whole number ≥ 0')
  }
  checkApproval(config.approval, add)
  if (errors.length === 0) checkGates(input, add)
  return errors
}

type Add = (field: string, message: string) => void

function checkStrategies(strategies: readonly string[], add: Add): void {
  if (!Array.isArray(strategies) || strategies.length === 0) {
    add('strategies', 'at least one strategy')
    return
  }
  let previous = -1
  strategies.forEach((s, i) => {
    if (!(STRATEGIES as readonly string[]).includes(s)) {
      add(`strategies.${i}`, `unknown strategy ${s}; one of ${STRATEGIES.join(', ')}`)
      return
    }
    const rank = ORDER[s as Strategy]
    if (rank <= previous) {
      add(`strategies.${i}`, 'strategies run in the order shadow → feature_flag → canary or blue_green, each once')
    }
    previous = Math.max(previous, rank)
  })
}

/** Percent ramps: (0, 100], at most two decimals, strictly increasing. */
function checkRamp(field: string, values: number[], add: Add): void {
  if (values.length === 0) add(field, 'at least one stage')
  values.forEach((v, i) => {
    const twoDecimals = Math.abs(Math.round(v * 100) - v * 100) < 1e-9
    if (!Number.isFinite(v) || v <= 0 || v > 100) add(`${field}.${i}`, 'a percentage in (0, 100]')
    else if (!twoDecimals) add(`${field}.${i}`, 'at most two decimals')
    const before = values[i - 1]
    if (before !== undefined && !(v > before)) {
      add(`${field}.${i}`, `must be greater than ${before}`)
    }
  })
}

/** Fields named as the API names them (StartRolloutInput), since the errors go back to its caller. */
function checkApproval(a: ReturnType<typeof resolveConfig>['approval'], add: Add): void {
  if (!['low', 'medium', 'high'].includes(a.requireFinalApprovalForRisk)) {
    add('approval.require_final_approval_for_risk', 'one of low, medium, high')
  }
  if (!Number.isInteger(a.recentRollbackWindowMs) || a.recentRollbackWindowMs < 0) {
    add('approval.recent_rollback_window_s', 'whole milliseconds, ≥ 0')
  }
  if (!(a.maxStageJump > 0 && a.maxStageJump <= 100)) add('approval.max_stage_jump', 'in (0, 100]')
  if (!Number.isInteger(a.approvalTtlMs) || a.approvalTtlMs <= 0) {
    add('approval.approval_ttl_s', 'whole milliseconds, > 0')
  }
}

/** Each gated step needs a gate whose cap leaves room for the step's minimum duration. */
function checkGates(input: RolloutConfigInput, add: Add): void {
  const config = resolveConfig(input)
  const seen = new Set<string>()
  for (const step of buildPlan(config)) {
    if (step.kind === 'switch' || seen.has(step.kind)) continue
    seen.add(step.kind)
    const gate = config.gates[step.kind]
    const field = `gates.${step.kind}`
    if (gate === undefined) {
      add(field, `the plan has ${step.kind} steps but no gate configuration for them`)
      continue
    }
    // Settings no gate test can run with would leave every tick without a verdict to act on.
    for (const p of gateConfigProblems(gate)) add(`${field}.${p.field}`, p.message)
    const floor = step.kind === 'watch' ? step.durationMs : Math.max(gate.minDurationMs, step.minDurationMs)
    if (gate.maxDurationMs < floor) {
      const outcome = step.kind === 'watch' ? 'end the watch INCONCLUSIVE early' : 'never PASS'
      add(
        `${field}.max_duration_s`,
        `below the step's minimum duration (${formatDuration(floor)}): it would ${outcome}`,
      )
    }
  }
}
