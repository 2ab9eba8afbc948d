/**
 * @module services/coordinator/rollout-request
 * Turns the public start request (snake_case, seconds, gate overrides) into a rollout
 * configuration, with gates built from the model's defaults, and lists every way the requested
 * gates are weaker than those defaults (such a rollout needs an approver).
 */
import { defaultGateConfig, isWeakerThan, type GateStage } from '../../core/gates/defaults'
import type { BusinessGate, GateConfig } from '../../core/gates/types'
import type { ExpHistogram } from '../../core/stats/histogram'
import type { BusinessMetric } from '../../schemas/model'
import type { GateOverrides, StartRolloutInput } from '../../schemas/rollout'
import type { RolloutConfigInput, StepGates } from '../../core/rollout/types'
import { DEFAULTS } from '../../core/rollout/config'
import { formatDuration } from '../../core/rollout/describe'
import { autoDurations, shorterThanDefault, type MeasuredTraffic } from './auto-plan'

export interface ModelFacts {
  model: string
  champion: string
  slaP99Ms: number | null
  metrics: BusinessMetric[]
  /** The champion's recent latency (threshold at its p99, margin mapped from a 10% slowdown). */
  championLatency: ExpHistogram | null
  championP99Ms: number | null
  /** The model's measured traffic, for `durations: "auto"` (./auto-plan); null: none. */
  traffic?: MeasuredTraffic | null
}

function applyOverrides(base: GateConfig, o: GateOverrides | undefined): GateConfig {
  if (!o) return base
  const business: BusinessGate[] = base.business.map((g) => {
    const ov = o.business?.find((b) => b.metric === g.metric)
    return ov
      ? {
          ...g,
          ...(ov.margin === undefined ? {} : { margin: ov.margin }),
          ...(ov.fail_margin === undefined ? {} : { failMargin: ov.fail_margin }),
        }
      : g
  })
  const out: GateConfig = { ...base, business }
  if (o.error_rate !== undefined) {
    out.errorRate =
      o.error_rate === null
        ? null
        : {
            margin: o.error_rate.margin,
            ...(o.error_rate.fail_margin === undefined ? {} : { failMargin: o.error_rate.fail_margin }),
            floor: o.error_rate.floor ?? base.errorRate?.floor ?? 0,
          }
  }
  if (o.latency !== undefined) {
    const threshold = o.latency?.threshold_ms ?? base.latency?.thresholdMs
    out.latency =
      o.latency === null || threshold === undefined
        ? null
        : {
            thresholdMs: threshold,
            margin: o.latency.margin,
            ...(o.latency.fail_margin === undefined ? {} : { failMargin: o.latency.fail_margin }),
          }
  }
  if (o.divergence !== undefined) out.divergence = o.divergence === null ? null : { maxRate: o.divergence.max_rate }
  if (o.alpha_pass !== undefined) out.alphaPass = o.alpha_pass
  if (o.alpha_fail !== undefined) out.alphaFail = o.alpha_fail
  if (o.srm_alpha !== undefined) out.srmAlpha = o.srm_alpha
  if (o.min_sample !== undefined) out.minSamplePerArm = o.min_sample
  if (o.max_duration_s !== undefined) out.maxDurationMs = o.max_duration_s * 1000
  if (o.max_conflict_rate !== undefined) out.maxConflictRate = o.max_conflict_rate
  if (o.min_conflicts !== undefined) out.minConflicts = o.min_conflicts
  return out
}

/**
 * Minimum durations come from the plan's durations (the gates' own minimum is aligned to them), so
 * a demo with minute-scale stages is not held by the 24 h default of the gate.
 */
