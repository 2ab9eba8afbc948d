/**
 * @module services/measurement
 * Verbs over the metrics shards and the D1 history: outcome ingestion, the evidence gates read,
 * D1 rollups and pruning, Prometheus totals, series and shadow samples.
 */
import { latestSamples, minuteRows, outcomeRows, pruneHistory, writeExport } from '../adapters/d1/metrics-store'
import type { Db } from '../adapters/d1/registry-store'
import type { ShardClient } from '../adapters/do/shard-client'
import { verifyRequestId, type RequestClaims } from '../core/attribution/request-token'
import { DomainError } from '../core/errors'
import { outcomeNumber, type OutcomeItem, type OutcomeValue } from '../core/metrics/outcomes'
import { pagedByMinute, SERIES_PAGE_ROWS } from '../core/metrics/paged'
import {
  mergeTotals,
  type ConflictSeries,
  type DroppedCounts,
  type ModelLoss,
  type Totals,
  type TotalsSeries,
} from '../core/metrics/prometheus'
import { SeriesBuilder, type Series } from '../core/metrics/series'
import type { StageQuery } from '../core/metrics/shard-data'
import { shardOf } from '../core/metrics/shards'
import { mergeSummaries, type MergedSummary } from '../core/metrics/summary'
import { DEFAULT_SHADOW_COMPARE } from '../core/shadow/comparator'
import type { ShadowSampleView } from '../schemas/metrics'
import type { SnapshotSink } from './snapshot-sink'
import { shadowSampleView } from './views/records'

export interface OutcomeInput {
  request_id: string
  value: OutcomeValue
  metric?: string | undefined
}

export const REJECT_REASONS = [
  'malformed_request_id',
  'invalid_signature',
  'unknown_key',
  'not_authorized',
  'unknown_model',
  'unknown_metric',
  'outside_attribution_window',
  'invalid_value',
] as const
export type RejectReason = (typeof REJECT_REASONS)[number]

export type OutcomeResult =
  /** `conflict`: already counted with a different value, which stays (docs/statistics.md §10.6). */
  | { request_id: string; status: 'accepted' | 'duplicate' | 'conflict'; metric: string }
  | { request_id: string; status: 'rejected'; reason: RejectReason; detail: string }

/** The models whose outcomes a reporter's token covers: every model (null) or these. */
export type ReporterModels = ReadonlySet<string> | null

const VERIFY_DETAILS = {
  malformed_request_id: 'not a modelgate request id',
  invalid_signature: 'the request id was not issued by this gateway',
  unknown_key: 'the request id was signed with a key this gateway no longer holds (see REQUEST_ID_SECRET_PREVIOUS)',
} as const

/** Clock skew tolerated for request ids that claim to come from the future. */
const FUTURE_TOLERANCE_MS = 5 * 60_000

export interface MeasurementDeps {
  db: Db
  shard: (model: string, shard: number) => ShardClient
  snapshots: SnapshotSink
  /** The secrets request ids verify under (settings: current first); empty when none is configured. */
  requestIdSecrets: readonly string[]
}

interface ShardGroup {
  model: string
  shard: number
  idx: number[]
  items: OutcomeItem[]
}

export class MeasurementService {
  constructor(private readonly deps: MeasurementDeps) {}

