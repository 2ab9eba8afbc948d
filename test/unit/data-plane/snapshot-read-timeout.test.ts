/**
 * The snapshot cache's read deadline (data-plane/snapshot-cache, `readTimeoutMs`): a KV read that
 * hangs costs the request that started it a 503 `snapshot_unavailable` within the deadline, never
 * a hung request, and every later read (a retry after the TTL, a background refresh, a read a
 * request starts after giving up on another's) is bounded the same way.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DomainError } from '../../../src/core/errors'
import { SnapshotCache, type SnapshotCacheOptions } from '../../../src/data-plane/snapshot-cache'
import type { SnapshotRead } from '../../../src/schemas/routing'
import { snapshotWith } from '../core/routing/fixtures'

const snap = (epoch: number) => ({ ...snapshotWith({ champion: 'v1' }), epoch })

const TTL = 1_000
const READ_TIMEOUT = 300

/** A cache over a KV whose reads hang until told otherwise; the clock is the fake timers'. */
function harness(opts: Partial<SnapshotCacheOptions> = {}) {
  const kv = { next: 'hang' as SnapshotRead | 'hang', started: [] as number[] }
  const cache = new SnapshotCache({
    ttlMs: TTL,
    now: () => Date.now(),
    readTimeoutMs: READ_TIMEOUT,
    read: () => {
      kv.started.push(Date.now())
      return kv.next === 'hang' ? new Promise<SnapshotRead>(() => undefined) : Promise.resolve(kv.next)
    },
    ...opts,
  })
  const deferred: Promise<unknown>[] = []
  /** One request's lookup, observed without awaiting it. */
  const request = () => {
    const out: { settled: boolean; value?: unknown; error?: unknown; at?: number } = { settled: false }
    cache
      .get('m', (p) => deferred.push(p))
      .then(
        (value) => Object.assign(out, { settled: true, value, at: Date.now() }),
        (error: unknown) => Object.assign(out, { settled: true, error, at: Date.now() }),
      )
    return out
  }
  return { cache, kv, request, deferred }
}

function expectUnavailable(r: { settled: boolean; error?: unknown }): void {
  expect(r.settled).toBe(true)
  expect(r.error).toBeInstanceOf(DomainError)
  expect((r.error as DomainError).code).toBe('snapshot_unavailable')
}

const START = Date.UTC(2026, 2, 2, 9, 0, 0)

beforeEach(() => {
  vi.useFakeTimers({ now: START })
})

afterEach(() => {
  vi.useRealTimers()
})

describe('a hanging KV read on a cold isolate', () => {
  it('answers the request that started the read 503 snapshot_unavailable at the read deadline, not before', async () => {
    const h = harness()
    const first = h.request()
    await vi.advanceTimersByTimeAsync(READ_TIMEOUT - 1)
    expect(first.settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expectUnavailable(first)
    expect(first.at).toBe(START + READ_TIMEOUT)
    expect((first.error as DomainError).detail).toContain(`did not answer within ${READ_TIMEOUT} ms`)
    expect(h.cache.reads).toBe(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('requests that came meanwhile share that read and its 503; within the TTL no new read, an immediate 503', async () => {
    const h = harness()
    const first = h.request()
    await vi.advanceTimersByTimeAsync(100)
    const second = h.request()
    await vi.advanceTimersByTimeAsync(READ_TIMEOUT - 100)
    expectUnavailable(first)
    expectUnavailable(second)
    const third = h.request()
    await vi.advanceTimersByTimeAsync(0)
    expectUnavailable(third)
    expect(third.at).toBe(START + READ_TIMEOUT)
    expect(h.cache.reads).toBe(1)
  })

  it('each retry after the TTL is bounded too, and KV coming back ends the outage', async () => {
    const h = harness()
    h.request()
    await vi.advanceTimersByTimeAsync(READ_TIMEOUT)
    await vi.advanceTimersByTimeAsync(TTL) // the remembered outage expires
    const retry = h.request()
    await vi.advanceTimersByTimeAsync(READ_TIMEOUT - 1)
    expect(retry.settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expectUnavailable(retry)
    expect(h.cache.reads).toBe(2)
    expect(h.kv.started).toEqual([START, START + READ_TIMEOUT + TTL])
    await vi.advanceTimersByTimeAsync(TTL)
    h.kv.next = { kind: 'found', snapshot: snap(4) }
    const healed = h.request()
    await vi.advanceTimersByTimeAsync(0)
    expect(healed.value).toMatchObject({ epoch: 4 })
    expect(h.cache.reads).toBe(3)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a request that gives up waiting on another read starts its own, with its own deadline', async () => {
    // The read deadline is longer than the wait for another request's read.
    const h = harness({ readTimeoutMs: 5_000, waitMs: 20 })
    const first = h.request()
    const second = h.request()
    await vi.advanceTimersByTimeAsync(20)
    expect(h.cache.reads).toBe(2) // the second request read on its own after 20 ms
    await vi.advanceTimersByTimeAsync(4_979)
    expect(first.settled).toBe(false)
    expect(second.settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expectUnavailable(first)
    expect(first.at).toBe(START + 5_000)
    await vi.advanceTimersByTimeAsync(20)
    expectUnavailable(second)
    expect(second.at).toBe(START + 5_020)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('the deadline defaults to 2 s', async () => {
    const h = harness({ readTimeoutMs: undefined })
    const first = h.request()
    await vi.advanceTimersByTimeAsync(1_999)
    expect(first.settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expectUnavailable(first)
  })

  it('a read that answers in time is not affected by the deadline', async () => {
    const h = harness()
    h.kv.next = { kind: 'found', snapshot: snap(2) }
    const ok = h.request()
    await vi.advanceTimersByTimeAsync(0)
    expect(ok.value).toMatchObject({ epoch: 2 })
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(READ_TIMEOUT * 2)
    expect(ok.error).toBeUndefined()
  })
})

describe('a hanging background refresh', () => {
  it('serves the stale snapshot at once, gives the refresh up at the deadline, keeps the snapshot', async () => {
    const h = harness()
    h.cache.put(snap(5))
    await vi.advanceTimersByTimeAsync(TTL)
    const stale = h.request()
    await vi.advanceTimersByTimeAsync(0)
    expect(stale.value).toMatchObject({ epoch: 5 })
    expect(h.cache.reads).toBe(1)
    let refreshDone = false
    void Promise.all(h.deferred).then(() => (refreshDone = true))
    await vi.advanceTimersByTimeAsync(READ_TIMEOUT - 1)
    expect(refreshDone).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(refreshDone).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
    // The failed refresh keeps the last good snapshot, fresh for one more TTL: no read meanwhile.
    const after = h.request()
    await vi.advanceTimersByTimeAsync(0)
    expect(after.value).toMatchObject({ epoch: 5 })
    expect(h.cache.peek('m')).toMatchObject({ epoch: 5 })
    expect(h.cache.reads).toBe(1)
    // The next refresh, one TTL later, is bounded too.
    await vi.advanceTimersByTimeAsync(TTL)
    h.request()
    let secondDone = false
    void Promise.all(h.deferred).then(() => (secondDone = true))
    await vi.advanceTimersByTimeAsync(READ_TIMEOUT)
    expect(secondDone).toBe(true)
    expect(h.cache.reads).toBe(2)
    expect(vi.getTimerCount()).toBe(0)
  })
})
