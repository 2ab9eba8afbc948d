/**
 * @module services/views/rollout
 * Rollout state (core, camelCase, epoch milliseconds) and its D1 rows, as the API shows them
 * (schemas/rollout-view and schemas/verdict: snake_case, RFC 3339 times).
 */
import type { RolloutRow as RolloutRecord, VerdictRow as VerdictRecord } from '../../adapters/d1/outbox'
import { storedVerdictOf } from '../../adapters/d1/registry-store'
import { conflictLimits } from '../../core/gates/conflicts'
import type {
  ArmEstimate,
  GateConfig,
  MetricVerdict,
  StageEta,
  VerdictRecord as GateVerdict,
} from '../../core/gates/types'
import {
  PHASE_DESCRIPTIONS,
  allowedOperatorActions,
  gateConfigForStep,
  isTerminal,
  stepLabel,
  type RolloutConfig,
  type RolloutState,
  type Step,
  type VerdictSummary,
} from '../../core/rollout/index'
import { snakeKeys } from '../../core/case'
import { confirmationState } from '../../core/rollout/confirmation'
import type { AutoReplanned } from '../../core/rollout/types'
import type { GateView, RolloutSummary, RolloutView } from '../../schemas/rollout-view'
import type { EtaView, MetricVerdictView, SrmView, VerdictRow, VerdictView } from '../../schemas/verdict'
import type { StoredRollout } from '../coordinator/ports'

const iso = (ms: number) => new Date(ms).toISOString()
const orNull = <T>(x: T | undefined): T | null => (x === undefined ? null : x)

/** An arm's numbers; business metrics add its contradicted outcomes (absent in older verdicts). */
function armEstimateView(a: ArmEstimate): MetricVerdictView['champion'] {
  return {
    n: a.n,
    estimate: a.estimate,
    ...(a.conflicts === undefined ? {} : { conflicts: a.conflicts, conflict_rate: a.conflictRate ?? null }),
  }
}

/** A gate's per-metric result; `pValue` as stored in state and in D1 rows. */
export function metricVerdictView(m: MetricVerdict): MetricVerdictView {
  return {
    metric: m.metric,
    test: m.test,
    champion: armEstimateView(m.champion),
    challenger: armEstimateView(m.challenger),
    contrast: m.contrast,
    boundary: m.boundary,
    p_value: m.pValue,
    margin: m.margin,
    alpha: m.alpha,
    decision: m.decision,
    reason: m.reason,
  }
}

export function srmView(s: GateVerdict['srm'] | null | undefined): SrmView | null {
  if (!s) return null
  return {
    alarm: s.alarm,
    p_value: s.pValue,
    observed_share: s.observedShare,
    expected_share: s.expectedShare,
    reason: s.reason,
  }
}

export function verdictView(v: VerdictSummary): VerdictView {
  return {
    decision: v.decision,
    reason: v.reason,
    decisive: v.decisive,
    at: iso(v.at),
    step_index: v.stepIndex,
    step_epoch: v.stepEpoch,
    elapsed_ms: v.elapsedMs,
    metrics: v.metrics.map(metricVerdictView),
    srm: srmView(v.srm),
    ...(v.eta === undefined ? {} : { eta: etaView(v.eta) }),
  }
}

const isoRange = (r: [number, number] | null): [string, string] | null => r && [iso(r[0]), iso(r[1])]

/** A CONTINUE verdict's forecast (core/gates/eta). */
export function etaView(e: StageEta | null): EtaView | null {
  if (e === null) return null
  return {
    decide_at: e.decideAt === null ? null : iso(e.decideAt),
    range: isoRange(e.range),
    gates: e.gates.map((g) => ({
      metric: g.metric,
      expect: g.expect,
      at: g.at === null ? null : iso(g.at),
      range: isoRange(g.range),
    })),
  }
}

/** What a re-plan from the shadow step replaced, or null (docs/statistics.md §2.7). */
function replannedView(r: AutoReplanned | null | undefined) {
  if (!r) return null
  return { at: iso(r.at), from: r.from, traffic_per_s: r.trafficPerS, stages: r.stages }
}

/** A plan step's minimum length and whether `durations: "auto"` planned it. */
function plannedView(
  c: RolloutConfig,
  step: Step,
): { planned_min_ms: number | null; planned_by: 'auto' | 'fixed' | null } {
  // A switch, and a canary to 100 %, end as soon as their routing is live: no minimum applies.
  if (step.kind === 'switch' || (step.kind === 'canary' && step.weight >= 100))
    return { planned_min_ms: null, planned_by: null }
  if (step.kind === 'watch') return { planned_min_ms: step.durationMs, planned_by: 'fixed' }
  const auto = step.kind === 'canary' && c.durations.auto?.stages.some((p) => p.weight === step.weight) === true
  const gate = gateConfigForStep(c, step)
  return { planned_min_ms: gate?.minDurationMs ?? step.minDurationMs, planned_by: auto ? 'auto' : 'fixed' }
}

/** A verdict row of the D1 history. */
export function verdictRowView(r: VerdictRecord): VerdictRow {
  return {
    id: r.id,
    rollout_id: r.rolloutId,
    model: r.model,
    decision: r.decision as VerdictRow['decision'],
    reason: r.reason,
    decisive: r.decisive,
    at: r.at,
    step_index: r.stepIndex,
    step_epoch: r.stepEpoch ?? null,
    elapsed_ms: null,
    metrics: (r.metrics as MetricVerdict[]).map(metricVerdictView),
    srm: srmView(r.srm as GateVerdict['srm'] | null),
  }
}

