import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type {
  Measurement,
  MeasurementBatch,
  RequestMeasurement,
  ShadowMeasurement,
} from '../../../src/core/metrics/aggregate'
import { shardName, shardOf } from '../../../src/core/metrics/shards'
import { MeasurementRecorder } from '../../../src/data-plane/recorder'

interface Call {
  shard: string
  batchId: string
  batch: MeasurementBatch
}

/** A shipping function that records every batch it is given (and can fail the first ones). */
function fakeShards(failFirst = 0) {
  const calls: Call[] = []
  // Every id ship was called with, failed attempts included.
  const attemptIds: string[] = []
  let failures = failFirst
  const ship = async (shard: string, batchId: string, batch: MeasurementBatch) => {
    attemptIds.push(batchId)
    if (failures-- > 0) throw new Error('shard unavailable')
    calls.push({ shard, batchId, batch })
  }
  return { ship, calls, attemptIds }
}

const AT = 1_790_000_040_000
const request = (requestId: string, over: Partial<RequestMeasurement> = {}): Measurement => ({
  type: 'request',
  requestId,
  at: AT,
  epoch: 3,
  version: 'v1',
  arm: 'champion',
  segment: '',
  status: 200,
  outcome: 'response',
  latencyMs: 12,
  fallback: null,
  ...over,
})
const shadow = (requestId: string): ShadowMeasurement => ({
  type: 'shadow',
  requestId,
  at: AT,
  epoch: 3,
  version: 'v2',
  verdict: 'agree',
  latencyMs: 20,
  championOutput: 'a',
  shadowOutput: 'a',
})

/** Requests per row key over every call, e.g. { 'v1|champion': 3 }. */
function requestsByVersion(calls: Call[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const c of calls)
    for (const r of c.batch.rows)
      out[`${r.key.version}|${r.key.arm}`] = (out[`${r.key.version}|${r.key.arm}`] ?? 0) + r.agg.requests
  return out
}

