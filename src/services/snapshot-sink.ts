/**
 * @module services/snapshot-sink
 * Where services put and read routing snapshots in this isolate: the data plane's snapshot cache,
 * handed in by the composition root (services never import the data plane).
 */
import type { RoutingSnapshot } from '../schemas/routing'

export interface SnapshotSink {
  /** Installs a snapshot known to be current (right after the coordinator published it). */
  put(snapshot: RoutingSnapshot): void
  /** The model's current snapshot, or null when it is not registered. */
  get(model: string, defer: (p: Promise<unknown>) => void): Promise<RoutingSnapshot | null>
}
