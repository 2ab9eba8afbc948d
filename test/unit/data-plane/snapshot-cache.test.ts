import { describe, expect, it } from 'vitest'
import { DomainError } from '../../../src/core/errors'
import type { SnapshotRead } from '../../../src/schemas/routing'
import { SnapshotCache } from '../../../src/data-plane/snapshot-cache'
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

  it('keeps serving the last good snapshot when the read fails (KV down, or a value that fails validation) or the key goes missing', async () => {
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
    await expect(h.get()).rejects.toSatisfy(
      (e: unknown) => e instanceof DomainError && e.code === 'snapshot_unavailable',
    )
  })

  it('remembers an outage for one TTL on a cold isolate: one KV read, 503 for every request meanwhile', async () => {
    const h = harness({ kind: 'error', reason: 'KV down' })
    const unavailable = (e: unknown) => e instanceof DomainError && e.code === 'snapshot_unavailable'
    for (let i = 0; i < 5; i++) await expect(h.get()).rejects.toSatisfy(unavailable)
    expect(h.cache.reads).toBe(1)
    h.set({ kind: 'found', snapshot: snap(1) })
    h.tick(1000)
    expect((await h.get())!.epoch).toBe(1)
    expect(h.cache.reads).toBe(2)
  })

  it('answers 503, not "not found", when KV fails after a cached "not found"', async () => {
    const h = harness({ kind: 'missing' })
    expect(await h.get()).toBeNull()
    h.set({ kind: 'error', reason: 'KV down' })
    h.tick(1000)
    await expect(h.get()).rejects.toSatisfy(
      (e: unknown) => e instanceof DomainError && e.code === 'snapshot_unavailable',
    )
  })

  it('does not hang on a read that never settles (its request was cancelled): later requests read again', async () => {
    let now = 0
    let calls = 0
    const cache = new SnapshotCache({
      ttlMs: 1000,
      now: () => now,
      waitMs: 20,
      read: () =>
        ++calls === 1
          ? new Promise<SnapshotRead>(() => undefined)
          : Promise.resolve({ kind: 'found', snapshot: snap(7) }),
    })
    void cache.get('m', () => undefined) // the first request's read hangs for good
    expect((await cache.get('m', () => undefined))!.epoch).toBe(7)
    expect(calls).toBe(2)
    // A background refresh that never settles is replaced once it is older than waitMs.
    let hanging = true
    const c2 = new SnapshotCache({
      ttlMs: 1000,
      now: () => now,
      waitMs: 20,
      read: () =>
        hanging ? new Promise<SnapshotRead>(() => undefined) : Promise.resolve({ kind: 'found', snapshot: snap(9) }),
    })
    c2.put(snap(8))
    now += 1000
    hanging = true
    const deferred: Promise<unknown>[] = []
    expect((await c2.get('m', (p) => deferred.push(p)))!.epoch).toBe(8) // stale, refresh started (hangs)
    hanging = false
    now += 10
    await c2.get('m', (p) => deferred.push(p)) // still within waitMs: no second read
    expect(c2.reads).toBe(1)
    now += 20
    await c2.get('m', (p) => deferred.push(p)) // the hung refresh counts as lost: read again
    await deferred.at(-1)
    expect(c2.reads).toBe(2)
    expect((await c2.get('m', () => undefined))!.epoch).toBe(9)
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
