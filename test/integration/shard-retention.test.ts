/**
 * Bounded storage of a metrics shard (durable-objects/metrics-shard/retention): one shard driven
 * through 60 simulated days, rolled up and pruned at the end of every simulated hour (the cron does
 * it every minute), without rollouts, with rollouts (gates folding their metrics, and going quiet
 * when each rollout ends), and with the model's metrics unknown (the alarm's backstop). The
 * per-minute and per-request tables must stay under bounds that do not grow with the days, and
 * nothing may be lost on the way: every row reached the (simulated) D1 copy before it went, no
 * outcome within its window was refused, and the per-epoch evidence gates read still equals what
 * was ingested.
 *
 * Stride: each simulated hour holds requests in K = 4 of its minutes (not 60), so the per-minute
 * bounds below count stride minutes; with traffic in every minute they scale by 60 / K.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it, type ExpectStatic } from 'vitest'
import { minuteRows, outcomeRows } from '../../src/adapters/d1/metrics-store'
import { openDb } from '../../src/adapters/d1/registry-store'
import { shardByName } from '../../src/adapters/do/shard-client'
import { buildServices } from '../../src/compose'
import {
  aggregate,
  exposuresOf,
  minuteOf,
  type Measurement,
  type ShadowMeasurement,
} from '../../src/core/metrics/aggregate'
import type { OutcomeItem } from '../../src/core/metrics/outcomes'
import type { ExportBatch, StageQuery } from '../../src/core/metrics/shard-data'
import { AGG_RETENTION_MS, OUTCOME_HORIZON_MS } from '../../src/durable-objects/metrics-shard/retention'
import { BusinessMetric } from '../../src/schemas/model'
import { adminOk, uniqueModel } from './helpers/harness'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const DAYS = 60
/** Metrics unknown: rows plateau after the 31-day horizon, so six weeks show it (and save time). */
const daysOf = (mode: Mode) => (mode === 'unknown-metrics' ? 42 : DAYS)
/** Real time rounded up: rows the shard stamps with its own clock (batches) fall behind the simulation. */
const START = Math.ceil(Date.now() / HOUR) * HOUR
const MINUTES = [5, 20, 35, 50]
const K = MINUTES.length
const PER = 3
const VERSIONS = [
  { version: 'v1', arm: 'champion' as const },
  { version: 'v2', arm: 'challenger' as const },
]
const METRICS: StageQuery['metrics'] = [
  { name: 'clicked', windowMs: HOUR },
  { name: 'repaid', windowMs: DAY },
]
/** `repaid` outcomes arrive this many hours after their request (within its one-day window). */
const REPAID_DELAY_H = 12
const EXPORT_LIMIT = 500

type Mode = 'steady' | 'rollouts' | 'unknown-metrics'
interface Req {
  id: string
  hour: number
  at: number
  epoch: number
  version: string
  arm: 'champion' | 'challenger'
}

/** Rollouts start on days 2, 9, …, 51: shadow, two canaries, watch (12 h each), then done. */
function rolloutAt(h: number): { step: number; start: number } | null {
  const k = Math.floor((h - 48) / 168)
  const start = 48 + 168 * k
  return k >= 0 && k < 8 && h < start + 48 ? { step: Math.floor((h - start) / 12), start } : null
}

/** Every rollout step and each rollout's end publish a new epoch. */
function epochOf(mode: Mode, h: number): number {
  let epoch = 1
  if (mode === 'rollouts')
    for (let k = 0; k < 8; k++) for (let step = 0; step <= 4; step++) if (48 + 168 * k + 12 * step <= h) epoch++
  return epoch
}

/**
 * Per-table bounds at `epochs` epochs. Minute rows and pairs: the longest window (1 day) plus an
 * hour of stride minutes, for 2 versions and a shadow arm; outcome rows: each metric's window plus
 * an hour; `seen`: the same per outcome (clicked: 2 per minute and version, repaid: 1). Metrics
 * unknown: everything up to the outcome horizon (31 days). Per-epoch tables grow with epochs only.
 */
