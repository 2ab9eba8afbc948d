/**
 * @module schemas/rollout
 * Public shapes of the rollout API. Durations are seconds here (milliseconds inside), so a demo
 * can run a whole plan in minutes by passing small numbers.
 */
import { z } from 'zod'
import { STRATEGIES } from '../core/rollout/types'
import { Percent, VersionName } from './common'
import { RuleCondition } from './routing'
import { EvaluationReport } from './evaluation'
import { WEBHOOK_FORMATS } from '../core/alerts/format'
import { ALERT_KINDS } from '../core/rollout/io'

const Seconds = z
  .number()
  .positive()
  .max(90 * 86_400)
const Margin = z.number().min(0).max(1)

export const GateOverrides = z
  .strictObject({
    business: z
      .array(z.strictObject({ metric: z.string(), margin: Margin.optional(), fail_margin: Margin.optional() }))
      .optional()
      .meta({ description: 'Per business metric of the model: margin overrides (default 2% relative)' }),
    error_rate: z
      .strictObject({
        margin: Margin,
        fail_margin: Margin.optional(),
        floor: Margin.optional().meta({
          description: 'Absolute rate under which the error gate passes (default 0.1%)',
        }),
      })
      .nullable()
      .optional(),
    latency: z
      .strictObject({
        threshold_ms: z.number().positive().optional(),
        margin: z.number().min(0).max(10),
        fail_margin: z.number().min(0).max(10).optional(),
      })
      .nullable()
      .optional(),
    divergence: z.strictObject({ max_rate: Margin }).nullable().optional(),
    alpha_pass: z.number().gt(0).lt(0.5).optional(),
    alpha_fail: z.number().gt(0).lt(0.5).optional(),
    srm_alpha: z.number().gt(0).lt(0.5).optional(),
    min_sample: z.number().int().min(1).optional().meta({ description: 'Minimum exposures per arm before a PASS' }),
    max_conflict_rate: Margin.optional().meta({
      description: "HALT when an arm's share of contradicted business outcomes exceeds it (default 1%)",
    }),
    min_conflicts: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'Contradicted outcomes an arm needs before that HALT (default 20)' }),
    max_duration_s: Seconds.optional().meta({ description: 'Stage cap: reaching it undecided gives INCONCLUSIVE' }),
  })
  .meta({ id: 'GateOverrides' })
export type GateOverrides = z.infer<typeof GateOverrides>

export const StartRolloutInput = z
  .strictObject({
    challenger: VersionName,
    strategy: z.union([z.enum(STRATEGIES), z.array(z.enum(STRATEGIES)).min(1).max(4)]).meta({
      description: 'One strategy or a composite plan run in order, e.g. ["shadow", "canary"]',
    }),
    stages: z
      .array(Percent)
      .min(1)
      .max(20)
      .optional()
      .meta({ description: 'Canary weights, default [5, 25, 50, 100]' }),
    durations: z
      .union([
        z.strictObject({
          stage_min_s: Seconds.optional(),
          shadow_min_s: Seconds.optional(),
          watch_s: Seconds.optional(),
        }),
        z.literal('auto'),
      ])
      .optional()
      .meta({
        description:
          'Defaults: 24 h per stage, 48 h shadow, 72 h watch. "auto": each canary stage as long as a challenger ' +
          "at half the margin needs to PASS with `power`, from the model's measured traffic (capped by the stage cap)",
      }),
    power: z.number().gt(0.5).lt(1).optional().meta({
      description: 'With durations "auto": the chance to PASS a challenger at half the margin (default 0.8)',
    }),
    shadow: z
      .strictObject({
        sample_rate: z.number().gt(0).max(1).optional(),
        min_samples: z.number().int().min(1).optional(),
      })
      .optional(),
    cohort: z
      .strictObject({
        when: RuleCondition,
        percents: z.array(Percent).min(1).max(20).optional(),
        promote: z.boolean().optional(),
      })
      .optional()
      .meta({ description: 'Feature-flag cohort: who gets the challenger, and the widening percents' }),
    gates: z
      .strictObject({
        shadow: GateOverrides.optional(),
        canary: GateOverrides.optional(),
        watch: GateOverrides.optional(),
      })
      .optional()
      .meta({ description: "Overrides of the model's default gates per stage kind (cohort stages use canary gates)" }),
    approval: z
      .strictObject({
        require_final_approval_for_risk: z.enum(['low', 'medium', 'high']).optional(),
        recent_rollback_window_s: Seconds.optional(),
        max_stage_jump: z.number().min(1).max(100).optional(),
        approval_ttl_s: Seconds.optional(),
      })
      .optional(),
    waive_evaluation: z
      .boolean()
      .default(false)
      .meta({ description: 'Skip the offline evaluation gate (low-risk models only; recorded)' }),
    evaluation: EvaluationReport.optional().meta({ description: 'Submit the offline report with the start request' }),
    reason: z.string().max(500).optional(),
  })
  .refine((r) => r.power === undefined || r.durations === 'auto', {
    message: 'power plans stage lengths: it needs durations "auto"',
    path: ['power'],
  })
  .meta({ id: 'StartRolloutInput' })
export type StartRolloutInput = z.infer<typeof StartRolloutInput>

export const OperatorActionInput = z
  .strictObject({ reason: z.string().max(500).optional() })
  .meta({ id: 'OperatorActionInput' })

export const ApproveInput = z
  .strictObject({
    evidence_hash: z.string().regex(/^[0-9a-f]{64}$/, 'the evidence_hash shown by GET /admin/rollouts/{id}'),
    step: z.number().int().min(0).optional(),
    comment: z.string().max(1000).optional(),
  })
  .meta({ id: 'ApproveInput' })

export const RetrospectiveInput = z
  .strictObject({
    root_cause: z.string().min(1).max(5000),
    action_items: z
      .array(
        z.strictObject({
          text: z.string().min(1).max(1000),
          owner: z.string().max(200).optional(),
          done: z.boolean().default(false),
        }),
      )
      .max(50)
      .default([]),
  })
  .meta({ id: 'RetrospectiveInput' })
export type RetrospectiveInput = z.infer<typeof RetrospectiveInput>

export const Webhook = z
  .strictObject({
    url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'http(s) URL'),
    format: z.enum(WEBHOOK_FORMATS).default('json'),
    events: z
      .array(z.enum(ALERT_KINDS))
      .min(1)
      .default([...ALERT_KINDS]),
    routing_key: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'PagerDuty integration key (required for the pagerduty format)' }),
  })
  .refine((w) => w.format !== 'pagerduty' || w.routing_key !== undefined, {
    message: 'a pagerduty webhook needs its routing_key',
    path: ['routing_key'],
  })
  .meta({ id: 'Webhook' })
export const WebhooksInput = z.strictObject({ webhooks: z.array(Webhook).max(20) }).meta({ id: 'WebhooksInput' })
export type WebhookInput = z.infer<typeof Webhook>