export function buildRolloutConfig(
  req: StartRolloutInput,
  facts: ModelFacts,
): { config: RolloutConfigInput; weaker: string[] } {
  const strategies = Array.isArray(req.strategy) ? req.strategy : [req.strategy]
  const business = facts.metrics.map((m) => ({
    metric: m.name,
    kind: m.kind,
    direction: m.direction,
    margin: m.margin,
    // A declared pre-exposure covariate lets the gate use CUPED (core/metrics/covariate).
    ...(m.covariate === undefined ? {} : { covariate: true }),
  }))
  const fixed = req.durations === 'auto' ? undefined : req.durations
  const stageMs = {
    shadow: (fixed?.shadow_min_s ?? 2 * 86_400) * 1000,
    canary: (fixed?.stage_min_s ?? 86_400) * 1000,
    watch: (fixed?.watch_s ?? 3 * 86_400) * 1000,
  }
  const gates: StepGates = {}
  const weaker: string[] = []
  const present = plannedStages(strategies)
  for (const stage of ['shadow', 'canary', 'watch'] as GateStage[]) {
    const defaults = defaultGateConfig({
      stage,
      ...(facts.slaP99Ms === null ? {} : { slaP99Ms: facts.slaP99Ms }),
      ...(facts.championP99Ms === null ? {} : { championP99Ms: facts.championP99Ms }),
      ...(facts.championLatency === null ? {} : { championLatency: facts.championLatency }),
      business,
    })
    // The plan's stage duration is the gate's minimum duration; the cap scales with it.
    const planned = {
      ...defaults,
      minDurationMs: stageMs[stage],
      maxDurationMs: Math.max(defaults.maxDurationMs, 7 * stageMs[stage]),
    }
    const gate = applyOverrides(planned, req.gates?.[stage])
    // Overrides for a stage the plan does not have judge nothing: they need no approval.
    if (present.has(stage)) weaker.push(...isWeakerThan(gate, planned).map((w) => `${stage}: ${w}`))
    gates[stage] = gate
  }
  const planned = req.durations === 'auto' && gates.canary && strategies.includes('canary')
  const auto = planned ? autoDurations(facts.traffic ?? null, gates.canary as GateConfig, req.stages, req.power) : null
  if (auto && gates.canary) {
    // Each canary step carries its planned length; the gate's own minimum steps aside for it.
    gates.canary = { ...gates.canary, minDurationMs: Math.min(...auto.stages.map((p) => p.ms)) }
    weaker.push(...shorterThanDefault(auto, DEFAULTS.durations.stageMinMs))
  }
  gates.cohort = gates.canary
  weaker.push(...weakerPlan(req))
  const config: RolloutConfigInput = {
    model: facts.model,
    challenger: req.challenger,
    champion: facts.champion,
    strategies,
    ...(req.stages ? { stages: req.stages } : {}),
    durations: {
      stageMinMs: stageMs.canary,
      shadowMinMs: stageMs.shadow,
      watchMs: stageMs.watch,
      ...(auto ? { auto } : {}),
    },
    ...(req.shadow
      ? {
          shadow: {
            ...(req.shadow.sample_rate === undefined ? {} : { sampleRate: req.shadow.sample_rate }),
            ...(req.shadow.min_samples === undefined ? {} : { minSamples: req.shadow.min_samples }),
          },
        }
      : {}),
    ...(req.cohort
      ? {
          cohort: {
            when: req.cohort.when,
            ...(req.cohort.percents ? { percents: req.cohort.percents } : {}),
            ...(req.cohort.promote === undefined ? {} : { promote: req.cohort.promote }),
          },
        }
      : {}),
    gates,
    ...(req.approval
      ? {
          approval: {
            ...(req.approval.require_final_approval_for_risk
              ? { requireFinalApprovalForRisk: req.approval.require_final_approval_for_risk }
              : {}),
            ...(req.approval.recent_rollback_window_s === undefined
              ? {}
              : { recentRollbackWindowMs: req.approval.recent_rollback_window_s * 1000 }),
            ...(req.approval.max_stage_jump === undefined ? {} : { maxStageJump: req.approval.max_stage_jump }),
            ...(req.approval.approval_ttl_s === undefined ? {} : { approvalTtlMs: req.approval.approval_ttl_s * 1000 }),
          },
        }
      : {}),
  }
  return { config, weaker }
}

/**
 * Plan and approval settings that ask less than the defaults: shorter stages, a smaller shadow
 * sample, a shorter memory of rollbacks, bigger jumps between stages. Like weaker gates, they are
 * outside normal parameters, so the rollout needs an approver before the first exposure; otherwise
 * whoever starts a rollout could switch off the approvals meant to check them.
 */
export function weakerPlan(req: StartRolloutInput): string[] {
  const out: string[] = []
  const present = plannedStages(Array.isArray(req.strategy) ? req.strategy : [req.strategy])
  const durations = req.durations === 'auto' ? undefined : req.durations
  const shorter = (what: string, seconds: number | undefined, defaultMs: number) => {
    if (seconds !== undefined && seconds * 1000 < defaultMs)
      out.push(`${what} ${formatDuration(seconds * 1000)} < default ${formatDuration(defaultMs)}`)
  }
  if (present.has('canary')) shorter('durations.stage_min_s', durations?.stage_min_s, DEFAULTS.durations.stageMinMs)
  if (present.has('shadow')) shorter('durations.shadow_min_s', durations?.shadow_min_s, DEFAULTS.durations.shadowMinMs)
  if (present.has('watch')) shorter('durations.watch_s', durations?.watch_s, DEFAULTS.durations.watchMs)
  shorter(
    'approval.recent_rollback_window_s',
    req.approval?.recent_rollback_window_s,
    DEFAULTS.approval.recentRollbackWindowMs,
  )
  const minSamples = req.shadow?.min_samples
  if (present.has('shadow') && minSamples !== undefined && minSamples < DEFAULTS.shadow.minSamples)
    out.push(`shadow.min_samples ${minSamples} < default ${DEFAULTS.shadow.minSamples}`)
  const jump = req.approval?.max_stage_jump
  if (jump !== undefined && jump > DEFAULTS.approval.maxStageJump)
    out.push(`approval.max_stage_jump ${jump} > default ${DEFAULTS.approval.maxStageJump}`)
  const risk = req.approval?.require_final_approval_for_risk
  const rank = { low: 0, medium: 1, high: 2 } as const
  if (risk !== undefined && rank[risk] > rank[DEFAULTS.approval.requireFinalApprovalForRisk])
    out.push(
      `approval.require_final_approval_for_risk ${risk} (default ${DEFAULTS.approval.requireFinalApprovalForRisk})`,
    )
  return out
}

/**
 * The gate stages a plan of these strategies has (core/rollout/plan.ts `buildPlan`): shadow steps
 * for `shadow`; canary gates for `canary` and for `feature_flag` (its cohort steps use them);
 * a watch after any strategy that serves traffic.
 */
export function plannedStages(strategies: readonly string[]): Set<GateStage> {
  const out = new Set<GateStage>()
  if (strategies.includes('shadow')) out.add('shadow')
  if (strategies.includes('canary') || strategies.includes('feature_flag')) out.add('canary')
  if (strategies.some((s) => s !== 'shadow')) out.add('watch')
  return out
}
