/**
 * @module durable-objects/metrics-shard/aggregates
 * Merging a batch's rows into the shard's minute rows (`agg`), running totals (`cum`) and
 * Prometheus counters (`totals`).
 *
 * A write-through cache holds the rows ingest keeps merging into (this object is their only
 * writer), so a batch costs no SELECT and no JSON parse per key. Bounded: old minutes are dropped.
 */
import { emptyAgg, mergeAgg, type Agg, type AggKey, type AggRow } from '../../core/metrics/aggregate'
import {
  addLatencyCounts,
  emptyTotals,
  sumDurationCounts,
  type BucketCounts,
  type LatencyCounts,
  type Totals,
} from '../../core/metrics/prometheus'

/** A table of merged rows: reading one by its key columns (in order), and writing it back. */
interface MergedTable {
  name: string
  select: string
  upsert: string
}

const AGG: MergedTable = {
  name: 'agg',
  select: 'SELECT data FROM agg WHERE minute = ? AND epoch = ? AND version = ? AND arm = ? AND segment = ?',
  upsert:
    'INSERT INTO agg (minute, epoch, version, arm, segment, data, rev) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET data = excluded.data, rev = excluded.rev',
}

const CUM: MergedTable = {
  name: 'cum',
  select: 'SELECT data FROM cum WHERE epoch = ? AND version = ? AND arm = ? AND segment = ?',
  upsert:
    'INSERT INTO cum (epoch, version, arm, segment, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET data = excluded.data',
}

export class ShardAggregates {
  private readonly rows = new Map<string, Agg>()
  private readonly totals = new Map<string, Totals>()
  private cachedMinute = 0

  constructor(private readonly sql: SqlStorage) {}

  /** Merges rows under revision `rev` (inside the caller's transaction). */
  add(rows: AggRow[], rev: number): void {
    for (const { key, agg, prom, promDuration } of rows) {
      this.mergeRow(key, agg, rev)
      this.mergeCum(key, agg)
      this.addTotals(key, agg, prom, promDuration)
    }
  }

  /** After a rolled-back transaction: the caches may hold merges that never landed. */
  forget(): void {
    this.rows.clear()
    this.totals.clear()
  }

  /** Drop cached minute rows older than the previous minute (late batches reload them). */
  private trimCache(minute: number): void {
    if (minute <= this.cachedMinute) return
    this.cachedMinute = minute
    for (const k of this.rows.keys()) {
      const m = Number(k.split('|')[1])
      if (k.startsWith('agg|') && m < minute - 1) this.rows.delete(k)
    }
  }

  private mergeRow(key: AggKey, agg: Agg, rev: number): void {
    this.trimCache(key.minute)
    this.mergeAt(AGG, [key.minute, key.epoch, key.version, key.arm, key.segment], agg, rev)
  }

  private mergeCum(key: AggKey, agg: Agg): void {
    this.mergeAt(CUM, [key.epoch, key.version, key.arm, key.segment], agg)
  }

  /** Merges `agg` into the row at `key` (read once, then cached) and writes the row back. */
  private mergeAt(table: MergedTable, key: Array<string | number>, agg: Agg, ...extra: number[]): void {
    const cacheKey = `${table.name}|${key.join('|')}`
    let row = this.rows.get(cacheKey)
    if (!row) {
      const data = this.sql.exec<{ data: string }>(table.select, ...key).toArray()[0]?.data
      row = data ? (JSON.parse(data) as Agg) : emptyAgg()
      this.rows.set(cacheKey, row)
    }
    mergeAgg(row, agg)
    this.sql.exec(table.upsert, ...key, JSON.stringify(row), ...extra)
  }

  /** Totals are exact counters: the row's counts, its classic latency buckets counted by the Worker. */
  private addTotals(key: AggKey, agg: Agg, prom: LatencyCounts, duration: BucketCounts | undefined): void {
    const tk = `${key.version}|${key.arm}`
    let t = this.totals.get(tk)
    if (!t) {
      const row = this.sql
        .exec<{ data: string }>('SELECT data FROM totals WHERE version = ? AND arm = ?', key.version, key.arm)
        .toArray()[0]
      t = row ? (JSON.parse(row.data) as Totals) : emptyTotals()
      this.totals.set(tk, t)
    }
    t.requests += agg.requests
    const add = (cls: string, n: number) => {
      if (n > 0) t.byClass[cls] = (t.byClass[cls] ?? 0) + n
    }
    add('2xx', agg.s2xx)
    add('3xx', agg.s3xx)
    add('4xx', agg.s4xx)
    add('5xx', agg.s5xx)
    add('timeout', agg.timeouts)
    add('unreachable', agg.unreachable)
    add('stream_error', agg.streamErrors ?? 0)
    add('stream_stalled', agg.streamStalls ?? 0)
    t.failedAttempts += agg.failedAttempts
    t.shadowPairs += agg.shadowPairs
    t.shadowDiverged += agg.shadowDiverged
    t.shadowSkipped = (t.shadowSkipped ?? 0) + agg.shadowSkipped
    addLatencyCounts(t, prom)
    t.duration = sumDurationCounts(t.duration, duration)
    this.sql.exec(
      'INSERT INTO totals (version, arm, data) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET data = excluded.data',
      key.version,
      key.arm,
      JSON.stringify(t),
    )
  }
}
