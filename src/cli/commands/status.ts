/**
 * @module cli/commands/status
 * `modelgate status <model>`: everything an operator needs at 2 am on one screen — champion,
 * versions, weights with their bucket ranges, the active rollout, and the last hour per arm.
 */
import type { CommandSpec } from '../args'
import type { MetricsResponse, ModelView, RolloutView } from '../api-types'
import { NONE, keyValues, ms, pct, right, table, weights } from '../format'
import { println } from '../io'
import { metricsQuery, totals } from '../metrics'
import { rolloutHeading, rolloutLines } from '../rollout-view'
import { printJson, seg } from './shared'
import { formatCondition } from '../../core/rollout/describe'

/** The model's lost measurements; a server from before the field says nothing (shown as unknown). */
function droppedLine(metrics: MetricsResponse): string {
  const d = metrics.measurements_dropped as MetricsResponse['measurements_dropped'] | undefined
  if (d === undefined) return 'unknown (the gateway does not report it)'
  if (d.records === 0 && d.batches === 0) return 'none'
  return `${d.records} in ${d.batches} batch${d.batches === 1 ? '' : 'es'} (since the shards began)`
}

export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'champion, versions, weights and buckets, active rollout, last hour per arm',
  args: ['<model>'],
  options: {},
  details: [
    'The per-arm numbers come from GET /admin/models/{model}/metrics over the last 60 minutes; they',
    'appear once the per-minute cron has rolled the measurements up. P99 is the time to first byte,',
    "DUR P99 the total duration (to the body's last byte); SKIPPED counts shadow copies not compared",
    '(in-flight cap, oversized or slow inputs). Dropped measurements are the ones isolates lost before',
    'a metrics shard, since the shards began (from the same response, read from the shards).',
    'WARNINGS lists what the model still lacks (a mean metric without cap and floor), with the fix.',
    '--json prints { "model": <model view>, "rollout": <rollout view or null>, "metrics": <series> }.',
  ],
  async run(ctx, p) {
    const name = p.positionals[0] as string
    const view = await ctx.api.json<ModelView>('GET', `/models/${seg(name)}`)
    // One 60-minute point per arm: "-59m" through the current minute (the API counts both ends).
    const [rollout, metrics] = await Promise.all([
      view.active_rollout
        ? ctx.api.json<RolloutView>('GET', `/rollouts/${seg(view.active_rollout.id)}`)
        : Promise.resolve(null),
      ctx.api.json<MetricsResponse>(
        'GET',
        `/models/${seg(name)}/metrics?${metricsQuery({ from: '-59m', stepS: 3_600 })}`,
      ),
    ])
    if (ctx.json) {
      printJson(ctx.io, { model: view, rollout, metrics })
      return 0
    }
    const io = ctx.io
    println(io, `model ${view.model.name}`)
    println(
      io,
      keyValues(
        [
          ['risk', view.model.risk],
          ['champion', view.champion === null ? 'none (set one: POST /admin/models/{model}/champion)' : view.champion],
          ['previous', view.previous_champion],
          [
            'epoch',
            view.published_epoch >= 0 && view.published_epoch !== view.epoch
              ? `${view.epoch} (published ${view.published_epoch})`
              : view.epoch,
          ],
          ['sla p99', view.model.sla ? ms(view.model.sla.p99_ms) : null],
        ],
        '  ',
      ),
    )
    // A server from before the field sends none.
    const warnings = (view.warnings as ModelView['warnings'] | undefined) ?? []
    if (warnings.length > 0) {
      println(io)
      println(io, 'WARNINGS')
      for (const w of warnings) println(io, `  ${w.code} ${w.metric}: ${w.detail}\n    fix: ${w.fix}`)
    }
    println(io)
    println(io, 'VERSIONS')
    println(
      io,
      table(
        ['VERSION', 'BACKEND', 'TIMEOUT', 'FIRST EXPOSED'],
        view.versions.map((v) => [
          v.name,
          'url' in v.backend ? v.backend.url : `service ${v.backend.service}`,
          ms(v.backend.timeout_ms),
          v.first_exposed_epoch === null ? 'never' : `epoch ${v.first_exposed_epoch}`,
        ]),
        '  ',
      ),
    )
    println(io)
    println(io, `ROUTING (epoch ${view.epoch}): ${weights(view.routing?.weights)}`)
    if (view.bucket_ranges.length) {
      println(
        io,
        table(
          ['VERSION', right('WEIGHT'), 'BUCKETS (of 10000)'],
          view.bucket_ranges.map((b) => [
            b.version,
            `${view.routing?.weights[b.version] ?? (b.to - b.from) / 100}%`,
            `[${b.from}, ${b.to})`,
          ]),
          '  ',
        ),
      )
    }
    const shadow = view.routing?.shadow
    println(
      io,
      keyValues(
        [
          [
            'cohort rules',
            view.routing?.rules.length
              ? view.routing.rules
                  .map(
                    (r) =>
                      `${formatCondition(r.when)} → ${r.version}${r.percent === undefined ? '' : ` ${r.percent}%`}`,
                  )
                  .join('; ')
              : 'none',
          ],
          ['shadow', shadow ? `${shadow.version} at ${pct(shadow.sample_rate, 1)} of requests` : 'none'],
        ],
        '  ',
      ),
    )
    println(io)
    if (rollout) {
      println(io, rolloutHeading(rollout).replace(/^rollout/, 'ROLLOUT'))
      println(io, rolloutLines(rollout, io.now()))
    } else {
      println(io, 'ROLLOUT: none active')
    }
    println(io)
    const arms = metrics.series
      .map((s) => totals(s))
      .filter((t) => t.requests > 0 || t.exposures > 0 || t.shadowPairs > 0 || t.shadowSkipped > 0)
    println(io, `LAST HOUR (${metrics.from.slice(11, 16)}–${metrics.to.slice(11, 16)} UTC, per arm)`)
    if (arms.length === 0) {
      println(io, '  no requests recorded (measurements reach this view through the per-minute cron)')
    } else {
      println(
        io,
        table(
          [
            'VERSION',
            'ARM',
            right('REQUESTS'),
            right('ERRORS'),
            right('ERROR RATE'),
            right('P50'),
            right('P99'),
            right('DUR P99'),
            right('DIVERGENCE'),
            right('SKIPPED'),
          ],
          arms.map((a) => [
            a.version,
            a.arm,
            a.requests,
            a.errors,
            pct(a.errorRate, 2),
            ms(a.p50Ms),
            ms(a.p99Ms),
            ms(a.durationP99Ms),
            a.arm === 'shadow' ? `${pct(a.divergenceRate)} of ${a.shadowPairs}` : NONE,
            a.arm === 'shadow' ? a.shadowSkipped : NONE,
          ]),
          '  ',
        ),
      )
    }
    println(io, keyValues([['measurements dropped', droppedLine(metrics)]], '  '))
    return 0
  },
}
