/**
 * @module gateway/isolate-cache
 * The per-isolate snapshot cache instance. Module scope is isolate scope on Workers: every request
 * served by this isolate shares it, and the admin path updates it after publishing.
 */
import { readCurrentSnapshot } from '../adapters/kv/routing-snapshot-store'
import { settingsOf, type Env } from '../env'
import { SnapshotCache } from './snapshot-cache'

let cache: SnapshotCache | null = null
let boundTo: KVNamespace | null = null

export function snapshotCacheFor(env: Env): SnapshotCache {
  if (cache === null || boundTo !== env.ROUTING) {
    const kv = env.ROUTING
    cache = new SnapshotCache({
      ttlMs: settingsOf(env).snapshotTtlMs,
      now: () => Date.now(),
      read: (model) => readCurrentSnapshot(kv, model),
    })
    boundTo = kv
  }
  return cache
}
