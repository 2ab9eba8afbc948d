/**
 * @module adapters/kv/routing-snapshot-store
 * KV layout for published routing snapshots, and the one place that knows it.
 *
 * - `routing/<model>/epoch/<n>`: every snapshot, immutable, written once (history and diagnosis).
 * - `routing/<model>/current`: the latest snapshot inline, so the data plane needs exactly one KV
 *   read per isolate per cache TTL. Only the model's coordinator writes it, at most once per second
 *   (KV's per-key write limit; see `core/routing/publish-pacer.ts`).
 * Reads go through the zod schema: a malformed value is treated like a KV failure, never routed on.
 */
import { RoutingSnapshot, type SnapshotRead } from '../../schemas/routing'

/** KV's minimum edge cacheTtl (seconds); miniflare validates the same floor. */
export const KV_CACHE_TTL_SECONDS = 30

export const currentKey = (model: string) => `routing/${model}/current`
export const epochKey = (model: string, epoch: number) => `routing/${model}/epoch/${epoch}`

export async function readCurrentSnapshot(kv: KVNamespace, model: string): Promise<SnapshotRead> {
  let raw: unknown
  try {
    raw = await kv.get(currentKey(model), { type: 'json', cacheTtl: KV_CACHE_TTL_SECONDS })
  } catch (err) {
    return { kind: 'error', reason: `KV read failed: ${(err as Error).message}` }
  }
  if (raw === null) return { kind: 'missing' }
  const parsed = RoutingSnapshot.safeParse(raw)
  if (!parsed.success) return { kind: 'error', reason: `snapshot for ${model} failed validation` }
  return { kind: 'found', snapshot: parsed.data }
}

export async function writeEpochSnapshot(kv: KVNamespace, snapshot: RoutingSnapshot): Promise<void> {
  await kv.put(epochKey(snapshot.model, snapshot.epoch), JSON.stringify(snapshot))
}

export async function writeCurrentSnapshot(kv: KVNamespace, snapshot: RoutingSnapshot): Promise<void> {
  await kv.put(currentKey(snapshot.model), JSON.stringify(snapshot), {
    metadata: { epoch: snapshot.epoch },
  })
}
