import { afterEach, describe, expect, it, vi } from 'vitest'
import type { DeliveryRow, OutboxRecord, WebhookRow } from '../../../../src/adapters/d1/outbox'
import {
  BACKOFF_MS,
  WebhookDeliverer,
  pendingDelivery,
  type DeliveryStore,
  type PendingDelivery,
  type WebhookPoster,
} from '../../../../src/services/coordinator/webhook-deliverer'
import { T0 } from './fake-port'

const TIMEOUT_MS = 5_000

class MemoryStore implements DeliveryStore {
  readonly map = new Map<string, PendingDelivery>()
  async put(d: PendingDelivery): Promise<void> {
    this.map.set(d.id, structuredClone(d))
  }
  async delete(id: string): Promise<void> {
    this.map.delete(id)
  }
  async list(): Promise<PendingDelivery[]> {
    return [...this.map.values()].map((d) => structuredClone(d))
  }
}

const hook: WebhookRow = {
  id: 'wh_1',
  model: 'credit-risk',
  url: 'https://hooks.example/alerts',
  format: 'json',
  events: ['fail'],
  routingKey: null,
  createdAt: new Date(T0).toISOString(),
}

const body = { event: 'fail', summary: 'v2 FAILED its gates' }

function setup(post: WebhookPoster) {
  const ctx = {
    clock: T0,
    store: new MemoryStore(),
    records: [] as OutboxRecord[],
    alarms: [] as number[],
    post: vi.fn(post),
  }
  const deliverer = new WebhookDeliverer({
    store: ctx.store,
    outbox: async (records) => {
      ctx.records.push(...records)
    },
    armAlarm: async (at) => {
      ctx.alarms.push(at)
    },
    post: ctx.post,
    now: () => ctx.clock,
  })
  // The runner stores a delivery in the same write as the decision that asks for it.
  const enqueue = () => ctx.store.put(pendingDelivery('whd_test_1', hook, 'fail', body))
  const rows = () => ctx.records.map((r) => (r as Extract<OutboxRecord, { kind: 'delivery' }>).row as DeliveryRow)
  const pending = () => [...ctx.store.map.values()]
  return { ...ctx, ctx, deliverer: Object.assign(deliverer, { enqueue }), rows, pending }
}

const respond = (status: number) => async () => new Response(status === 204 ? null : 'body', { status })

afterEach(() => {
  vi.useRealTimers()
})

describe('pendingDelivery', () => {
  it('is due at once whatever the clock, not yet attempted, and names the webhook it goes to', () => {
    expect(pendingDelivery('whd_1', hook, 'fail', body)).toEqual({
      id: 'whd_1',
      webhookId: 'wh_1',
      model: 'credit-risk',
      url: hook.url,
      format: 'json',
      event: 'fail',
      body,
      attempt: 0,
      nextAt: 0,
    })
  })
})