function bounds(mode: Mode, epochs: number): Record<string, number> {
  const hours = mode === 'unknown-metrics' ? OUTCOME_HORIZON_MS / HOUR + 1 : 24 + 1
  const clickedHours = mode === 'unknown-metrics' ? hours : 1 + 1
  const v = VERSIONS.length
  return {
    agg: hours * K * (v + 1),
    pairs: hours * K * PER,
    outcome: (clickedHours + hours) * K * v,
    seen: (clickedHours * Math.ceil(PER / 2) + hours) * K * v,
    // Stamped with the shard's own clock, which the simulation leaves behind (see START).
    batches: 1,
    cf_pending: K * v * PER,
    samples: 0, // deleted by each ackExport
    cum: epochs * (v + 1),
    matured: epochs * v * METRICS.length,
    outcome_cum: epochs * v * METRICS.length,
    cf_cum: epochs * METRICS.length,
    totals: v + 1,
    folds: METRICS.length,
    meta: 4, // rev, exported, floor, schema (+ dropped counters, none here)
  }
}

/** One simulated hour of traffic: PER requests per stride minute and version, shadowed if asked. */
function hourOf(h: number, epoch: number, shadowed: boolean): { requests: Req[]; ms: Measurement[] } {
  const requests: Req[] = []
  const ms: Measurement[] = []
  for (const offset of MINUTES)
    for (const { version, arm } of VERSIONS)
      for (let i = 0; i < PER; i++) {
        const at = START + h * HOUR + offset * 60_000 + i * 1_000
        const r: Req = { id: `${h}-${offset}-${version}-${i}`, hour: h, at, epoch, version, arm }
        requests.push(r)
        const status = i === 0 && offset === 5 ? 503 : 200
        const base = { requestId: r.id, at: r.at, epoch, latencyMs: 10 + i }
        ms.push({ ...base, type: 'request', version, arm, segment: '', status, outcome: 'response', fallback: null })
        if (shadowed && version === 'v1') {
          const [verdict, shadowOutput] = i % 2 ? (['diverge', 'deny'] as const) : (['agree', 'approve'] as const)
          ms.push({ ...base, type: 'shadow', version: 'v2', verdict, championOutput: 'approve', shadowOutput })
        }
      }
  return { requests, ms }
}

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v)
type Copy = Map<string, { rev: number; n: number }>
/** As D1 does: a row is replaced only by a copy at least as new. */
const copy = (into: Copy, key: string, rev: number, n: number) => {
  if ((into.get(key)?.rev ?? -1) <= rev) into.set(key, { rev, n })
}