describe('MeasurementRecorder', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('gives the batch promise to the request that opened the batch only, and flushes it as rows on its timer', async () => {
    const { ship, calls } = fakeShards()
    const recorder = new MeasurementRecorder({ flushMs: 100, maxBatch: 10, ship })
    const owner = recorder.add('m', 1, request('r1'))
    expect(owner).toBeInstanceOf(Promise)
    expect(recorder.add('m', 1, request('r2', { latencyMs: 30 }))).toBeNull()
    expect(recorder.add('m', 1, request('r3', { status: 503 }))).toBeNull()
    expect(calls).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(100)
    await owner
    expect(calls).toHaveLength(1)
    const [call] = calls
    expect(call!.shard).toBe('m#0')
    expect(call!.batchId).toMatch(/^bat_/)
    expect(call!.batch.shadows).toEqual([])
    expect(call!.batch.rows).toHaveLength(1)
    const row = call!.batch.rows[0]!
    expect(row.key).toEqual({ minute: Math.floor(AT / 60_000), epoch: 3, version: 'v1', arm: 'champion', segment: '' })
    expect(row.agg).toMatchObject({ requests: 3, s2xx: 2, s5xx: 1 })
    expect(row.agg.latency.count).toBe(3)
    // Exact Prometheus buckets travel with the row: 12, 30 and 12 ms.
    expect(row.prom).toMatchObject({ latencyCount: 3, latencySumMs: 54 })
    expect(recorder.stats).toMatchObject({ batches: 1, records: 3, retries: 0, dropped: 0 })
    // The next record opens a new batch with a new owner.
    expect(recorder.add('m', 1, request('r4'))).toBeInstanceOf(Promise)
  })

  it('closes a full batch to new records; the owner still flushes it, the next record owns a new one', async () => {
    const { ship, calls } = fakeShards()
    const recorder = new MeasurementRecorder({ flushMs: 100, maxBatch: 2, ship })
    const first = recorder.add('m', 1, request('a'))
    expect(recorder.add('m', 1, request('b'))).toBeNull()
    const second = recorder.add('m', 1, request('c'))
    expect(second).toBeInstanceOf(Promise)
    await vi.advanceTimersByTimeAsync(100)
    await Promise.all([first, second])
    expect(calls.map((c) => c.batch.rows[0]!.agg.requests)).toEqual([2, 1])
  })

  it('puts request counts in one batch per model on a random shard, and shadow copies on the shard of their request id', async () => {
    const { ship, calls } = fakeShards()
    const recorder = new MeasurementRecorder({ flushMs: 50, maxBatch: 1_000, random: () => 0.6, ship })
    const ids = Array.from({ length: 40 }, (_, i) => `req-${i}`)
    const owners = [
      ...ids.map((id) =>
        recorder.add(
          id.endsWith('7') ? 'other' : 'm',
          4,
          request(id, id.endsWith('3') ? { version: 'v2', arm: 'challenger' } : {}),
        ),
      ),
      ...ids.slice(0, 8).map((id) => recorder.add('m', 4, shadow(id))),
    ].filter((p) => p !== null)
    await vi.advanceTimersByTimeAsync(50)
    await Promise.all(owners)
    expect(owners.length).toBe(calls.length)
    // random 0.6 of 4 shards → shard 2 takes every request count of each model.
    const requestCalls = calls.filter((c) => c.batch.rows.some((r) => r.key.arm !== 'shadow'))
    expect(requestCalls.map((c) => c.shard).sort()).toEqual(['m#2', 'other#2'])
    expect(requestsByVersion(calls.filter((c) => c.shard.startsWith('m#')))).toEqual({
      'v1|champion': 32,
      'v2|challenger': 4,
      'v2|shadow': 0,
    })
    expect(requestsByVersion(calls.filter((c) => c.shard.startsWith('other#')))).toEqual({ 'v1|champion': 4 })
    for (const c of calls)
      for (const s of c.batch.shadows) expect(c.shard).toBe(shardName('m', shardOf(s.requestId, 4)))
    expect(calls.flatMap((c) => c.batch.shadows.map((s) => s.requestId)).sort()).toEqual(ids.slice(0, 8).sort())
    const shadowPairs = calls
      .flatMap((c) => c.batch.rows)
      .filter((r) => r.key.arm === 'shadow')
      .reduce((n, r) => n + r.agg.shadowPairs, 0)
    expect(shadowPairs).toBe(8)
  })

  it('retries a failed batch under the same id and settles the owner when it lands', async () => {
    const { ship, calls, attemptIds } = fakeShards(2)
    const recorder = new MeasurementRecorder({ flushMs: 10, maxBatch: 10, ship })
    const owner = recorder.add('m', 1, request('x'))
    await vi.advanceTimersByTimeAsync(10 + 50 + 200)
    await owner
    expect(calls).toHaveLength(1)
    expect(attemptIds).toEqual([calls[0]!.batchId, calls[0]!.batchId, calls[0]!.batchId])
    expect(recorder.stats).toMatchObject({ batches: 1, records: 1, retries: 2, dropped: 0 })
  })

  it('rejects the owner and counts the records dropped when every attempt fails', async () => {
    const { ship, calls } = fakeShards(100)
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const recorder = new MeasurementRecorder({ flushMs: 10, maxBatch: 10, ship })
    const owner = recorder.add('m', 1, request('x'))
    expect(recorder.add('m', 1, request('y'))).toBeNull()
    const settled = owner!.then(
      () => 'resolved',
      (e: Error) => e.message,
    )
    await vi.advanceTimersByTimeAsync(10 + 50 + 200 + 800 + 2_000)
    expect(await settled).toBe('shard unavailable')
    expect(calls).toHaveLength(0)
    expect(recorder.stats).toMatchObject({ batches: 0, dropped: 2, droppedBatches: 1, retries: 4 })
  })
})

