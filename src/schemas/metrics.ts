/**
 * @module schemas/metrics
 * The numbers behind the dashboard and the CLI: per-arm series from the D1 history, and the stored
 * shadow pairs.
 */
import { z } from 'zod'
import type { Series } from '../core/metrics/series'
import { IsoTime } from './common'
import type { Assert, Conforms } from './conforms'

export const SeriesPoint = z.object({
  t: z.string(),
  requests: z.number(),
  exposures: z.number(),
  errors: z.number(),
  error_rate: z.number().nullable(),
  p50_ms: z.number().nullable(),
  p95_ms: z.number().nullable(),
  p99_ms: z.number().nullable(),
  shadow_pairs: z.number(),
  divergence_rate: z.number().nullable(),
  business: z.record(
    z.string(),
    z.object({ n: z.number(), mean: z.number().nullable(), ci95: z.tuple([z.number(), z.number()]).nullable() }),
  ),
})
export const MetricsResponse = z
  .object({
    model: z.string(),
    from: z.string(),
    to: z.string(),
    step_s: z.number(),
    series: z.array(z.object({ version: z.string(), arm: z.string(), points: z.array(SeriesPoint) })),
  })
  .meta({ id: 'MetricsSeries' })
export type MetricsResponse = z.infer<typeof MetricsResponse>
export type MetricsSeries = MetricsResponse['series'][number]
export type MetricsPoint = MetricsSeries['points'][number]
type _Series = Assert<Conforms<typeof MetricsResponse.shape.series.element, Series>>

export const ShadowSampleView = z
  .object({
    id: z.number().int(),
    at: IsoTime,
    request_hash: z.string().meta({ description: 'A hash of the request id, not the id itself' }),
    version: z.string(),
    verdict: z.string(),
    champion_output: z.unknown(),
    shadow_output: z.unknown(),
  })
  .meta({ id: 'ShadowSample' })
export type ShadowSampleView = z.infer<typeof ShadowSampleView>

export const ShadowSampleList = z.object({ samples: z.array(ShadowSampleView) }).meta({ id: 'ShadowSamples' })