  /**
   * Attributes each outcome through its signed request id and records it in its request's shard.
   * An id of a model the reporter's token does not cover is `not_authorized`, checked before the
   * model's configuration is read, so such a reporter learns nothing about other models.
   */
  async ingestOutcomes(
    items: OutcomeInput[],
    now: number,
    defer: (p: Promise<unknown>) => void,
    reporter: ReporterModels,
  ): Promise<OutcomeResult[]> {
    const secrets = this.deps.requestIdSecrets
    if (secrets.length === 0)
      throw new DomainError('not_configured', 'set REQUEST_ID_SECRET (or ADMIN_TOKEN) to accept outcomes')
    const results: OutcomeResult[] = new Array(items.length)
    const byShard = new Map<string, ShardGroup>()
    const reject = (i: number, reason: RejectReason, detail: string) => {
      results[i] = { request_id: (items[i] as OutcomeInput).request_id, status: 'rejected', reason, detail }
    }
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as OutcomeInput
      const check = await verifyRequestId(secrets, item.request_id)
      if (!check.ok) {
        reject(i, check.reason, VERIFY_DETAILS[check.reason])
        continue
      }
      const claims: RequestClaims = check.claims
      if (reporter !== null && !reporter.has(claims.model)) {
        reject(i, 'not_authorized', `this reporter token does not cover model ${claims.model}`)
        continue
      }
      const snapshot = await this.deps.snapshots.get(claims.model, defer)
      if (snapshot === null) {
        reject(i, 'unknown_model', `model ${claims.model} is not registered`)
        continue
      }
      // Response metrics are read from the answers themselves (data-plane/response-metrics).
      const reported = snapshot.metrics.filter((m) => m.source !== 'response')
      const metric = item.metric === undefined ? reported[0] : reported.find((m) => m.name === item.metric)
      if (metric === undefined) {
        const detail =
          item.metric === undefined
            ? `model ${claims.model} declares no business metric`
            : `model ${claims.model} has no outcome metric ${item.metric}`
        reject(i, 'unknown_metric', detail)
        continue
      }
      if (claims.at > now + FUTURE_TOLERANCE_MS) {
        reject(i, 'malformed_request_id', 'the request id is dated in the future')
        continue
      }
      if (now - claims.at > metric.window_s * 1000) {
        const late = Math.round((now - claims.at) / 1000)
        reject(
          i,
          'outside_attribution_window',
          `outcome arrived ${late} s after the request; the window of ${metric.name} is ${metric.window_s} s`,
        )
        continue
      }
      const value = outcomeNumber(metric, item.value)
      if (!value.ok) {
        reject(i, 'invalid_value', value.reason)
        continue
      }
      // The shard count when the request was served: its shadow pair and earlier outcomes are there.
      const shard = shardOf(item.request_id, claims.shards ?? snapshot.metric_shards)
      const key = `${claims.model}#${shard}`
      let group = byShard.get(key)
      if (!group) {
        group = { model: claims.model, shard, idx: [], items: [] }
        byShard.set(key, group)
      }
      group.idx.push(i)
      group.items.push({
        requestId: item.request_id,
        claims,
        metric: metric.name,
        value: value.value,
        raw: item.value,
        comparator: (snapshot.shadow_compare ?? DEFAULT_SHADOW_COMPARE).comparator,
      })
    }
    await Promise.all(
      [...byShard.values()].map(async (g) => {
        const statuses = await this.deps.shard(g.model, g.shard).recordOutcomes(g.items)
        statuses.forEach((status, j) => {
          const i = g.idx[j] as number
          const metric = (g.items[j] as OutcomeItem).metric
          if (status === 'expired')
            reject(i, 'outside_attribution_window', 'the request has already matured into the gate statistics')
          else results[i] = { request_id: (items[i] as OutcomeInput).request_id, status, metric }
        })
      }),
    )
    return results
  }

  /** A model's cumulative evidence from all its shards (what the gates read). */
  async summary(model: string, shards: number, q: StageQuery): Promise<MergedSummary> {
    const parts = await Promise.all(Array.from({ length: shards }, (_, s) => this.deps.shard(model, s).stageSummary(q)))
    return mergeSummaries(parts)
  }

  /**
   * Copy every shard's changed rows to D1 (idempotent; safe to repeat or to run concurrently), then
   * let each shard prune at `now`: it folds the model's business metrics and deletes what is rolled
   * up and no longer needed, rollout or not (durable-objects/metrics-shard/retention).
   */
  async rollup(model: string, shards: number, now = Date.now()): Promise<number> {
    const metrics = await this.metricWindows(model)
    let written = 0
    for (let shard = 0; shard < shards; shard++) {
      const client = this.deps.shard(model, shard)
      let cursor = await client.exportCursor()
      for (let round = 0; round < 20; round++) {
        const batch = await client.exportSince(cursor)
        if (batch.cursor === cursor) break
        written += await writeExport(this.deps.db, model, shard, batch)
        await client.ackExport(batch.cursor)
        cursor = batch.cursor
      }
      // The export above is done either way; a failed prune is retried by the next tick, and must
      // not keep the model's other shards from their rollup.
      await client.prune(now, metrics).catch((err: unknown) => {
        console.error(`rollup: prune of ${model}#${shard} failed: ${(err as Error).message}`)
      })
    }
    return written
  }

  /**
   * The model's business metrics and windows, from its routing snapshot (what outcome ingestion
   * checks against). Null when unknown: the shards then keep what any window could still need.
   */
  private async metricWindows(model: string): Promise<StageQuery['metrics'] | null> {
    try {
      // No request context to extend: a stale snapshot's refresh just runs while the tick does.
      const snapshot = await this.deps.snapshots.get(model, () => undefined)
      if (snapshot === null) return null
      const reported = snapshot.metrics.filter((m) => m.source !== 'response')
      return reported.map((m) => ({ name: m.name, windowMs: m.window_s * 1000 }))
    } catch {
      return null
    }
  }

  /** Deletes per-minute history of `model` older than `beforeMinute` (a bounded share per call). */
  prune(model: string, beforeMinute: number): Promise<number> {
    return pruneHistory(this.deps.db, model, beforeMinute)
  }

  /**
   * Totals per (model, version, arm), merged over shards, per model the measurements isolates
   * lost before a shard (every model listed, zeros included), and the contradicted outcomes per
   * (model, version, arm, metric) that has accepted any, for Prometheus.
   */
  async prometheus(
    models: Array<{ name: string; shards: number }>,
  ): Promise<{ series: TotalsSeries[]; losses: ModelLoss[]; conflicts: ConflictSeries[] }> {
    const series: TotalsSeries[] = []
    const losses: ModelLoss[] = []
    const conflicts: ConflictSeries[] = []
    for (const m of models) {
      const merged = new Map<string, { version: string; arm: string; totals: Totals }>()
      const perShard = await Promise.all(
        Array.from({ length: m.shards }, (_, s) => this.deps.shard(m.name, s).totals()),
      )
      const loss: ModelLoss = { model: m.name, records: 0, batches: 0 }
      const contradicted = new Map<string, ConflictSeries>()
      for (const shard of perShard) {
        for (const r of shard.rows) {
          const k = `${r.version}|${r.arm}`
          const cur = merged.get(k)
          merged.set(k, cur ? { ...cur, totals: mergeTotals(cur.totals, r.totals) } : r)
        }
        loss.records += shard.dropped.records
        loss.batches += shard.dropped.batches
        for (const c of shard.conflicts ?? []) {
          const k = `${c.version}|${c.arm}|${c.metric}`
          const cur = contradicted.get(k)
          contradicted.set(k, { ...c, model: m.name, conflicts: (cur?.conflicts ?? 0) + c.conflicts })
        }
      }
      for (const r of merged.values()) series.push({ model: m.name, ...r })
      losses.push(loss)
      conflicts.push(...contradicted.values())
    }
    return { series, losses, conflicts }
  }

  /** The model's measurements lost before reaching a shard, summed over its shards (since they began). */
  async dropped(model: string, shards: number): Promise<DroppedCounts> {
    const perShard = await Promise.all(Array.from({ length: shards }, (_, s) => this.deps.shard(model, s).totals()))
    return perShard.reduce<DroppedCounts>(
      (a, t) => ({ records: a.records + t.dropped.records, batches: a.batches + t.dropped.batches }),
      { records: 0, batches: 0 },
    )
  }

  /**
   * Per-arm series of `[fromMinute, toMinute]` from D1 history. Pages are folded as they arrive, so
   * a week of a busy model's rows (shards × arms per minute, each with a histogram) never sits in
   * memory at once.
   */
  async series(
    model: string,
    fromMinute: number,
    toMinute: number,
    stepMinutes: number,
    pageRows = SERIES_PAGE_ROWS,
  ): Promise<Series[]> {
    const db = this.deps.db
    const builder = new SeriesBuilder(fromMinute, toMinute, stepMinutes)
    const fold = <T extends { minute: number }>(
      rows: (db: Db, model: string, from: number, to: number, limit?: number) => Promise<T[]>,
      take: (page: T[]) => void,
    ) => pagedByMinute((from, to, limit) => rows(db, model, from, to, limit), fromMinute, toMinute, take, pageRows)
    await Promise.all([
      fold(minuteRows, (page) => builder.addMinutes(page)),
      fold(outcomeRows, (page) => builder.addOutcomes(page)),
    ])
    return builder.build()
  }

  async samples(model: string, limit: number): Promise<ShadowSampleView[]> {
    return (await latestSamples(this.deps.db, model, limit)).map(shadowSampleView)
  }
}
