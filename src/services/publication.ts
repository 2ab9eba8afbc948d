/**
 * @module services/publication
 * How a coordinator publishes routing snapshots to the edge: the door to KV for writers (the data
 * plane reads through its snapshot cache).
 */
import { currentKey, writeCurrentSnapshot, writeEpochSnapshot } from '../adapters/kv/routing-snapshot-store'
import { listTicking, markTicking } from '../adapters/kv/tick-index'
import type { RoutingSnapshot } from '../schemas/routing'

export interface RoutingPublication {
  writeEpoch(snapshot: RoutingSnapshot): Promise<void>
  writeCurrent(snapshot: RoutingSnapshot): Promise<void>
  /** The epoch the edge's current snapshot carries, or null when there is none. */
  liveEpoch(model: string): Promise<number | null>
}

/** Which models want gate ticks: written by their coordinators, read by the cron when D1 fails. */
export interface TickIndex {
  mark(model: string, ticking: boolean): Promise<void>
  list(): Promise<string[]>
}

export function kvTickIndex(kv: KVNamespace): TickIndex {
  return { mark: (model, on) => markTicking(kv, model, on), list: () => listTicking(kv) }
}

export function kvPublication(kv: KVNamespace): RoutingPublication {
  return {
    writeEpoch: (s) => writeEpochSnapshot(kv, s),
    writeCurrent: (s) => writeCurrentSnapshot(kv, s),
    liveEpoch: async (model) => {
      const live = await kv.getWithMetadata<{ epoch?: number }>(currentKey(model))
      return live.metadata?.epoch ?? null
    },
  }
}
