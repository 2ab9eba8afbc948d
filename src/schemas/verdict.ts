/**
 * @module schemas/verdict
 * A gate verdict as the API shows it: in a rollout's view and in its verdict history (D1), the
 * same shape (the history adds where the row belongs). Numbers are the gates' own; see
 * docs/statistics.md for what each test computes.
 */
import { z } from 'zod'
import { IsoTime } from './common'

const ArmEstimate = z.object({
  n: z.number(),
  estimate: z.number().nullable(),
  conflicts: z.number().int().optional().meta({
    description: "Business metrics: the arm's requests whose outcome a later report contradicted (first value kept)",
  }),
  conflict_rate: z.number().nullable().optional().meta({
    description: 'Business metrics: conflicts / outcomes accepted for the step (null: none accepted yet)',
  }),
})

export const MetricVerdictView = z
  .object({
    metric: z.string(),
    test: z.enum(['ni_proportion', 'ni_mean', 'event_split', 'tail_exceedance', 'divergence_rate']),
    champion: ArmEstimate,
    challenger: ArmEstimate,
    contrast: z.number().nullable().meta({ description: 'The test statistic: the estimated difference it bounds' }),
    boundary: z.number().nullable().meta({ description: 'The always-valid boundary the contrast is compared with' }),
    p_value: z.number().nullable().meta({ description: 'Always-valid p-value at this look' }),
    margin: z.number(),
    alpha: z.number(),
    decision: z.enum(['pass', 'fail', 'continue', 'insufficient_data']),
    reason: z.string(),
  })
  .meta({ id: 'MetricVerdict' })
export type MetricVerdictView = z.infer<typeof MetricVerdictView>

export const SrmView = z
  .object({
    alarm: z.boolean(),
    p_value: z.number(),
    observed_share: z.number().nullable(),
    expected_share: z.number(),
    reason: z.string(),
  })
  .meta({ id: 'SampleRatioCheck', description: 'Sequential sample-ratio-mismatch test of the split' })
export type SrmView = z.infer<typeof SrmView>

const TimeRange = z.tuple([IsoTime, IsoTime])

export const EtaView = z
  .object({
    decide_at: IsoTime.nullable().meta({
      description: 'When the stage is expected to PASS or FAIL at the current rates (null: not before its cap)',
    }),
    range: TimeRange.nullable().meta({ description: "The same with the challenger's estimates ±1 standard error" }),
    gates: z.array(
      z.object({
        metric: z.string(),
        expect: z.enum(['pass', 'fail', 'unknown']),
        at: IsoTime.nullable(),
        range: TimeRange.nullable(),
      }),
    ),
  })
  .meta({ id: 'VerdictEta', description: 'A forecast (docs/statistics.md §2.8); it never changes a decision' })
export type EtaView = z.infer<typeof EtaView>

export const VerdictView = z
  .object({
    decision: z.enum(['PASS', 'FAIL', 'CONTINUE', 'INCONCLUSIVE', 'HALT']),
    reason: z.string(),
    decisive: z.boolean().meta({ description: 'Whether this verdict changed the rollout' }),
    at: IsoTime,
    step_index: z.number().int(),
    step_epoch: z.number().int().nullable(),
    elapsed_ms: z.number().nullable().meta({ description: 'Time in the stage when judged (null in the history)' }),
    metrics: z.array(MetricVerdictView),
    srm: SrmView.nullable(),
    eta: EtaView.nullable().optional().meta({ description: 'CONTINUE verdicts: when the stage is expected to decide' }),
  })
  .meta({ id: 'Verdict' })
export type VerdictView = z.infer<typeof VerdictView>

export const VerdictRow = VerdictView.extend({ id: z.string(), rollout_id: z.string(), model: z.string() }).meta({
  id: 'VerdictRow',
})
export type VerdictRow = z.infer<typeof VerdictRow>

export const VerdictList = z
  .object({ verdicts: z.array(VerdictRow).meta({ description: 'The newest `limit`, oldest first' }) })
  .meta({ id: 'VerdictList' })
export type VerdictList = z.infer<typeof VerdictList>
