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
  type Measurement,
  type MeasurementBatch,
  type ShadowMeasurement,
} from '../../core/metrics/aggregate'
import type { OutcomeItem, OutcomeStatus } from '../../core/metrics/outcomes'
import type { Totals } from '../../core/metrics/prometheus'
import type { ConflictTotal, ExportBatch, ShardSummary, ShardTotals, StageQuery } from '../../core/metrics/shard-data'
import type { ShardRpc } from '../../adapters/do/shard-client'
import { resultOf } from '../rpc'
import { ShardAggregates } from './aggregates'
import { ShardCounterfactuals } from './counterfactual'
import { ShardOutcomes } from './outcomes'
import { readExport, readSummary } from './reads'
import { pruneShard } from './retention'
import { createTables, migrateTables, ShardMeta, tableCounts } from './tables'

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
    migrateTables(ctx.storage)
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

  /**
   * Monotonic totals per (version, arm), the measurements isolates lost, and the contradicted
   * outcomes per (version, arm, metric) (summed over epochs: retention keeps every epoch's row), for
   * Prometheus.
   */
  totals(): Promise<Result<ShardTotals>> {
    return resultOf('metrics shard totals', async () => ({
      rows: this.sql
        .exec<{ version: string; arm: string; data: string }>('SELECT * FROM totals')
        .toArray()
        .map((r) => ({ version: r.version, arm: r.arm, totals: JSON.parse(r.data) as Totals })),
      dropped: { records: this.meta.value('dropped_records'), batches: this.meta.value('dropped_batches') },
      conflicts: this.sql
        .exec<ConflictTotal & Record<string, SqlStorageValue>>(
          'SELECT version, arm, metric, sum(conflicts) AS conflicts FROM outcome_cum GROUP BY version, arm, metric',
        )
        .toArray(),
    }))
  }

  /**
   * After a rollup, at the caller's clock: folds the model's business metrics whose window has
   * passed by `now` (what a gate reading now would fold), so their rows stop being needed even when
   * no rollout reads them, then deletes what is exported and no longer needed (./retention).
   * `metrics` null = unknown: nothing is folded and only rows no window could need go.
   */
  prune(now: number, metrics: StageQuery['metrics'] | null): Promise<Result<void>> {
    return resultOf('metrics shard prune', async () => {
      for (const m of metrics ?? []) this.outcomes.fold(m.name, now - m.windowMs)
      pruneShard(this.ctx.storage, this.meta, now, metrics === null ? null : metrics.map((m) => m.name))
    })
  }

  /** Rows per table (a full count; for tests and operators). */
  tableCounts(): Promise<Result<Record<string, number>>> {
    return resultOf('metrics shard table counts', async () => tableCounts(this.sql))
  }

  /** The backstop for a shard no rollup reaches any more (e.g. above a lowered shard count). */
  override async alarm(): Promise<void> {
    const now = Date.now()
    pruneShard(this.ctx.storage, this.meta, now, null)
    await this.ctx.storage.setAlarm(now + ALARM_EVERY_MS)
  }

  /** Once per object lifetime: alarm() re-arms itself, so a set alarm stays set. */
  private async ensureAlarm(): Promise<void> {
    if (this.alarmArmed) return
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + ALARM_EVERY_MS)
    this.alarmArmed = true
  }
}
