import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Measurement } from '../../../src/core/metrics/aggregate'
import type { Env } from '../../../src/env'
import { MeasurementRecorder, shardName, shardOf } from '../../../src/measure/recorder'

/** A METRICS_SHARD namespace whose stubs record every ingest call (and can fail the first ones). */
function fakeShards(failFirst = 0) {
  const calls: Array<{ shard: string; batchId: string; requestIds: string[] }> = []
  let failures = failFirst
  const env = {
    METRICS_SHARD: {
      idFromName: (name: string) => name,
      get: (id: string) => ({
        ingest: async (batchId: string, items: Measurement[]) => {
          if (failures-- > 0) throw new Error('shard unavailable')
          calls.push({ shard: id, batchId, requestIds: items.map((m) => m.requestId) })
        },
      }),
    },
  } as unknown as Env
  return { env, calls }
}

const measurement = (requestId: string) => ({ type: 'request', requestId }) as unknown as Measurement

describe('MeasurementRecorder', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('gives the batch promise to the request that opened the batch only, and flushes on its timer', async () => {
    const { env, calls } = fakeShards()
    const recorder = new MeasurementRecorder({ flushMs: 100, maxBatch: 10 })
    const owner = recorder.add(env, 'm', 1, measurement('r1'))
    expect(owner).toBeInstanceOf(Promise)
    expect(recorder.add(env, 'm', 1, measurement('r2'))).toBeNull()
    expect(recorder.add(env, 'm', 1, measurement('r3'))).toBeNull()
    expect(calls).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(100)
    await owner
    expect(calls).toEqual([{ shard: 'm#0', batchId: expect.stringMatching(/^bat_/), requestIds: ['r1', 'r2', 'r3'] }])
    expect(recorder.stats).toMatchObject({ batches: 1, records: 3, retries: 0, dropped: 0 })
    // The next record opens a new batch with a new owner.
    expect(recorder.add(env, 'm', 1, measurement('r4'))).toBeInstanceOf(Promise)
  })

  it('closes a full batch to new records; the owner still flushes it, the next record owns a new one', async () => {
    const { env, calls } = fakeShards()
    const recorder = new MeasurementRecorder({ flushMs: 100, maxBatch: 2 })
    const first = recorder.add(env, 'm', 1, measurement('a'))
    expect(recorder.add(env, 'm', 1, measurement('b'))).toBeNull()
    const second = recorder.add(env, 'm', 1, measurement('c'))
    expect(second).toBeInstanceOf(Promise)
    await vi.advanceTimersByTimeAsync(100)
    await Promise.all([first, second])
    expect(calls.map((c) => c.requestIds)).toEqual([['a', 'b'], ['c']])
  })

  it('keeps batches per model and shard, sharding by request id', async () => {
    const { env, calls } = fakeShards()
    const recorder = new MeasurementRecorder({ flushMs: 50, maxBatch: 100 })
    const ids = Array.from({ length: 40 }, (_, i) => `req-${i}`)
    const owners = ids.map((id) => recorder.add(env, id.endsWith('7') ? 'other' : 'm', 4, measurement(id))).filter((p) => p !== null)
    await vi.advanceTimersByTimeAsync(50)
    await Promise.all(owners)
    expect(owners.length).toBe(calls.length)
    for (const c of calls) {
      for (const id of c.requestIds) expect(c.shard).toBe(shardName(id.endsWith('7') ? 'other' : 'm', shardOf(id, 4)))
    }
    expect(calls.flatMap((c) => c.requestIds).sort()).toEqual([...ids].sort())
  })

  it('retries a failed batch under the same id and settles the owner when it lands', async () => {
    const { env, calls } = fakeShards(2)
    const recorder = new MeasurementRecorder({ flushMs: 10, maxBatch: 10 })
    const owner = recorder.add(env, 'm', 1, measurement('x'))
    await vi.advanceTimersByTimeAsync(10 + 50 + 200)
    await owner
    expect(calls).toHaveLength(1)
    expect(recorder.stats).toMatchObject({ batches: 1, records: 1, retries: 2, dropped: 0 })
  })

  it('rejects the owner and counts the records dropped when every attempt fails', async () => {
    const { env, calls } = fakeShards(100)
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const recorder = new MeasurementRecorder({ flushMs: 10, maxBatch: 10 })
    const owner = recorder.add(env, 'm', 1, measurement('x'))
    expect(recorder.add(env, 'm', 1, measurement('y'))).toBeNull()
    const settled = owner!.then(
      () => 'resolved',
      (e: Error) => e.message
    )
    await vi.advanceTimersByTimeAsync(10 + 50 + 200 + 800 + 2_000)
    expect(await settled).toBe('shard unavailable')
    expect(calls).toHaveLength(0)
    expect(recorder.stats).toMatchObject({ batches: 0, dropped: 2, retries: 4 })
  })
})
