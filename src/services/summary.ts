/**
 * @module services/summary
 * Collects a model's cumulative measurements from all its shards.
 */
import type { ShardSummary, StageQuery } from '../adapters/do/metrics-shard'
import { mergeSummaries, type MergedSummary } from '../core/metrics/summary'
import type { Env } from '../env'
import { shardStub } from './measurement'

export async function collectSummary(env: Env, model: string, shards: number, q: StageQuery): Promise<MergedSummary> {
  const parts = await Promise.all(
    Array.from({ length: shards }, (_, s) => shardStub(env, model, s).stageSummary(q) as Promise<ShardSummary>),
  )
  return mergeSummaries(parts)
}
