/**
 * @module core/metrics/shards
 * Which of a model's metrics shards a measurement belongs to. A request and its later outcome must
 * meet in the same shard (deduplication and shadow counterfactuals are local to it), so both are
 * placed by a hash of the request id.
 */
import { fnv1a32Utf8 } from '../routing/hash'

/** The shard of a request id among `shards`. */
export function shardOf(requestId: string, shards: number): number {
  return fnv1a32Utf8(requestId) % shards
}

/** The Durable Object name of shard `shard` of `model`. */
export function shardName(model: string, shard: number): string {
  return `${model}#${shard}`
}