describe('MeasurementRecorder: lost batches are reported by the next batch that lands', () => {
  const EVERY_RETRY = 10 + 50 + 200 + 800 + 2_000

  beforeEach(() => {
    vi.useFakeTimers()
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.restoreAllMocks()
  })

  /** A shard that is down while `down()` says so; records the batches that land. */
  function flakyShards(down: (shard: string) => boolean) {
    const calls: Call[] = []
    const ship = async (shard: string, batchId: string, batch: MeasurementBatch) => {
      if (down(shard)) throw new Error('shard unavailable')
      calls.push({ shard, batchId, batch: structuredClone(batch) })
    }
    return { ship, calls }
  }

  async function drop(recorder: MeasurementRecorder, model: string, n: number) {
    const owner = recorder.add(model, 1, request(`${model}-lost-0`))!
    for (let i = 1; i < n; i++) recorder.add(model, 1, request(`${model}-lost-${i}`))
    const settled = owner.catch(() => 'dropped')
    await vi.advanceTimersByTimeAsync(EVERY_RETRY)
    expect(await settled).toBe('dropped')
  }

  it("carries the model's dropped records and batches in its next batch, once", async () => {
    let isDown = true
    const { ship, calls } = flakyShards(() => isDown)
    const recorder = new MeasurementRecorder({ flushMs: 10, maxBatch: 100, ship })
    await drop(recorder, 'm', 3)
    expect(recorder.unreportedLoss('m')).toEqual({ records: 3, batches: 1 })
    isDown = false
    const next = recorder.add('m', 1, request('ok-1'))
    await vi.advanceTimersByTimeAsync(10)
    await next
    expect(calls).toHaveLength(1)
    expect(calls[0]!.batch.dropped).toEqual({ records: 3, batches: 1 })
    expect(recorder.unreportedLoss('m')).toBeNull()
    // Reported once: the batch after that carries nothing.
    const after = recorder.add('m', 1, request('ok-2'))
    await vi.advanceTimersByTimeAsync(10)
    await after
    expect(calls[1]!.batch.dropped).toBeUndefined()
  })

  it('keeps the counts of other models apart', async () => {
    let isDown = true
    const { ship, calls } = flakyShards(() => isDown)
    const recorder = new MeasurementRecorder({ flushMs: 10, maxBatch: 100, ship })
    await drop(recorder, 'a', 2)
    isDown = false
    const other = recorder.add('b', 1, request('b-1'))
    await vi.advanceTimersByTimeAsync(10)
    await other
    expect(calls[0]!.batch.dropped).toBeUndefined()
    expect(recorder.unreportedLoss('a')).toEqual({ records: 2, batches: 1 })
  })

  it('gives the counts back when the batch carrying them is dropped too, adding its own', async () => {
    let isDown = true
    const { ship, calls } = flakyShards(() => isDown)
    const recorder = new MeasurementRecorder({ flushMs: 10, maxBatch: 100, ship })
    await drop(recorder, 'm', 2)
    await drop(recorder, 'm', 1)
    expect(recorder.unreportedLoss('m')).toEqual({ records: 3, batches: 2 })
    isDown = false
    const next = recorder.add('m', 1, request('ok'))
    await vi.advanceTimersByTimeAsync(10)
    await next
    expect(calls[0]!.batch.dropped).toEqual({ records: 3, batches: 2 })
    expect(recorder.stats).toMatchObject({ dropped: 3, droppedBatches: 2 })
  })

  it('lets only one of two batches in flight carry the counts (no double report)', async () => {
    let isDown = true
    const { ship, calls } = flakyShards(() => isDown)
    const recorder = new MeasurementRecorder({ flushMs: 10, maxBatch: 100, ship, random: () => 0 })
    await drop(recorder, 'm', 2)
    isDown = false
    // A request batch on shard 0 and a shadow batch on its request id's shard leave together.
    const owners = [recorder.add('m', 4, request('r')), recorder.add('m', 4, shadow('s-2'))].filter((p) => p !== null)
    await vi.advanceTimersByTimeAsync(10)
    await Promise.all(owners)
    expect(calls.map((c) => c.shard).sort()).toEqual(['m#0', 'm#1'])
    const carried = calls.map((c) => c.batch.dropped).filter((d) => d !== undefined)
    expect(carried).toEqual([{ records: 2, batches: 1 }])
  })
})
