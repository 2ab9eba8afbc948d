/**
 * @module services/measurement
 * Verbs over the metrics shards: outcome ingestion, D1 rollups, Prometheus totals.
 */
import { minuteRows, outcomeRows, writeExport } from '../adapters/d1/metrics-store'
import type { Db } from '../adapters/d1/registry-store'
import { verifyRequestId, type RequestClaims } from '../core/attribution/request-token'
import { outcomeNumber, type OutcomeItem, type OutcomeValue } from '../core/metrics/outcomes'
import { mergeTotals, type Totals, type TotalsSeries } from '../core/metrics/prometheus'
import { pagedByMinute, SERIES_PAGE_ROWS } from '../core/metrics/paged'
import { SeriesBuilder, type Series } from '../core/metrics/series'
import { requestIdSecret, type Env } from '../env'
import { snapshotCacheFor } from '../gateway/isolate-cache'
import type { ExportBatch } from '../adapters/do/metrics-shard'
import { shardName, shardOf } from '../measure/recorder'
import { DEFAULT_SHADOW_COMPARE } from '../measure/shadow'
import { DomainError } from '../core/errors'

export function shardStub(env: Env, model: string, shard: number) {
  return env.METRICS_SHARD.get(env.METRICS_SHARD.idFromName(shardName(model, shard)))
}

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

export async function ingestOutcomes(
  env: Env,
  items: OutcomeInput[],
  now: number,
  defer: (p: Promise<unknown>) => void,
): Promise<OutcomeResult[]> {
  const secret = requestIdSecret(env)
  if (secret === null)
    throw new DomainError('not_configured', 'set REQUEST_ID_SECRET (or ADMIN_TOKEN) to accept outcomes')
  const results: OutcomeResult[] = new Array(items.length)
  const byShard = new Map<string, { model: string; shard: number; idx: number[]; items: OutcomeItem[] }>()
  const cache = snapshotCacheFor(env)
  const reject = (i: number, reason: RejectReason, detail: string) => {
    results[i] = { request_id: (items[i] as OutcomeInput).request_id, status: 'rejected', reason, detail }
  }
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as OutcomeInput
    const check = await verifyRequestId(secret, item.request_id)
    if (!check.ok) {
      reject(
        i,
        check.reason,
        check.reason === 'invalid_signature'
          ? 'the request id was not issued by this gateway'
          : 'not a modelgate request id',
      )
      continue
    }
    const claims: RequestClaims = check.claims
    const snapshot = await cache.get(claims.model, defer)
    if (snapshot === null) {
      reject(i, 'unknown_model', `model ${claims.model} is not registered`)
      continue
    }
    const metric =
      item.metric === undefined ? snapshot.metrics[0] : snapshot.metrics.find((m) => m.name === item.metric)
    if (metric === undefined) {
      reject(
        i,
        'unknown_metric',
        item.metric === undefined
          ? `model ${claims.model} declares no business metric`
          : `model ${claims.model} has no metric ${item.metric}`,
      )
      continue
    }
    if (claims.at > now + FUTURE_TOLERANCE_MS) {
      reject(i, 'malformed_request_id', 'the request id is dated in the future')
      continue
    }
    if (now - claims.at > metric.window_s * 1000) {
      reject(
        i,
        'outside_attribution_window',
        `outcome arrived ${Math.round((now - claims.at) / 1000)} s after the request; the window of ${metric.name} is ${metric.window_s} s`,
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
      const statuses = await shardStub(env, g.model, g.shard).recordOutcomes(g.items)
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

/** Copy every shard's changed rows to D1 (idempotent; safe to repeat or to run concurrently). */
export async function rollupModel(env: Env, db: Db, model: string, shards: number): Promise<number> {
  let written = 0
  for (let shard = 0; shard < shards; shard++) {
    const stub = shardStub(env, model, shard)
    let cursor = await stub.exportCursor()
    for (let round = 0; round < 20; round++) {
      const batch = (await stub.exportSince(cursor)) as unknown as ExportBatch
      if (batch.cursor === cursor) break
      written += await writeExport(db, model, shard, batch)
      await stub.ackExport(batch.cursor)
      cursor = batch.cursor
    }
  }
  return written
}

/** Totals per (model, version, arm), merged over shards, for Prometheus. */
export async function prometheusSeries(
  env: Env,
  models: Array<{ name: string; shards: number }>,
): Promise<TotalsSeries[]> {
  const out: TotalsSeries[] = []
  for (const m of models) {
    const merged = new Map<string, { version: string; arm: string; totals: Totals }>()
    const perShard = await Promise.all(Array.from({ length: m.shards }, (_, s) => shardStub(env, m.name, s).totals()))
    for (const rows of perShard) {
      for (const r of rows) {
        const k = `${r.version}|${r.arm}`
        const cur = merged.get(k)
        merged.set(k, cur ? { ...cur, totals: mergeTotals(cur.totals, r.totals) } : r)
      }
    }
    for (const r of merged.values()) out.push({ model: m.name, ...r })
  }
  return out
}

/**
 * Per-arm series of `[fromMinute, toMinute]` from D1 history. Pages are folded as they arrive, so
 * a week of a busy model's rows (shards × arms per minute, each with a histogram) never sits in
 * memory at once.
 */
export async function readSeries(
  db: Db,
  model: string,
  fromMinute: number,
  toMinute: number,
  stepMinutes: number,
  pageRows = SERIES_PAGE_ROWS,
): Promise<Series[]> {
  const builder = new SeriesBuilder(fromMinute, toMinute, stepMinutes)
  await Promise.all([
    pagedByMinute(
      (f, t, l) => minuteRows(db, model, f, t, l),
      fromMinute,
      toMinute,
      (rows) => builder.addMinutes(rows),
      pageRows,
    ),
    pagedByMinute(
      (f, t, l) => outcomeRows(db, model, f, t, l),
      fromMinute,
      toMinute,
      (rows) => builder.addOutcomes(rows),
      pageRows,
    ),
  ])
  return builder.build()
}
