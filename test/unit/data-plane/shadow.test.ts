import { describe, expect, it, vi } from 'vitest'
import { runShadow, ShadowSlots, type ShadowDeps, type ShadowInput } from '../../../src/data-plane/shadow'

const stream = (text: string) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode(text))
      c.close()
    },
  })

function input(championBody: string, overrides: Partial<ShadowInput> = {}): ShadowInput {
  return {
    requestId: 'r1',
    at: 0,
    epoch: 3,
    model: 'm',
    version: 'v2',
    backend: { service: 'SVC', timeout_ms: 1000, stream_idle_timeout_ms: 30_000 },
    compare: { pointer: '/label', comparator: { kind: 'label' } },
    method: 'POST',
    headers: {},
    path: '/p',
    search: '',
    hops: 0,
    requestBody: stream('{"x":1}'),
    championBody: stream(championBody),
    championStatus: 200,
    ...overrides,
  }
}

/** A promise and whether it has settled yet, for stepping fake timers up to a deadline. */
function settledState<T>(promise: Promise<T>) {
  const state = { settled: false, promise }
  void promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  )
  return state
}

function deps(answer: () => Promise<Response>, overrides: Partial<ShadowDeps> = {}): ShadowDeps {
  return {
    timeoutMs: 200,
    slots: new ShadowSlots(10),
    captureBytes: 1 << 20,
    maxRequestBytes: 1 << 20,
    now: () => Date.now(),
    service: () => ({ fetch: answer }) as unknown as Fetcher,
    egress: () => ({ ok: true, allowedBy: null }),
    ...overrides,
  }
}

describe('runShadow', () => {
  it('pairs agreeing and diverging outputs and keeps both for counterfactual scoring', async () => {
    const agree = await runShadow(
      input('{"label":"a"}'),
      deps(async () => Response.json({ label: 'a' })),
    )
    expect(agree).toMatchObject({ type: 'shadow', verdict: 'agree', championOutput: 'a', shadowOutput: 'a', epoch: 3 })
    const diverge = await runShadow(
      input('{"label":"a"}'),
      deps(async () => Response.json({ label: 'b' })),
    )
    expect(diverge.verdict).toBe('diverge')
  })

  it('counts shadow failures as errors and champion failures as skipped', async () => {
    expect(
      (
        await runShadow(
          input('{"label":"a"}'),
          deps(async () => new Response('nope', { status: 500 })),
        )
      ).verdict,
    ).toBe('error')
    expect(
      (
        await runShadow(
          input('{"label":"a"}'),
          deps(async () => new Response('<html>')),
        )
      ).verdict,
    ).toBe('error')
    expect(
      (
        await runShadow(
          input('not json'),
          deps(async () => Response.json({ label: 'a' })),
        )
      ).verdict,
    ).toBe('skipped')
  })

  it('gives up on a hanging shadow at its own timeout', async () => {
    const hang = (_: unknown, init?: RequestInit) =>
      new Promise<Response>((_r, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))))
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      // The backend's own timeout (1 s) is longer: only the shadow's 50 ms can end this copy.
      const run = settledState(
        runShadow(input('{"label":"a"}'), deps(hang as () => Promise<Response>, { timeoutMs: 50 })),
      )
      await vi.advanceTimersByTimeAsync(49)
      expect(run.settled).toBe(false)
      await vi.advanceTimersByTimeAsync(1)
      expect(run.settled).toBe(true)
      expect((await run.promise).verdict).toBe('error')
    } finally {
      vi.useRealTimers()
    }
  })

  it('drops copies beyond the in-flight cap instead of queueing them', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const slow = async () => {
      await gate
      return Response.json({ label: 'a' })
    }
    const slots = new ShadowSlots(1)
    const first = runShadow(input('{"label":"a"}'), deps(slow, { slots }))
    const second = await runShadow(input('{"label":"a"}'), deps(slow, { slots }))
    expect(second.verdict).toBe('skipped')
    release()
    expect((await first).verdict).toBe('agree')
  })

  it('skips a pair whose shadow answer is above the capture limit, as it does for the champion', async () => {
    const big = JSON.stringify({ label: 'a', pad: 'x'.repeat(200) })
    const shadowBig = await runShadow(
      input('{"label":"a"}'),
      deps(async () => new Response(big), { captureBytes: 100 }),
    )
    const championBig = await runShadow(
      input(big),
      deps(async () => Response.json({ label: 'a' }), { captureBytes: 100 }),
    )
    expect([shadowBig.verdict, championBig.verdict]).toEqual(['skipped', 'skipped'])
    expect(shadowBig.latencyMs).not.toBeNull() // the shadow did answer
  })

  it('ends in a measurement when the champion body breaks off or the request body fails', async () => {
    const broken = () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode('{"lab'))
          c.error(new Error('champion reset'))
        },
      })
    const m = await runShadow(
      input('', { championBody: broken() }),
      deps(async () => Response.json({ label: 'a' })),
    )
    expect(m.verdict).toBe('skipped')
    const r = await runShadow(
      input('{"label":"a"}', { requestBody: broken() }),
      deps(async () => Response.json({ label: 'a' })),
    )
    expect(r.verdict).toBe('skipped')
  })

  it('frees its in-flight slot at the timeout while the champion body hangs', async () => {
    const hanging = () => new ReadableStream<Uint8Array>({ start() {} })
    const slots = new ShadowSlots(1)
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const run = settledState(
        runShadow(
          input('', { championBody: hanging() }),
          deps(async () => Response.json({ label: 'a' }), { timeoutMs: 50, slots }),
        ),
      )
      await vi.advanceTimersByTimeAsync(49)
      expect(run.settled).toBe(false)
      await vi.advanceTimersByTimeAsync(1)
      expect(run.settled).toBe(true)
      expect((await run.promise).verdict).toBe('skipped')
    } finally {
      vi.useRealTimers()
    }
    // The slot is free again: the next copy runs instead of being dropped.
    expect(
      (
        await runShadow(
          input('{"label":"a"}'),
          deps(async () => Response.json({ label: 'a' }), { slots }),
        )
      ).verdict,
    ).toBe('agree')
    const slowRequest = await runShadow(
      input('{"label":"a"}', { requestBody: hanging() }),
      deps(async () => Response.json({ label: 'a' }), { timeoutMs: 50 }),
    )
    expect(slowRequest.verdict).toBe('skipped')
  })

  it('skips bodies above the replay limit', async () => {
    const m = await runShadow(
      input('{"label":"a"}', { requestBody: stream('x'.repeat(100)) }),
      deps(async () => Response.json({ label: 'a' }), { maxRequestBytes: 10 }),
    )
    expect(m.verdict).toBe('skipped')
  })
})
