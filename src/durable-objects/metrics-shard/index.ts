/**
 * @module durable-objects/metrics-shard
 * One of a model's N measurement aggregators (name `<model>#<shard>`). The Worker sends batches of
 * measurements; a request and its later outcome always land on the same shard (chosen by a hash of
 * the request id), so deduplication and shadow counterfactuals stay local. Tables: see ./tables.
 * Every ingest runs as one synchronous SQL section, so a batch lands entirely or not at all.
 *
 * RPC methods answer `Result<T>` (durable-objects/rpc), as the contract in adapters/do/shard-client
 * says.
 */
import { DurableObject } from 'cloudflare:workers'
import type { Result } from '../../core/errors'
import {
  aggregate,
  minuteOf,
  type Measurement,
  type MeasurementBatch,
  type ShadowMeasurement,
} from '../../core/metrics/aggregate'
import type { OutcomeItem, OutcomeStatus } from '../../core/metrics/outcomes'
import type { Totals } from '../../core/metrics/prometheus'
import type { ExportBatch, ShardSummary, ShardTotals, StageQuery } from '../../core/metrics/shard-data'
import type { ShardRpc } from '../../adapters/do/shard-client'
import { resultOf } from '../rpc'
import { ShardAggregates } from './aggregates'
import { PENDING_CF_MS, ShardCounterfactuals } from './counterfactual'
import { ShardOutcomes } from './outcomes'
import { readExport, readSummary } from './reads'
import { createTables, ShardMeta } from './tables'

const BATCH_MEMORY_MS = 60 * 60_000
const AGG_RETENTION_MS = 3 * 60 * 60_000
const PAIR_RETENTION_MS = 31 * 86_400_000
const ALARM_EVERY_MS = 10 * 60_000

export class MetricsShard extends DurableObject<Env> implements ShardRpc {
  private readonly sql: SqlStorage
  private readonly meta: ShardMeta
  private readonly aggregates: ShardAggregates
  private readonly counterfactuals: ShardCounterfactuals
  private readonly outcomes: ShardOutcomes
  private alarmArmed = false

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = ctx.storage.sql
    createTables(this.sql)
    this.meta = new ShardMeta(this.sql)
    this.aggregates = new ShardAggregates(this.sql)
    this.counterfactuals = new ShardCounterfactuals(this.sql)
    this.outcomes = new ShardOutcomes(ctx.storage, this.meta, this.counterfactuals)
  }

  /**
   * Apply a batch once; a replayed batch id changes nothing. A plain measurement list (what Workers
   * deployed before pre-aggregation send, until their isolates retire) is aggregated here. The
   * measurements the sending isolate lost earlier (`dropped`) are added to this shard's loss
   * counters, once, like the rest of the batch.
   */
  ingest(batchId: string, batch: MeasurementBatch | Measurement[]): Promise<Result<{ applied: boolean }>> {
    return resultOf('metrics shard ingest', async () => {
      if (this.sql.exec('SELECT 1 FROM batches WHERE id = ?', batchId).toArray().length > 0) return { applied: false }
      const b: MeasurementBatch = Array.isArray(batch)
        ? {
            rows: [...aggregate(batch).values()],
            shadows: batch.filter((m): m is ShadowMeasurement => m.type === 'shadow'),
          }
        : batch
      try {
        this.ctx.storage.transactionSync(() => {
          this.sql.exec('INSERT INTO batches (id, at) VALUES (?, ?)', batchId, Date.now())
          const rev = this.meta.nextRev()
          this.aggregates.add(b.rows, rev)
          this.counterfactuals.store(b.shadows, rev)
          if (b.dropped) {
            this.meta.add('dropped_records', b.dropped.records)
            this.meta.add('dropped_batches', b.dropped.batches)
          }
        })
      } catch (err) {
        // The transaction rolled back; the caches may hold merges that never landed.
        this.aggregates.forget()
        this.meta.forget()
        throw err
      }
      await this.ensureAlarm()
      return { applied: true }
    })
  }

  /** Record outcomes (idempotent per request id and metric); refuse minutes already folded. */
  recordOutcomes(items: OutcomeItem[]): Promise<Result<OutcomeStatus[]>> {
    return resultOf('metrics shard outcomes', async () => this.outcomes.record(items))
  }

  /** Cumulative evidence for gates: rows of epochs in [minEpoch, maxEpoch], outcomes matured by `now`. */
  stageSummary(q: StageQuery): Promise<Result<ShardSummary>> {
    return resultOf('metrics shard summary', async () => {
      for (const m of q.metrics) this.outcomes.fold(m.name, q.now - m.windowMs)
      return readSummary(this.sql, q)
    })
  }

  /** Rows changed since `cursor` (a revision number), for the D1 rollup. Ack with `ackExport`. */
  exportSince(cursor: number, limit = 500): Promise<Result<ExportBatch>> {
    return resultOf('metrics shard export', async () => readExport(this.sql, cursor, limit))
  }

  ackExport(cursor: number): Promise<Result<void>> {
    return resultOf('metrics shard ack', async () => {
      this.meta.raise('exported', cursor)
      this.sql.exec('DELETE FROM samples WHERE rev <= ?', cursor)
    })
  }

  exportCursor(): Promise<Result<number>> {
    return resultOf('metrics shard cursor', async () => this.meta.value('exported'))
  }

  /** Monotonic totals per (version, arm), and the measurements isolates lost, for Prometheus. */
  totals(): Promise<Result<ShardTotals>> {
    return resultOf('metrics shard totals', async () => ({
      rows: this.sql
        .exec<{ version: string; arm: string; data: string }>('SELECT * FROM totals')
        .toArray()
        .map((r) => ({ version: r.version, arm: r.arm, totals: JSON.parse(r.data) as Totals })),
      dropped: { records: this.meta.value('dropped_records'), batches: this.meta.value('dropped_batches') },
    }))
  }

  override async alarm(): Promise<void> {
    const now = Date.now()
    const exported = this.meta.value('exported')
    const minFold = this.sql.exec<{ m: number | null }>('SELECT min(upto) AS m FROM folds').one().m
    const keepMinute = minuteOf(now - AGG_RETENTION_MS)
    // History rows leave once D1 has them, they are old, and every metric has folded them.
    this.sql.exec(
      'DELETE FROM agg WHERE rev <= ? AND minute < ? AND minute <= ?',
      exported,
      keepMinute,
      minFold ?? Number.MAX_SAFE_INTEGER,
    )
    this.sql.exec(
      'DELETE FROM outcome WHERE rev <= ? AND minute < ? AND minute <= (SELECT upto FROM folds WHERE folds.metric = outcome.metric)',
      exported,
      keepMinute,
    )
    this.sql.exec('DELETE FROM batches WHERE at < ?', now - BATCH_MEMORY_MS)
    this.sql.exec('DELETE FROM seen WHERE minute <= (SELECT upto FROM folds WHERE folds.metric = seen.metric)')
    this.sql.exec('DELETE FROM pairs WHERE minute < ?', minuteOf(now - PAIR_RETENTION_MS))
    this.sql.exec('DELETE FROM cf_pending WHERE at < ?', now - 2 * PENDING_CF_MS)
    await this.ctx.storage.setAlarm(now + ALARM_EVERY_MS)
  }

  /** Once per object lifetime: alarm() re-arms itself, so a set alarm stays set. */
  private async ensureAlarm(): Promise<void> {
    if (this.alarmArmed) return
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + ALARM_EVERY_MS)
    this.alarmArmed = true
  }
}
