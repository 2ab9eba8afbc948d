/**
 * @module http/routes/admin/metrics
 * Reading the numbers: per-arm series from D1 history, the Prometheus exposition of the shards'
 * monotonic totals, and the stored shadow pair samples.
 */
import { z } from 'zod'
import { DomainError } from '../../../core/errors'
import { minuteOf } from '../../../core/metrics/aggregate'
import { renderPrometheus } from '../../../core/metrics/prometheus'
import { MetricsResponse, ShadowSampleList } from '../../../schemas/metrics'
import { ModelPath, ROLES, adminRoute, jsonResponse, newRouter, problems } from '../../openapi'

const MAX_POINTS = 1_500

/** The last millisecond of year 9999: later (or negative) times cannot be written as RFC 3339. */
const MAX_TIME_MS = 253_402_300_799_999

/** Accepts RFC 3339 times, unix milliseconds, or a relative "-90m" / "-6h" / "-2d". */
export function parseTime(v: string | undefined, fallback: number, now: number, field = 'query'): number {
  if (v === undefined || v === '') return fallback
  const bad = (message: string) =>
    new DomainError('validation_failed', `not a usable time: ${v}`, { fields: [{ field, message }] })
  const rel = /^-(\d+)([smhd])$/.exec(v)
  let t: number
  if (rel)
    t = now - Number(rel[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd']
  else if (/^\d{10,15}$/.test(v)) t = Number(v)
  else {
    t = Date.parse(v)
    if (Number.isNaN(t)) throw bad('use RFC 3339, unix ms or a relative time like -1h')
  }
  if (!(t >= 0 && t <= MAX_TIME_MS)) throw bad('between 1970 and the year 9999')
  return t
}

const SeriesQuery = z.object({
  from: z.string().optional().meta({ description: 'Default -1h' }),
  to: z.string().optional().meta({ description: 'Default now' }),
  step: z.coerce
    .number()
    .int()
    .min(60)
    .max(86_400)
    .multipleOf(60, 'a multiple of 60 seconds')
    .default(60)
    .meta({ description: 'Seconds, multiple of 60' }),
})

const series = adminRoute('metrics', {
  method: 'get',
  path: '/models/{model}/metrics',
  operationId: 'getModelMetrics',
  roles: ROLES.any,
  summary:
    'Per-arm series: requests, error rate, time to first byte and duration p50/p95/p99, business metric mean with count, divergence rate, skipped shadow copies; measurements lost before a shard',
  request: { params: ModelPath, query: SeriesQuery },
  responses: { 200: jsonResponse(MetricsResponse, 'Series per (version, arm)'), ...problems(400, 404) },
})

const prometheus = adminRoute('metrics', {
  method: 'get',
  path: '/metrics',
  operationId: 'getPrometheusMetrics',
  roles: ROLES.any,
  summary:
    'Prometheus text exposition (counters, latency and duration histograms by model, version, arm; skipped shadow copies; measurements lost before a shard, by model)',
  responses: { 200: { description: 'text/plain; version=0.0.4', content: { 'text/plain': { schema: z.string() } } } },
})

const samples = adminRoute('metrics', {
  method: 'get',
  path: '/models/{model}/shadow-samples',
  operationId: 'listShadowSamples',
  roles: ROLES.any,
  summary: 'Latest stored shadow pairs (request hash, both outputs, verdict)',
  request: { params: ModelPath, query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
  responses: { 200: jsonResponse(ShadowSampleList, 'Samples, newest first'), ...problems(400, 404) },
})

export const metricRoutes = newRouter()

metricRoutes.openapi(series, async (c) => {
  const { model } = c.req.valid('param')
  const q = c.req.valid('query')
  const view = await c.var.services.registry.view(model) // 404 for unknown models
  const now = Date.now()
  const to = parseTime(q.to, now, now, 'query.to')
  const from = parseTime(q.from, to - 3_600_000, now, 'query.from')
  const stepMinutes = q.step / 60
  const fromMinute = minuteOf(from)
  const toMinute = minuteOf(to)
  if (from > to)
    throw new DomainError('validation_failed', 'from must not be after to', {
      fields: [{ field: 'query.from', message: 'after to' }],
    })
  if ((toMinute - fromMinute + 1) / stepMinutes > MAX_POINTS) {
    throw new DomainError('validation_failed', `at most ${MAX_POINTS} points per series; raise step`, {
      fields: [{ field: 'query.step', message: 'too small for this range' }],
    })
  }
  const measurement = c.var.services.measurement
  const [series, dropped] = await Promise.all([
    measurement.series(model, fromMinute, toMinute, stepMinutes),
    measurement.dropped(model, view.model.metric_shards),
  ])
  return c.json(
    {
      model,
      from: new Date(fromMinute * 60_000).toISOString(),
      to: new Date(toMinute * 60_000).toISOString(),
      step_s: stepMinutes * 60,
      series,
      measurements_dropped: dropped,
    },
    200,
  )
})

metricRoutes.openapi(prometheus, async (c) => {
  const { registry, measurement } = c.var.services
  const models = await registry.models()
  const { series, losses, conflicts } = await measurement.prometheus(
    models.map((m) => ({ name: m.name, shards: m.metric_shards })),
  )
  const text = renderPrometheus(series, losses, conflicts)
  return c.text(text, 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
})

metricRoutes.openapi(samples, async (c) => {
  const { model } = c.req.valid('param')
  await c.var.services.registry.view(model)
  const rows = await c.var.services.measurement.samples(model, c.req.valid('query').limit)
  return c.json({ samples: rows }, 200)
})
