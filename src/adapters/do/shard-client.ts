/**
 * @module adapters/do/shard-client
 * The RPC contract of a metrics shard (`durable-objects/metrics-shard` implements it) and the one
 * way to reach a shard: by model and shard number.
 */
import type { Result } from '../../core/errors'
import type { Measurement, MeasurementBatch } from '../../core/metrics/aggregate'
import type { OutcomeItem, OutcomeStatus } from '../../core/metrics/outcomes'
import type { ExportBatch, ShardSummary, ShardTotals, StageQuery } from '../../core/metrics/shard-data'
import { shardName } from '../../core/metrics/shards'
import { DEFAULT_DEADLINE_MS, unwrapped, type StubSource, type Unwrapped } from './unwrapped'

export interface ShardRpc {
  /** Applies a batch once; a replayed batch id changes nothing (`applied: false`). */
  ingest(batchId: string, batch: MeasurementBatch | Measurement[]): Promise<Result<{ applied: boolean }>>
  recordOutcomes(items: OutcomeItem[]): Promise<Result<OutcomeStatus[]>>
  stageSummary(q: StageQuery): Promise<Result<ShardSummary>>
  exportSince(cursor: number, limit?: number): Promise<Result<ExportBatch>>
  ackExport(cursor: number): Promise<Result<void>>
  exportCursor(): Promise<Result<number>>
  /** Prometheus counters: totals per (version, arm) and the measurements isolates lost on the way. */
  totals(): Promise<Result<ShardTotals>>
  /**
   * Housekeeping after a rollup, at the caller's clock: folds `metrics` (the model's business
   * metrics; null = unknown) as of `now`, then deletes rows that are exported and no longer needed.
   */
  prune(now: number, metrics: StageQuery['metrics'] | null): Promise<Result<void>>
  /** Rows per table (a full count; for tests and operators). */
  tableCounts(): Promise<Result<Record<string, number>>>
}

export type ShardClient = Unwrapped<ShardRpc>

/** The shard named `name` (`<model>#<n>`, see core/metrics/shards). */
export function shardByName(ns: StubSource, name: string, deadlineMs = DEFAULT_DEADLINE_MS): ShardClient {
  return unwrapped(ns.get(ns.idFromName(name)) as unknown as ShardRpc, { what: `metrics shard ${name}`, deadlineMs })
}

export function shardClient(
  ns: StubSource,
  model: string,
  shard: number,
  deadlineMs = DEFAULT_DEADLINE_MS,
): ShardClient {
  return shardByName(ns, shardName(model, shard), deadlineMs)
}
