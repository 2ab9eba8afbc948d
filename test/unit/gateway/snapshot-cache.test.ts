import { describe, expect, it } from 'vitest'
import { DomainError } from '../../../src/core/errors'
import type { SnapshotRead } from '../../../src/adapters/kv/routing-snapshot-store'
import { SnapshotCache } from '../../../src/gateway/snapshot-cache'
import { snapshotWith } from '../core/routing/fixtures'

function harness(initial: SnapshotRead) {
  let now = 0
  let next: SnapshotRead = initial
  const deferred: Promise<unknown>[] = []
  const cache = new SnapshotCache({ ttlMs: 1000, now: () => now, read: async () => next })
  return {
    cache,
    set: (r: SnapshotRead) => (next = r),
    tick: (ms: number) => (now += ms),
    get: () => cache.get('m', (p) => deferred.push(p)),
    settle: () => Promise.all(deferred.splice(0)),
  }
}

const snap = (epoch: number) => ({ ...snapshotWith({ champion: 'v1' }), epoch })

describe('snapshot cache', () => {
  it('reads KV once per TTL and serves from memory in between', async () => {
    const h = harness({ kind: 'found', snapshot: snap(1) })
    await Promise.all([h.get(), h.get(), h.get()]) // concurrent cold reads are single-flight
    expect(h.cache.reads).toBe(1)
    h.tick(999)
    await h.get()
    expect(h.cache.reads).toBe(1)
  })

  it('peeks a fresh snapshot synchronously and leaves everything else to get', async () => {
    const h = harness({ kind: 'found', snapshot: snap(1) })
    expect(h.cache.peek('m')).toBeUndefined() // nothing cached yet
    await h.get()
    expect(h.cache.peek('m')!.epoch).toBe(1)
    h.tick(999)
    expect(h.cache.peek('m')!.epoch).toBe(1)
    h.tick(1)
    expect(h.cache.peek('m')).toBeUndefined() // stale: get serves it and refreshes
    expect(h.cache.reads).toBe(1)
    const missing = harness({ kind: 'missing' })
    expect(await missing.get()).toBeNull()
    expect(missing.cache.peek('m')).toBeUndefined() // a cached "not found" goes through get too
  })

  it('serves the stale snapshot while one background refresh runs', async () => {
    const h = harness({ kind: 'found', snapshot: snap(1) })
    await h.get()
    h.set({ kind: 'found', snapshot: snap(2) })
    h.tick(1000)
    const stale = h.get()
    const again = h.get() // while the refresh is in flight: no second KV read
    expect((await stale)!.epoch).toBe(1)
    await again
    await h.settle()
    expect(h.cache.reads).toBe(2)
    expect((await h.get())!.epoch).toBe(2)
  })

  it('keeps serving the last good snapshot when KV fails or returns garbage', async () => {
    const h = harness({ kind: 'found', snapshot: snap(3) })
    await h.get()
    h.set({ kind: 'error', reason: 'KV down' })
    h.tick(1000)
    await h.get()
    await h.settle()
    h.tick(1000)
    expect((await h.get())!.epoch).toBe(3)
    h.set({ kind: 'missing' })
    await h.settle()
    h.tick(1000)
    await h.get()
    await h.settle()
    expect((await h.get())!.epoch).toBe(3)
  })

  it('reports 503 snapshot_unavailable only when it never had a snapshot', async () => {
    const h = harness({ kind: 'error', reason: 'KV down' })
    await expect(h.get()).rejects.toSatisfy((e: unknown) => e instanceof DomainError && e.code === 'snapshot_unavailable')
  })

  it('caches "not found" for one TTL, then looks again without serving it stale', async () => {
    const h = harness({ kind: 'missing' })
    expect(await h.get()).toBeNull()
    h.set({ kind: 'found', snapshot: snap(1) })
    expect(await h.get()).toBeNull()
    h.tick(1000)
    expect((await h.get())!.epoch).toBe(1)
  })

  it('never goes back to an older epoch (a lagging KV edge after a local rollback)', async () => {
    const h = harness({ kind: 'found', snapshot: snap(4) })
    await h.get()
    h.cache.put(snap(5))
    h.tick(1000)
    await h.get()
    await h.settle()
    expect((await h.get())!.epoch).toBe(5)
    h.cache.put(snap(3))
    expect((await h.get())!.epoch).toBe(5)
  })
})