describe('WebhookDeliverer.deliverDue', () => {
  it('delivers on a 2xx: POSTs the JSON body, removes the delivery and records the attempt', async () => {
    for (const status of [200, 204]) {
      const { deliverer, pending, rows, post, ctx } = setup(respond(status))
      await deliverer.enqueue()
      const id = pending()[0]!.id
      ctx.clock += 10
      await deliverer.deliverDue(ctx.clock)
      expect(post).toHaveBeenCalledTimes(1)
      expect(post.mock.calls[0]![0]).toBe(hook.url)
      expect(JSON.parse(post.mock.calls[0]![1])).toEqual(body)
      expect(post.mock.calls[0]![2]).toBeInstanceOf(AbortSignal)
      expect(pending()).toEqual([])
      expect(rows()).toEqual([
        {
          id,
          attempt: 1,
          webhookId: 'wh_1',
          model: 'credit-risk',
          event: 'fail',
          format: 'json',
          at: new Date(ctx.clock).toISOString(),
          status: 'delivered',
          responseCode: status,
          error: null,
        },
      ])
    }
  })

  it('retries a 500: the next attempt at now + BACKOFF_MS[0], with the alarm armed there', async () => {
    const { deliverer, pending, rows, alarms, ctx } = setup(respond(500))
    await deliverer.enqueue()
    ctx.clock += 250
    await deliverer.deliverDue(ctx.clock)
    expect(pending()).toEqual([expect.objectContaining({ attempt: 1, nextAt: ctx.clock + BACKOFF_MS[0]! })])
    expect(rows()).toEqual([
      expect.objectContaining({ attempt: 1, status: 'retrying', responseCode: 500, error: 'HTTP 500' }),
    ])
    expect(alarms.at(-1)).toBe(ctx.clock + BACKOFF_MS[0]!)
  })

  it('counts a redirect as a failed attempt, saying it was not followed', async () => {
    for (const status of [301, 302, 307, 308]) {
      const { deliverer, pending, rows, post, ctx } = setup(async () =>
        Response.redirect('http://169.254.169.254/latest/meta-data/', status),
      )
      await deliverer.enqueue()
      await deliverer.deliverDue(ctx.clock)
      expect(post).toHaveBeenCalledTimes(1)
      expect(pending()).toEqual([expect.objectContaining({ attempt: 1 })])
      expect(rows()).toEqual([
        expect.objectContaining({
          status: 'retrying',
          responseCode: status,
          error: `HTTP ${status}: redirect not followed`,
        }),
      ])
    }
  })

  it('retries a post that throws, recording its message', async () => {
    const { deliverer, pending, rows, alarms, ctx } = setup(async () => {
      throw new TypeError('fetch failed')
    })
    await deliverer.enqueue()
    await deliverer.deliverDue(ctx.clock)
    expect(pending()).toEqual([expect.objectContaining({ attempt: 1, nextAt: ctx.clock + BACKOFF_MS[0]! })])
    expect(rows()).toEqual([
      expect.objectContaining({ attempt: 1, status: 'retrying', responseCode: null, error: 'fetch failed' }),
    ])
    expect(alarms.at(-1)).toBe(ctx.clock + BACKOFF_MS[0]!)
  })

  it('backs off by BACKOFF_MS[attempt] after each failure, then gives up after the last one and removes it', async () => {
    const { deliverer, pending, rows, alarms, post, ctx } = setup(respond(503))
    await deliverer.enqueue()
    const waits: number[] = []
    for (let attempt = 0; attempt < BACKOFF_MS.length; attempt++) {
      await deliverer.deliverDue(ctx.clock)
      const [d] = pending()
      expect(d).toMatchObject({ attempt: attempt + 1 })
      expect(alarms.at(-1)).toBe(d!.nextAt)
      waits.push(d!.nextAt - ctx.clock)
      // Not due a millisecond early.
      ctx.clock = d!.nextAt - 1
      await deliverer.deliverDue(ctx.clock)
      expect(post).toHaveBeenCalledTimes(attempt + 1)
      ctx.clock += 1
    }
    expect(waits).toEqual(BACKOFF_MS)
    const alarmsBefore = alarms.length
    await deliverer.deliverDue(ctx.clock)
    expect(post).toHaveBeenCalledTimes(BACKOFF_MS.length + 1)
    expect(pending()).toEqual([])
    expect(rows().map((r) => [r.attempt, r.status])).toEqual([
      [1, 'retrying'],
      [2, 'retrying'],
      [3, 'retrying'],
      [4, 'retrying'],
      [5, 'retrying'],
      [6, 'gave_up'],
    ])
    expect(rows().at(-1)).toMatchObject({ responseCode: 503, error: 'HTTP 503' })
    // Nothing left to wait for: no alarm.
    expect(alarms).toHaveLength(alarmsBefore)
  })

  it('attempts only what is due, and re-arms the alarm for the earliest delivery still waiting', async () => {
    const { deliverer, store, post, alarms, ctx } = setup(respond(200))
    const waiting = (id: string, nextAt: number): PendingDelivery => ({
      id,
      webhookId: 'wh_1',
      model: 'credit-risk',
      url: hook.url,
      format: 'json',
      event: 'fail',
      body,
      attempt: 2,
      nextAt,
    })
    await store.put(waiting('whd_late', T0 + 60_000))
    await store.put(waiting('whd_later', T0 + 90_000))
    await store.put(waiting('whd_due', T0))
    await deliverer.deliverDue(T0)
    expect(post).toHaveBeenCalledTimes(1)
    expect([...store.map.keys()].sort()).toEqual(['whd_late', 'whd_later'])
    expect(alarms).toEqual([T0 + 60_000])
    expect(ctx.records).toHaveLength(1)
  })

  it('aborts a post that hangs at the 5 s timeout and retries it', async () => {
    vi.useFakeTimers({ now: T0 })
    let signal: AbortSignal | null = null
    const { deliverer, pending, rows, ctx } = setup(
      (_url, _body, s) =>
        new Promise<Response>((_resolve, reject) => {
          signal = s
          s.addEventListener('abort', () => reject(s.reason as Error))
        }),
    )
    await deliverer.enqueue()
    let settled = false
    const run = deliverer.deliverDue(ctx.clock).then(() => {
      settled = true
    })
    await vi.advanceTimersByTimeAsync(TIMEOUT_MS - 1)
    expect(signal).not.toBeNull()
    expect(signal!.aborted).toBe(false)
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await run
    expect(signal!.aborted).toBe(true)
    expect(rows()).toEqual([
      expect.objectContaining({ status: 'retrying', responseCode: null, error: expect.any(String) }),
    ])
    expect(rows()[0]!.error).toMatch(/abort/i)
    expect(pending()).toEqual([expect.objectContaining({ attempt: 1 })])
  })

  it('clears the timeout once the post answers', async () => {
    vi.useFakeTimers({ now: T0 })
    const { deliverer, rows, ctx } = setup(respond(200))
    await deliverer.enqueue()
    await deliverer.deliverDue(ctx.clock)
    expect(vi.getTimerCount()).toBe(0)
    expect(rows()[0]!.status).toBe('delivered')
  })

  it('is single-flight: two calls at once post once, and a later call runs again', async () => {
    let release: (r: Response) => void = () => {}
    const { deliverer, post, rows, pending, ctx } = setup(
      () =>
        new Promise<Response>((resolve) => {
          release = resolve
        }),
    )
    await deliverer.enqueue()
    const a = deliverer.deliverDue(ctx.clock)
    const b = deliverer.deliverDue(ctx.clock)
    expect(b).toBe(a)
    await vi.waitFor(() => expect(post).toHaveBeenCalledTimes(1))
    release(new Response(null, { status: 500 }))
    await Promise.all([a, b])
    expect(post).toHaveBeenCalledTimes(1)
    expect(rows()).toHaveLength(1)

    // The flight is over: the retry, once due, runs.
    ctx.clock = pending()[0]!.nextAt
    const c = deliverer.deliverDue(ctx.clock)
    expect(c).not.toBe(a)
    await vi.waitFor(() => expect(post).toHaveBeenCalledTimes(2))
    release(new Response(null, { status: 200 }))
    await c
    expect(rows().map((r) => r.status)).toEqual(['retrying', 'delivered'])
  })
})
