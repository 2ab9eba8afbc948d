/**
 * @module schemas/metrics
 * The numbers behind the dashboard and the CLI: per-arm series from the D1 history, and the stored
 * shadow pairs.
 */
import { z } from 'zod'
import type { Series } from '../core/metrics/series'
import { IsoTime } from './common'
import type { Assert, Conforms } from './conforms'

const Ttfb = (q: string) =>
  z
    .number()
    .nullable()
    .meta({ description: `${q} of the time to first byte (upstream call to response head), ms` })
const Duration = (q: string) =>
  z
    .number()
    .nullable()
    .meta({
      description: `${q} of the total duration (upstream call to the body's last byte, or its error or stall), ms; null where none was recorded (e.g. rows from before durations)`,
    })

export const SeriesPoint = z.object({
  t: z.string(),
  requests: z.number(),
  exposures: z.number(),
  errors: z.number().meta({
    description:
      'Failed exposures: 5xx, timeouts, connect errors, bodies that broke off or stalled, failed attempts that fell back',
  }),
  error_rate: z.number().nullable(),
  p50_ms: Ttfb('Median'),
  p95_ms: Ttfb('95th percentile'),
  p99_ms: Ttfb('99th percentile'),
  duration_p50_ms: Duration('Median'),
  duration_p95_ms: Duration('95th percentile'),
  duration_p99_ms: Duration('99th percentile'),
  shadow_pairs: z.number(),
  shadow_skipped: z.number().meta({
    description:
      'Shadow arm: copies skipped (in-flight cap reached, oversized inputs, inputs slower than the shadow timeout); 0 for other arms',
  }),
  divergence_rate: z.number().nullable(),
  business: z.record(
    z.string(),
    z.object({
      n: z.number(),
      mean: z.number().nullable(),
      ci95: z.tuple([z.number(), z.number()]).nullable(),
      missing: z.number().optional().meta({
        description: 'Response metrics: answers without a usable value (absent, not a number, body too large)',
      }),
    }),
  ),
})
export const MetricsResponse = z
  .object({
    model: z.string(),
    from: z.string(),
    to: z.string(),
    step_s: z.number(),
    series: z.array(z.object({ version: z.string(), arm: z.string(), points: z.array(SeriesPoint) })),
    measurements_dropped: z.object({ records: z.number().int(), batches: z.number().int() }).meta({
      description:
        "The model's measurements lost before reaching a metrics shard (batches dropped after every retry), since its shards began: not limited to [from, to], and read from the shards, not the history. An isolate reports its losses in its next batch that lands, so losses of an isolate that ended before another batch landed are not counted",
    }),
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