async function simulate(mode: Mode, name: string, expect: ExpectStatic) {
  const s = shardByName(env.METRICS_SHARD, name)
  const expected = { minutes: new Map<string, number>(), outcomes: new Map<string, number>() }
  const cum = new Map<string, number>()
  const exposures: Array<{ minute: number; key: string; n: number }> = [] // key: epoch|version|arm
  const outcomes: Array<{ minute: number; key: string; value: number }> = [] // key: …|metric
  const d1 = { minutes: new Map() as Copy, outcomes: new Map() as Copy }
  const checkpoints: Array<{ day: number; counts: Record<string, number> }> = []
  const requestsOf = new Map<number, Req[]>()
  let cfScored = 0
  let cursor = 0
  const hours = daysOf(mode) * 24
  for (let h = 0; h < hours; h++) {
    const now = START + (h + 1) * HOUR
    const epoch = epochOf(mode, h)
    const rollout = mode === 'rollouts' ? rolloutAt(h) : null
    const { requests, ms } = hourOf(h, epoch, rollout?.step === 0)
    requestsOf.set(h, requests)
    requestsOf.delete(h - REPAID_DELAY_H - 1)
    const rows = [...aggregate(ms).values()]
    for (const { key, agg } of rows) {
      add(expected.minutes, `${key.minute}|${key.epoch}|${key.version}|${key.arm}|${key.segment}`, agg.requests)
      add(cum, `${key.epoch}|${key.version}|${key.arm}`, agg.requests)
      if (key.arm !== 'shadow')
        exposures.push({ minute: key.minute, key: `${key.epoch}|${key.version}|${key.arm}`, n: exposuresOf(agg) })
    }
    const shadows = ms.filter((m): m is ShadowMeasurement => m.type === 'shadow')
    expect(await s.ingest(`b${h}`, { rows, shadows })).toEqual({ applied: true })

    // Outcomes: `clicked` for half of this hour's requests, `repaid` for one per minute and version
    // of the requests REPAID_DELAY_H hours ago. All are within their windows: none may be refused.
    const items: OutcomeItem[] = []
    const outcome = (r: Req, metric: string, value: number) => {
      const claims = { model: 'm', version: r.version, arm: r.arm, cohort: false, epoch: r.epoch, at: r.at, shards: 1 }
      const raw = value === 1 ? 'approve' : 'deny'
      items.push({ requestId: r.id, claims, metric, value, raw, comparator: { kind: 'label' } })
      outcomes.push({ minute: minuteOf(r.at), key: `${r.epoch}|${r.version}|${r.arm}|${metric}`, value })
      add(expected.outcomes, `${minuteOf(r.at)}|${r.epoch}|${r.version}|${r.arm}||${metric}`, 1)
      if (mode === 'rollouts' && rolloutAt(r.hour)?.step === 0 && r.version === 'v1') cfScored++
    }
    for (const r of requests) if (r.id.endsWith('-0') || r.id.endsWith('-2')) outcome(r, 'clicked', r.hour % 2)
    for (const r of requestsOf.get(h - REPAID_DELAY_H) ?? []) if (r.id.endsWith('-1')) outcome(r, 'repaid', h % 7)
    expect((await s.recordOutcomes(items)).filter((x) => x !== 'accepted')).toEqual([])

    // The cron: gates first (they fold their metrics), then the rollup (services/measurement:
    // export, copy, ack until nothing is left; the cursor is tracked here) and the prune.
    if (rollout) {
      const stepEpoch = epochOf(mode, rollout.start + 12 * rollout.step)
      await s.stageSummary({ minEpoch: stepEpoch, now, metrics: METRICS })
      if (rollout.step === 3) await s.stageSummary({ minEpoch: 0, maxEpoch: stepEpoch - 1, now, metrics: METRICS })
    }
    for (let round = 0; round < 20; round++) {
      const batch = (await s.exportSince(cursor, EXPORT_LIMIT)) as unknown as ExportBatch
      if (batch.cursor === cursor) break
      for (const { key, agg, rev } of batch.minutes)
        copy(d1.minutes, `${key.minute}|${key.epoch}|${key.version}|${key.arm}|${key.segment}`, rev, agg.requests)
      for (const o of batch.outcomes)
        copy(d1.outcomes, `${o.minute}|${o.epoch}|${o.version}|${o.arm}|${o.segment}|${o.metric}`, o.rev, o.n)
      await s.ackExport(batch.cursor)
      cursor = batch.cursor
      if (Math.max(batch.minutes.length, batch.outcomes.length, batch.samples.length) < EXPORT_LIMIT) break
    }
    await s.prune(now, mode === 'unknown-metrics' ? null : METRICS)

    if ((h + 1) % (24 * 10) === 0 || h + 1 === 24 * 3 || h + 1 === hours) {
      const counts = await s.tableCounts()
      checkpoints.push({ day: (h + 1) / 24, counts })
      const limit = bounds(mode, epoch)
      for (const [table, n] of Object.entries(counts))
        expect(n, `${mode}: ${table} at day ${(h + 1) / 24}`).toBeLessThanOrEqual(limit[table] ?? 0)
    }
  }
  return { s, end: START + hours * HOUR, expected, cum, exposures, outcomes, d1, checkpoints, cfScored }
}

type Run = Awaited<ReturnType<typeof simulate>>

/** Every row reached the D1 copy, with its final count, before the shard let it go. */
function expectExportedWhole(run: Run, expect: ExpectStatic) {
  const counts = (m: Copy) => new Map([...m].map(([k, v]) => [k, v.n]))
  expect(counts(run.d1.minutes)).toEqual(run.expected.minutes)
  expect(counts(run.d1.outcomes)).toEqual(run.expected.outcomes)
}

