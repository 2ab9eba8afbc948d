/**
 * @module schemas/rollout-view
 * A rollout as the API shows it (GET /admin/rollouts/{id} and every rollout action), and a row of
 * the rollout lists. snake_case, times as RFC 3339 text, durations in milliseconds.
 */
import { z } from 'zod'
import { EVENT_TYPES, OUTCOMES, PHASES, STRATEGIES } from '../core/rollout/types'
import { IsoTime, RiskTier } from './common'
import { RuleCondition } from './routing'
import { VerdictView } from './verdict'

const ApprovalRule = z.enum(['final_step_risk', 'recent_rollback', 'stage_jump', 'weak_gates'])

export const RolloutEventView = z
  .object({
    at: IsoTime,
    type: z.enum(EVENT_TYPES),
    actor: z.string(),
    reason: z.string(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'RolloutEvent' })

export const PendingApprovalView = z
  .object({
    for_step: z.number().int(),
    reason: z.string(),
    rules: z.array(ApprovalRule),
    requested_at: IsoTime,
    expires_at: IsoTime,
    evidence_hash: z.string().meta({ description: 'Pass it to POST /admin/rollouts/{id}/approve' }),
  })
  .meta({ id: 'PendingApproval' })

export const ApprovalView = z
  .object({
    approver: z.string(),
    at: IsoTime,
    for_step: z.number().int(),
    evidence_hash: z.string(),
    reason: z.string(),
    rules: z.array(ApprovalRule),
    comment: z.string().nullable(),
  })
  .meta({ id: 'Approval' })

export const EvaluationStatusView = z
  .object({
    status: z.enum(['missing', 'passed', 'failed', 'waived']),
    report: z.unknown().meta({ description: 'The offline report as submitted, with the checks made of it' }),
    reason: z.string(),
    at: IsoTime.nullable(),
  })
  .meta({ id: 'EvaluationStatus' })

export const RollbackView = z
  .object({
    at: IsoTime,
    actor: z.string(),
    trigger: z.enum(['gate_fail', 'operator_rollback', 'abort']),
    target: z.enum(['champion', 'previous_champion']),
    version: z.string().meta({ description: 'The stable version that carries the traffic afterwards' }),
    from_step: z.number().int(),
    reason: z.string(),
    confirmation: z
      .object({
        at: IsoTime,
        ok: z.boolean(),
        state: z.enum(['confirmed', 'checking_again', 'not_confirmed']).meta({
          description: 'checking_again: not confirmed yet, checked again every tick until the give-up time',
        }),
        time_to_confirm_ms: z.number(),
        details: z.record(z.string(), z.unknown()).nullable(),
      })
      .nullable(),
  })
  .meta({ id: 'RolloutRollback' })

/** A non-inferiority margin and the FAIL margin (at most the margin; null: the margin itself). */
const Margins = { margin: z.number(), fail_margin: z.number().nullable() }

const GateView = z
  .object({
    business: z.array(
      z.object({
        metric: z.string(),
        kind: z.enum(['proportion', 'mean']),
        direction: z.enum(['higher_is_better', 'lower_is_better']),
        ...Margins,
      }),
    ),
    error_rate: z.object({ ...Margins, floor: z.number() }).nullable(),
    latency: z.object({ threshold_ms: z.number(), ...Margins }).nullable(),
    divergence: z.object({ max_rate: z.number() }).nullable(),
    alpha_pass: z.number(),
    alpha_fail: z.number(),
    srm_alpha: z.number(),
    min_sample_per_arm: z.number(),
    min_duration_ms: z.number(),
    max_duration_ms: z.number(),
    max_conflict_rate: z.number(),
    min_conflicts: z.number(),
  })
  .meta({ id: 'StageGates' })
export type GateView = z.infer<typeof GateView>

export const RolloutConfigView = z
  .object({
    strategies: z.array(z.enum(STRATEGIES)),
    stages: z.array(z.number()),
    durations: z.object({
      stage_min_ms: z.number(),
      shadow_min_ms: z.number(),
      watch_ms: z.number(),
      auto: z
        .object({
          power: z.number(),
          traffic_per_s: z.number(),
          measured: z.array(
            z.object({
              metric: z.string(),
              mean: z.number(),
              sd: z.number(),
              margin: z.number(),
              maturation_ms: z.number().nullable().meta({
                description:
                  "added to the metric's planned length: its attribution window plus the fold minute (the look only sees matured outcomes); null in plans made before it",
              }),
              outcomes_per_s: z.number().nullable().meta({
                description:
                  'mean metrics: the outcomes per second the plan used in place of the traffic (information comes per outcome); null otherwise',
              }),
            }),
          ),
          stages: z.array(z.object({ weight: z.number(), ms: z.number(), capped: z.boolean() })),
          replanned: z
            .object({
              at: z.string(),
              from: z.enum(['shadow']),
              traffic_per_s: z.number(),
              stages: z.array(z.object({ weight: z.number(), ms: z.number() })),
            })
            .nullable()
            .optional()
            .meta({
              description:
                'set when the canary stages were re-planned from the shadow step: when, and the traffic and stages planned at the start that the fields above replaced',
            }),
        })
        .nullable()
        .meta({
          description:
            'durations "auto": canary stages planned by power from the traffic measured before the start (or, after a shadow step, during it)',
        }),
    }),
    shadow: z.object({ sample_rate: z.number(), min_samples: z.number() }),
    gates: z.object({
      shadow: GateView.optional(),
      canary: GateView.optional(),
      cohort: GateView.optional(),
      watch: GateView.optional(),
    }),
    cohort: z.object({ when: RuleCondition, percents: z.array(z.number()), promote: z.boolean() }).nullable(),
    approval: z.object({
      require_final_approval_for_risk: RiskTier,
      recent_rollback_window_ms: z.number(),
      max_stage_jump: z.number(),
      approval_ttl_ms: z.number(),
    }),
  })
  .meta({ id: 'RolloutConfig', description: 'The resolved plan and gates the rollout runs with' })

const StepView = z.object({ index: z.number().int(), kind: z.string(), label: z.string() })

const PlanStepView = StepView.extend({
  planned_min_ms: z.number().nullable().optional().meta({
    description:
      'Minimum length of the step (a watch: its length); null for a switch or a canary to 100%, which end when live',
  }),
  planned_by: z
    .enum(['auto', 'fixed'])
    .nullable()
    .optional()
    .meta({ description: 'auto: planned by power (durations "auto"); fixed: from the durations given or defaulted' }),
})

/** Fields a rollout and its list row share: who rolls out what, and when. */
const RolloutNames = { id: z.string(), model: z.string(), champion: z.string(), challenger: z.string() }
const RolloutTimes = { created_at: IsoTime, updated_at: IsoTime, ended_at: IsoTime.nullable() }

export const RolloutView = z
  .object({
    ...RolloutNames,
    strategies: z.array(z.enum(STRATEGIES)),
    phase: z.enum(PHASES),
    phase_description: z.string(),
    terminal: z.boolean(),
    step: StepView.extend({ started_at: IsoTime, epoch: z.number().int().nullable() }).nullable(),
    plan: z.array(PlanStepView),
    evaluation: EvaluationStatusView,
    pending_approval: PendingApprovalView.nullable(),
    approvals: z.array(ApprovalView),
    allowed_actions: z.array(z.string()),
    verdicts: z.array(VerdictView).meta({ description: 'Recent verdicts with per-metric numbers, oldest first' }),
    events: z.array(RolloutEventView),
    rollback: RollbackView.nullable(),
    outcome: z.enum(OUTCOMES).nullable(),
    incident_id: z.string().nullable(),
    ...RolloutTimes,
    config: RolloutConfigView,
  })
  .meta({ id: 'Rollout' })
export type RolloutView = z.infer<typeof RolloutView>

/** A rollout in a list (GET /admin/rollouts, /admin/models/{model}/rollouts), from D1. */
export const RolloutSummary = z
  .object({
    ...RolloutNames,
    strategies: z.array(z.string()),
    phase: z.string(),
    step_index: z.number().int(),
    outcome: z.string().nullable(),
    ...RolloutTimes,
    last_verdict: z.object({ decision: z.string(), reason: z.string(), at: IsoTime }).nullable(),
  })
  .meta({ id: 'RolloutSummary' })
export type RolloutSummary = z.infer<typeof RolloutSummary>

export const RolloutList = z.object({ rollouts: z.array(RolloutSummary) }).meta({ id: 'RolloutList' })
