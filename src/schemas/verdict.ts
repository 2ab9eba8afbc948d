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