/**
 * The evidence of the epochs from `minEpoch` on, read at the end as a gate would: cumulative
 * requests per (epoch, version, arm), and matured exposures and outcomes per metric over the
 * minutes from `fromMinute` (the fold floor) to the metric's fold target.
 */
async function expectEvidence(run: Run, expect: ExpectStatic, minEpoch: number, fromMinute: number) {
  const summary = await run.s.stageSummary({ minEpoch, now: run.end, metrics: METRICS })
  const inEpochs = (key: string) => Number(key.split('|')[0]) >= minEpoch
  const cumulative = new Map(summary.cumulative.map((c) => [`${c.epoch}|${c.version}|${c.arm}`, c.agg.requests]))
  expect(cumulative).toEqual(new Map([...run.cum].filter(([k]) => inEpochs(k))))
  for (const { name, windowMs } of METRICS) {
    const target = minuteOf(run.end - windowMs) - 1
    const counted = (minute: number, key: string) => minute >= fromMinute && minute <= target && inEpochs(key)
    const want = new Map<string, { exposures: number; n: number; sum: number }>()
    const row = (k: string) => want.get(k) ?? want.set(k, { exposures: 0, n: 0, sum: 0 }).get(k)!
    for (const e of run.exposures) if (counted(e.minute, e.key)) row(`${e.key}|${name}`).exposures += e.n
    for (const o of run.outcomes)
      if (o.key.endsWith(`|${name}`) && counted(o.minute, o.key)) {
        row(o.key).n++
        row(o.key).sum += o.value
      }
    const got = summary.matured
      .filter((r) => r.metric === name)
      .map((r) => [`${r.epoch}|${r.version}|${r.arm}|${name}`, { exposures: r.exposures, n: r.n, sum: r.sum }] as const)
    expect(new Map(got)).toEqual(want)
  }
  return summary
}

