/**
 * @module schemas/views
 * Response shapes of the admin API.
 */
import { z } from 'zod'
import { Epoch, IsoTime, ModelName } from './common'
import { ModelConfig, VersionView } from './model'
import { RoutingTable } from './routing'

export const BucketRange = z.object({ version: z.string(), from: z.number().int(), to: z.number().int() })

export const ModelView = z
  .object({
    model: ModelConfig,
    versions: z.array(VersionView),
    champion: z.string().nullable(),
    previous_champion: z.string().nullable(),
    routing: RoutingTable.nullable(),
    epoch: Epoch,
    published_epoch: z.number().int().meta({
      description: 'Newest epoch confirmed written to KV by this coordinator instance (-1 if unknown since restart)',
    }),
    bucket_ranges: z
      .array(BucketRange)
      .meta({ description: 'Weight bucket ranges in [0, 10000), in evaluation order' }),
    active_rollout: z.object({ id: z.string(), phase: z.string() }).nullable(),
  })
  .meta({ id: 'ModelView' })
export type ModelView = z.infer<typeof ModelView>

export const PublishedRouting = RoutingTable.extend({ epoch: Epoch, published_at: IsoTime }).meta({
  id: 'PublishedRouting',
})

export const ModelSummary = z
  .object({
    name: ModelName,
    risk: z.string(),
    champion: z.string().nullable(),
    epoch: Epoch,
    metric_shards: z.number().int(),
    updated_at: IsoTime,
  })
  .meta({ id: 'ModelSummary' })

export const ModelListItem = ModelSummary.extend({
  weights: z
    .record(z.string(), z.number())
    .meta({ description: 'Weights at the current epoch', example: { v1: 90, v2: 10 } }),
  active_rollout: z
    .object({
      id: z.string(),
      challenger: z.string(),
      phase: z.string(),
      step_index: z.number().int(),
      last_verdict: z.object({ decision: z.string(), reason: z.string(), at: IsoTime }).nullable(),
    })
    .nullable(),
}).meta({ id: 'ModelListItem' })

export const ModelList = z.object({ models: z.array(ModelListItem) }).meta({
  id: 'ModelList',
  description:
    "From D1, which each model's coordinator updates right after every change (a change can take a moment to show)",
})

export const AuditEntryView = z
  .object({
    id: z.string(),
    stream: z.string(),
    seq: z.number().int(),
    at: IsoTime,
    actor: z.string(),
    action: z.string(),
    target: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    reason: z.string(),
    prev_hash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' })

export const AuditList = z
  .object({ entries: z.array(AuditEntryView), next_cursor: z.string().nullable() })
  .meta({ id: 'AuditList' })

const nullableNumber = z.number().nullable()

/** What a rollback cost: computed over the rollout, from its start epoch to the rollback. */
export const IncidentImpact = z
  .object({
    challenger_requests: z.number().int(),
    challenger_errors: z.number().int(),
    challenger_error_rate: nullableNumber,
    champion_error_rate: nullableNumber,
    error_rate_delta: nullableNumber.meta({ description: 'challenger − champion' }),
    challenger_p99_ms: nullableNumber,
    champion_p99_ms: nullableNumber,
    metric_deltas: z
      .record(
        z.string(),
        z.object({ champion: nullableNumber, challenger: nullableNumber, delta: nullableNumber, decision: z.string() }),
      )
      .meta({ description: 'Per business metric, from the last verdict before the rollback' }),
  })
  .meta({ id: 'IncidentImpact' })

/** The automatic check after a rollback (null until the controller has judged it). */
export const RollbackConfirmation = z
  .object({
    ok: z.boolean(),
    at: IsoTime,
    epoch: Epoch,
    stable_version: z.string(),
    requests_since_rollback: z.number().int(),
    challenger_requests_since_rollback: z.number().int(),
    error_rate: nullableNumber,
    baseline_error_rate: z.number(),
    p99_ms: nullableNumber,
    baseline_p99_ms: nullableNumber,
    // Optional: confirmations recorded before the check compared a sample-sized quantile lack them.
    latency_quantile: z.number().optional().meta({
      description:
        'The quantile the latency check compared: 0.99 from 1,000 answers on both sides, 0.95 from 100, else 0.5',
    }),
    latency_ms: nullableNumber.optional(),
    baseline_latency_ms: nullableNumber.optional(),
    time_to_confirm_ms: z.number().int(),
    reason: z.string().optional().meta({
      description:
        'Why it was not confirmed (timed out, challenger still served, error rate or latency above baseline)',
    }),
  })
  .meta({ id: 'RollbackConfirmation' })

export const Retrospective = z
  .object({
    root_cause: z.string(),
    action_items: z.array(
      z.object({ text: z.string(), owner: z.string().nullable(), status: z.enum(['open', 'closed']) }),
    ),
    recorded_by: z.string(),
    recorded_at: IsoTime,
  })
  .meta({ id: 'Retrospective' })

export const IncidentView = z
  .object({
    id: z.string(),
    model: ModelName,
    rolloutId: z.string().nullable(),
    at: IsoTime,
    trigger: z.enum(['gate_fail', 'operator_rollback', 'abort']),
    actor: z.string(),
    summary: z.string(),
    impact: IncidentImpact.nullable(),
    confirmation: RollbackConfirmation.nullable(),
    retrospective: Retrospective.nullable(),
    openActionItems: z.number().int().meta({ description: 'Open items block the next rollout of the model' }),
    updatedAt: IsoTime,
  })
  .meta({ id: 'Incident' })
export type IncidentView = z.infer<typeof IncidentView>

export const IncidentList = z.object({ incidents: z.array(IncidentView) }).meta({ id: 'IncidentList' })

export const WebhookList = z
  .object({ webhooks: z.array(z.record(z.string(), z.unknown())) })
  .meta({ id: 'WebhookList' })

export const DeliveryList = z
  .object({ deliveries: z.array(z.record(z.string(), z.unknown())) })
  .meta({ id: 'DeliveryList' })
