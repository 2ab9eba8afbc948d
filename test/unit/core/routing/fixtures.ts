import type { RoutingSnapshot, RoutingTable } from '../../../../src/schemas/routing'
import { layoutAfter } from '../../../../src/core/routing/layout'

export function snapshotWith(
  routing: Partial<RoutingTable> & { champion: string },
  salt = 'test-salt-1234',
): RoutingSnapshot {
  const table: RoutingTable = { weights: { [routing.champion]: 100 }, rules: [], shadow: null, ...routing }
  const versions: RoutingSnapshot['versions'] = {}
  for (const v of new Set([table.champion, ...Object.keys(table.weights), ...table.rules.map((r) => r.version)])) {
    versions[v] = { url: `http://127.0.0.1:1/${v}`, timeout_ms: 1000, stream_idle_timeout_ms: 30_000 }
  }
  return {
    schema: 1,
    model: 'm',
    epoch: 1,
    hash_version: 1,
    salt,
    unit_header: 'x-unit-id',
    fallback_to_champion: true,
    routing: table,
    versions,
    metrics: [],
    shadow_compare: null,
    metric_shards: 4,
    published_at: '2026-01-01T00:00:00.000Z',
    actor: 'test',
    reason: 'test',
  }
}

/**
 * Hash v2 snapshots of successive routing tables, each laid out from the one before as the registry
 * does on every routing change (core/routing/layout `layoutAfter`).
 */
export function publishedV2(
  tables: Array<Partial<RoutingTable> & { champion: string }>,
  salt = 'test-salt-1234',
): RoutingSnapshot[] {
  let previous: Pick<RoutingSnapshot, 'hash_version' | 'segments' | 'routing'> = { hash_version: 2, routing: null }
  return tables.map((t, i) => {
    const snap = snapshotWith(t, salt)
    const next: RoutingSnapshot = { ...snap, epoch: i + 1, ...layoutAfter(previous, snap.routing!) }
    previous = next
    return next
  })
}

export const noHeaders = () => null

/** Seeded uniform PRNG (mulberry32) for the "no unit key" path. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