describe('metrics shard retention over 60 simulated days', () => {
  it('keeps outcome rows a day beyond the longest window the schema allows', () => {
    const metric = { name: 'm', kind: 'proportion', direction: 'higher_is_better' }
    const longest = OUTCOME_HORIZON_MS / 1000 - 86_400
    expect(BusinessMetric.safeParse({ ...metric, window_s: longest }).success).toBe(true)
    expect(BusinessMetric.safeParse({ ...metric, window_s: longest + 1 }).success).toBe(false)
  })

  // Concurrent: each run spends most of its time waiting on RPC round trips.
  it.concurrent('without rollouts: rows stay bounded and the evidence whole', { timeout: 120_000 }, async (ctx) => {
    const run = await simulate('steady', 'retention-steady#0', ctx.expect)
    expectExportedWhole(run, ctx.expect)
    // One epoch for 60 days: the rollups folded every minute of it before its rows went.
    await expectEvidence(run, ctx.expect, 1, 0)
  })

  it.concurrent('with rollouts: rows stay bounded during and after each rollout', { timeout: 120_000 }, async (ctx) => {
    const run = await simulate('rollouts', 'retention-rollouts#0', ctx.expect)
    expectExportedWhole(run, ctx.expect)
    const summary = await expectEvidence(run, ctx.expect, 0, 0)
    ctx.expect(new Set(summary.cumulative.map((c) => c.epoch)).size).toBe(epochOf('rollouts', DAYS * 24))
    // Every outcome of a shadowed request was scored against its pair, the late `repaid` ones too.
    ctx.expect(summary.counterfactual.reduce((a, c) => a + c.n, 0)).toBe(run.cfScored)
  })

  it.concurrent('with the metrics unknown: rows stay within the horizon', { timeout: 120_000 }, async (ctx) => {
    const run = await simulate('unknown-metrics', 'retention-unknown#0', ctx.expect)
    expectExportedWhole(run, ctx.expect)
    // Nothing was folded on the way; a gate folding now counts only the minutes whose rows were kept.
    await expectEvidence(run, ctx.expect, 1, minuteOf(run.end - OUTCOME_HORIZON_MS))
  })

  it('a fold skips the minutes retention cleared: never outcomes without their exposures', async () => {
    const s = shardByName(env.METRICS_SHARD, 'retention-floor#0')
    const at = START - 5 * HOUR
    const { requests, ms } = hourOf(0, 1, false)
    await s.ingest('b0', { rows: [...aggregate(ms.map((m) => ({ ...m, at }))).values()], shadows: [] })
    // An outcome for a metric the rollup does not know (removed from the model, a stale snapshot).
    const r = requests[0]!
    const claims = { model: 'm', version: r.version, arm: r.arm, cohort: false, epoch: 1, at, shards: 1 }
    const item = { requestId: r.id, claims, metric: 'late', value: 1, raw: 1, comparator: null }
    expect(await s.recordOutcomes([item])).toEqual(['accepted'])
    await s.ackExport((await s.exportSince(0)).cursor)
    await s.prune(START, [])
    // The minute rows went (no configured metric needs them); the outcome row could still change.
    expect(await s.tableCounts()).toMatchObject({ agg: 0, outcome: 1, seen: 1 })
    const late = [{ name: 'late', windowMs: HOUR }]
    expect((await s.stageSummary({ minEpoch: 0, now: START, metrics: late })).matured).toEqual([])
    // Folded now (later outcomes for its minute are refused), so it goes at the next prune.
    expect(await s.recordOutcomes([{ ...item, requestId: requests[1]!.id }])).toEqual(['expired'])
    await s.ackExport((await s.exportSince(0)).cursor)
    await s.prune(START, late)
    expect(await s.tableCounts()).toMatchObject({ outcome: 0, seen: 0 })
  })

  it("the cron's rollup folds the model's metrics from its routing, then prunes what D1 has", async () => {
    const model = uniqueModel('retention')
    const clicked = { name: 'clicked', kind: 'proportion', direction: 'higher_is_better', window_s: 600 }
    await adminOk('PUT', `/models/${model}`, { risk: 'medium', metrics: [clicked], metric_shards: 1 }, 201)
    await adminOk('PUT', `/models/${model}/versions/v1`, { backend: { service: 'MODEL_SVC' } }, 201)
    await adminOk('POST', `/models/${model}/champion`, { version: 'v1' })
    const now = Date.now()
    const at = now - 2 * HOUR
    const s = shardByName(env.METRICS_SHARD, `${model}#0`)
    const { requests, ms } = hourOf(0, 1, false)
    const early = ms.map((m) => ({ ...m, at }))
    await s.ingest('b0', { rows: [...aggregate(early).values()], shadows: [] })
    const claims = (r: Req) => ({ model, version: r.version, arm: r.arm, cohort: false, epoch: 1, at, shards: 1 })
    const items = requests.slice(0, 3).map((r) => ({ requestId: r.id, claims: claims(r), metric: 'clicked' }))
    await s.recordOutcomes(items.map((i) => ({ ...i, value: 1, raw: 1, comparator: null })))

    const measurement = buildServices(env).measurement
    expect(await measurement.rollup(model, 1, now)).toBeGreaterThan(0)
    // Folded (the window passed) and exported: outcome and seen rows went, the minute rows stay.
    expect(await s.tableCounts()).toMatchObject({ outcome: 0, seen: 0, folds: 1, agg: VERSIONS.length })
    const summary = await s.stageSummary({ minEpoch: 0, now, metrics: [] })
    expect(summary.matured.reduce((a, r) => a + r.n, 0)).toBe(3)
    expect(summary.matured.reduce((a, r) => a + r.exposures, 0)).toBe(requests.length)

    await measurement.rollup(model, 1, now + AGG_RETENTION_MS)
    expect(await s.tableCounts()).toMatchObject({ agg: 0, outcome: 0, seen: 0 })
    const db = openDb(env.DB)
    const requested = (await minuteRows(db, model, 0, minuteOf(now))).reduce((a, r) => a + r.agg.requests, 0)
    expect(requested).toBe(requests.length)
    expect((await outcomeRows(db, model, 0, minuteOf(now))).reduce((a, r) => a + r.n, 0)).toBe(3)
  })
})
