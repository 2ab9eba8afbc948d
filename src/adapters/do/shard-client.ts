/**
 * @module adapters/do/shard-client
 * The RPC contract of a metrics shard (`durable-objects/metrics-shard` implements it) and the one
 * way to reach a shard: by model and shard number.
 */
import type { Result } from '../../core/errors'
import type { Measurement, MeasurementBatch } from '../../core/metrics/aggregate'
import type { OutcomeItem, OutcomeStatus } from '../../core/metrics/outcomes'
import type { Totals } from '../../core/metrics/prometheus'
import type { ExportBatch, ShardSummary, StageQuery } from '../../core/metrics/shard-data'
import { shardName } from '../../core/metrics/shards'
import { unwrapped, type StubSource, type Unwrapped } from './unwrapped'

export interface ShardRpc {
  /** Applies a batch once; a replayed batch id changes nothing (`applied: false`). */
  ingest(batchId: string, batch: MeasurementBatch | Measurement[]): Promise<Result<{ applied: boolean }>>
  recordOutcomes(items: OutcomeItem[]): Promise<Result<OutcomeStatus[]>>
  stageSummary(q: StageQuery): Promise<Result<ShardSummary>>
  exportSince(cursor: number, limit?: number): Promise<Result<ExportBatch>>
  ackExport(cursor: number): Promise<Result<void>>
  exportCursor(): Promise<Result<number>>
  totals(): Promise<Result<Array<{ version: string; arm: string; totals: Totals }>>>
}

export type ShardClient = Unwrapped<ShardRpc>

/** The shard named `name` (`<model>#<n>`, see core/metrics/shards). */
export function shardByName(ns: StubSource, name: string): ShardClient {
  return unwrapped(ns.get(ns.idFromName(name)) as unknown as ShardRpc)
}

export function shardClient(ns: StubSource, model: string, shard: number): ShardClient {
  return shardByName(ns, shardName(model, shard))
}
