import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DeadlineExceeded, withDeadline } from '../../../src/core/deadline'

/** A promise settled by hand, for calls that answer late or never. */
function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** What a promise has done so far: checked without waiting for it. */
function track<T>(p: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false }
  p.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  )
  return state
}

beforeEach(() => {
  vi.useFakeTimers()
})

afterEach(() => {
  vi.useRealTimers()
})

describe('withDeadline', () => {
  it('answers the value of a call that resolves in time, and leaves no timer behind', async () => {
    const call = deferred<string>()
    const out = withDeadline(call.promise, 1_000, 'the test call')
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(999)
    call.resolve('ok')
    await expect(out).resolves.toBe('ok')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('passes the rejection of a call that fails in time through unchanged, and clears its timer', async () => {
    const boom = new TypeError('connection reset')
    const out = withDeadline(Promise.reject(boom), 1_000, 'the test call')
    await expect(out).rejects.toBe(boom)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('rejects with DeadlineExceeded exactly when the deadline passes, naming the call and the deadline', async () => {
    const call = deferred<string>()
    const state = track(withDeadline(call.promise, 250, 'the KV read'))
    await vi.advanceTimersByTimeAsync(249)
    expect(state.settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(state.settled).toBe(true)
    const err = state.error
    expect(err).toBeInstanceOf(DeadlineExceeded)
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({
      name: 'DeadlineExceeded',
      what: 'the KV read',
      ms: 250,
      message: 'the KV read did not answer within 250 ms',
    })
    expect(vi.getTimerCount()).toBe(0)
  })

  it('drops a late answer after the deadline: the caller keeps the DeadlineExceeded', async () => {
    const call = deferred<string>()
    const out = withDeadline(call.promise, 100, 'a slow call')
    const state = track(out)
    await vi.advanceTimersByTimeAsync(100)
    call.resolve('too late')
    await vi.advanceTimersByTimeAsync(0)
    expect(state.error).toBeInstanceOf(DeadlineExceeded)
    expect(state.value).toBeUndefined()
    // A late rejection is swallowed too (no unhandled rejection from the call).
    const late = deferred<string>()
    const out2 = withDeadline(late.promise, 100, 'another call')
    const state2 = track(out2)
    await vi.advanceTimersByTimeAsync(100)
    late.reject(new Error('late failure'))
    await vi.advanceTimersByTimeAsync(0)
    expect(state2.error).toBeInstanceOf(DeadlineExceeded)
  })

  it('sets no timer at all when the deadline is not finite', async () => {
    const call = deferred<number>()
    const out = withDeadline(call.promise, Number.POSITIVE_INFINITY, 'unbounded')
    expect(out).toBe(call.promise)
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(24 * 3_600_000)
    call.resolve(7)
    await expect(out).resolves.toBe(7)
    expect(withDeadline(call.promise, Number.NaN, 'nan')).toBe(call.promise)
  })

  it('leaves no timer behind for many calls settled in time', async () => {
    const calls = Array.from({ length: 50 }, () => deferred<number>())
    const outs = calls.map((c, i) => withDeadline(c.promise, 1_000 + i, `call ${i}`))
    expect(vi.getTimerCount()).toBe(50)
    calls.forEach((c, i) => (i % 2 === 0 ? c.resolve(i) : c.reject(new Error(`no ${i}`))))
    const results = await Promise.allSettled(outs)
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(25)
    expect(vi.getTimerCount()).toBe(0)
  })
})
