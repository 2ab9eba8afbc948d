/**
 * @module schemas/incident
 * A rollback incident: what triggered it, what it cost, whether the rollback was confirmed, and the
 * retrospective whose open action items block the model's next rollout.
 */
import { z } from 'zod'
import { Epoch, IsoTime, ModelName } from './common'

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
    rollout_id: z.string().nullable(),
    at: IsoTime,
    trigger: z.enum(['gate_fail', 'operator_rollback', 'abort']),
    actor: z.string(),
    summary: z.string(),
    impact: IncidentImpact.nullable(),
    confirmation: RollbackConfirmation.nullable(),
    retrospective: Retrospective.nullable(),
    open_action_items: z.number().int().meta({ description: 'Open items block the next rollout of the model' }),
    updated_at: IsoTime,
  })
  .meta({ id: 'Incident' })
export type IncidentView = z.infer<typeof IncidentView>

export const IncidentList = z.object({ incidents: z.array(IncidentView) }).meta({ id: 'IncidentList' })