function gateView(g: GateConfig): GateView {
  return {
    business: g.business.map((b) => ({
      metric: b.metric,
      kind: b.kind,
      direction: b.direction,
      margin: b.margin,
      fail_margin: orNull(b.failMargin),
    })),
    error_rate: g.errorRate && {
      margin: g.errorRate.margin,
      fail_margin: orNull(g.errorRate.failMargin),
      floor: g.errorRate.floor ?? 0,
    },
    latency: g.latency && {
      threshold_ms: g.latency.thresholdMs,
      margin: g.latency.margin,
      fail_margin: orNull(g.latency.failMargin),
    },
    divergence: g.divergence && { max_rate: g.divergence.maxRate },
    alpha_pass: g.alphaPass,
    alpha_fail: g.alphaFail,
    srm_alpha: g.srmAlpha,
    min_sample_per_arm: g.minSamplePerArm,
    min_duration_ms: g.minDurationMs,
    max_duration_ms: g.maxDurationMs,
    max_conflict_rate: conflictLimits(g).maxRate,
    min_conflicts: conflictLimits(g).minConflicts,
  }
}

function configView(c: RolloutConfig): RolloutView['config'] {
  const gates: RolloutView['config']['gates'] = {}
  for (const [kind, g] of Object.entries(c.gates) as Array<[keyof typeof gates, GateConfig]>) gates[kind] = gateView(g)
  return {
    strategies: c.strategies,
    stages: c.stages,
    durations: {
      stage_min_ms: c.durations.stageMinMs,
      shadow_min_ms: c.durations.shadowMinMs,
      watch_ms: c.durations.watchMs,
      auto: c.durations.auto
        ? {
            power: c.durations.auto.power,
            traffic_per_s: c.durations.auto.trafficPerS,
            measured: c.durations.auto.measured.map((m) => ({
              metric: m.metric,
              mean: m.mean,
              sd: m.sd,
              margin: m.margin,
              maturation_ms: m.maturationMs ?? null,
              outcomes_per_s: m.outcomesPerS ?? null,
            })),
            stages: c.durations.auto.stages,
            replanned: replannedView(c.durations.auto.replanned),
          }
        : null,
    },
    shadow: { sample_rate: c.shadow.sampleRate, min_samples: c.shadow.minSamples },
    gates,
    cohort: c.cohort,
    approval: {
      require_final_approval_for_risk: c.approval.requireFinalApprovalForRisk,
      recent_rollback_window_ms: c.approval.recentRollbackWindowMs,
      max_stage_jump: c.approval.maxStageJump,
      approval_ttl_ms: c.approval.approvalTtlMs,
    },
  }
}

function rollbackView(rb: RolloutState['rollback']): RolloutView['rollback'] {
  if (rb === null) return null
  const c = rb.confirmation
  return {
    at: iso(rb.at),
    actor: rb.actor,
    trigger: rb.trigger,
    target: rb.target,
    version: rb.version,
    from_step: rb.fromStep,
    reason: rb.reason,
    confirmation: c && {
      at: iso(c.at),
      ok: c.ok,
      state: confirmationState(c) as 'confirmed' | 'checking_again' | 'not_confirmed',
      time_to_confirm_ms: c.timeToConfirmMs,
      details: (c.details as Record<string, unknown> | null) ?? null,
    },
  }
}

/** The admin view of a rollout; `evidenceHash` is the digest an approver signs (pending approvals). */
export function rolloutView(s: StoredRollout, evidenceHash: string): RolloutView {
  const r = s.state
  const step = r.stepIndex >= 0 ? (r.plan[r.stepIndex] ?? null) : null
  const pending = r.pendingApproval
  return {
    id: r.id,
    model: r.config.model,
    champion: r.config.champion,
    challenger: r.config.challenger,
    strategies: r.config.strategies,
    phase: r.phase,
    phase_description: PHASE_DESCRIPTIONS[r.phase],
    terminal: isTerminal(r.phase),
    step: step && {
      index: r.stepIndex,
      kind: step.kind,
      label: stepLabel(step),
      started_at: iso(r.stepStartedAt),
      epoch: r.stepEpoch,
    },
    plan: r.plan.map((p, i) => ({ index: i, kind: p.kind, label: stepLabel(p), ...plannedView(r.config, p) })),
    evaluation: { ...r.evaluation, at: r.evaluation.at === null ? null : iso(r.evaluation.at) },
    pending_approval: pending && {
      for_step: pending.forStep,
      reason: pending.reason,
      rules: pending.rules,
      requested_at: iso(pending.requestedAt),
      expires_at: iso(pending.expiresAt),
      evidence_hash: evidenceHash,
    },
    approvals: r.approvals.map((a) => ({
      approver: a.approver,
      at: iso(a.at),
      for_step: a.forStep,
      evidence_hash: a.evidenceHash,
      reason: a.reason,
      rules: a.rules,
      comment: a.comment,
    })),
    allowed_actions: allowedOperatorActions(r),
    verdicts: r.verdicts.map(verdictView),
    events: r.events.map((e) => ({
      at: iso(e.at),
      type: e.type,
      actor: e.actor,
      reason: e.reason,
      details: e.details === undefined ? null : (snakeKeys(e.details) as Record<string, unknown>),
    })),
    rollback: rollbackView(r.rollback),
    outcome: r.outcome,
    incident_id: s.meta.incidentId,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
    ended_at: r.endedAt === null ? null : iso(r.endedAt),
    config: configView(r.config),
  }
}

/** A rollout row of D1, for the lists. */
export function rolloutSummary(r: RolloutRecord): RolloutSummary {
  return {
    id: r.id,
    model: r.model,
    champion: r.champion,
    challenger: r.challenger,
    strategies: r.strategies as string[],
    phase: r.phase,
    step_index: r.stepIndex,
    outcome: r.outcome ?? null,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    ended_at: r.endedAt ?? null,
    last_verdict: storedVerdictOf(r.lastVerdict),
  }
}
