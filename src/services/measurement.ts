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
  'unknown_model',
  'unknown_metric',
  'outside_attribution_window',
  'invalid_value',
] as const
export type RejectReason = (typeof REJECT_REASONS)[number]

export type OutcomeResult =
  | { request_id: string; status: 'accepted' | 'duplicate'; metric: string }
  | { request_id: string; status: 'rejected'; reason: RejectReason; detail: string }

/** Clock skew tolerated for request ids that claim to come from the future. */
const FUTURE_TOLERANCE_MS = 5 * 60_000

export interface MeasurementDeps {
  db: Db
  shard: (model: string, shard: number) => ShardClient
  snapshots: SnapshotSink
  /** The request-id signing secret (settings), or null when none is configured. */
  requestIdSecret: string | null
}

interface ShardGroup {
  model: string
  shard: number
  idx: number[]
  items: OutcomeItem[]
}

export class MeasurementService {
  constructor(private readonly deps: MeasurementDeps) {}

  /** Attributes each outcome through its signed request id and records it in its request's shard. */
  async ingestOutcomes(
    items: OutcomeInput[],
    now: number,
    defer: (p: Promise<unknown>) => void,
  ): Promise<OutcomeResult[]> {
    const secret = this.deps.requestIdSecret
    if (secret === null)
      throw new DomainError('not_configured', 'set REQUEST_ID_SECRET (or ADMIN_TOKEN) to accept outcomes')
    const results: OutcomeResult[] = new Array(items.length)
    const byShard = new Map<string, ShardGroup>()
    const reject = (i: number, reason: RejectReason, detail: string) => {
      results[i] = { request_id: (items[i] as OutcomeInput).request_id, status: 'rejected', reason, detail }
    }
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as OutcomeInput
      const check = await verifyRequestId(secret, item.request_id)
      if (!check.ok) {
        const detail =
          check.reason === 'invalid_signature'
            ? 'the request id was not issued by this gateway'
            : 'not a modelgate request id'
        reject(i, check.reason, detail)
        continue
      }
      const claims: RequestClaims = check.claims
      const snapshot = await this.deps.snapshots.get(claims.model, defer)
      if (snapshot === null) {
        reject(i, 'unknown_model', `model ${claims.model} is not registered`)
        continue
      }
      const metric =
        item.metric === undefined ? snapshot.metrics[0] : snapshot.metrics.find((m) => m.name === item.metric)
      if (metric === undefined) {
        const detail =
          item.metric === undefined
            ? `model ${claims.model} declares no business metric`
            : `model ${claims.model} has no metric ${item.metric}`
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

  /** Copy every shard's changed rows to D1 (idempotent; safe to repeat or to run concurrently). */
  async rollup(model: string, shards: number): Promise<number> {
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
    }
    return written
  }

  /** Deletes per-minute history of `model` older than `beforeMinute` (a bounded share per call). */
  prune(model: string, beforeMinute: number): Promise<number> {
    return pruneHistory(this.deps.db, model, beforeMinute)
  }

  /**
   * Totals per (model, version, arm), merged over shards, and per model the measurements isolates
   * lost before a shard (every model listed, zeros included), for Prometheus.
   */
  async prometheus(
    models: Array<{ name: string; shards: number }>,
  ): Promise<{ series: TotalsSeries[]; losses: ModelLoss[] }> {
    const series: TotalsSeries[] = []
    const losses: ModelLoss[] = []
    for (const m of models) {
      const merged = new Map<string, { version: string; arm: string; totals: Totals }>()
      const perShard = await Promise.all(
        Array.from({ length: m.shards }, (_, s) => this.deps.shard(m.name, s).totals()),
      )
      const loss: ModelLoss = { model: m.name, records: 0, batches: 0 }
      for (const shard of perShard) {
        for (const r of shard.rows) {
          const k = `${r.version}|${r.arm}`
          const cur = merged.get(k)
          merged.set(k, cur ? { ...cur, totals: mergeTotals(cur.totals, r.totals) } : r)
        }
        loss.records += shard.dropped.records
        loss.batches += shard.dropped.batches
      }
      for (const r of merged.values()) series.push({ model: m.name, ...r })
      losses.push(loss)
    }
    return { series, losses }
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
