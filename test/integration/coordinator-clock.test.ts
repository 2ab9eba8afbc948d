/**
 * The model coordinator on a fake clock (README, "Admin API" and "Limits and known trade-offs"):
 * webhook retries, backoff, give-up and the 5 s timeout driven by its alarm, and KV's one write per
 * second per key at the real interval. Each test builds a ModelCoordinator on the object's storage
 * with services of its own (a scripted poster, a publication counting KV writes). The fake clock
 * runs years ahead, so the runtime never fires an alarm the object arms: only the test does.
 */
import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { readCurrentSnapshot } from '../../src/adapters/kv/routing-snapshot-store'
import { buildServices, type Services } from '../../src/compose'
import { unwrap } from '../../src/core/errors'
import type { CommandMeta, RegistryCommand } from '../../src/core/registry/commands'
import { ModelCoordinator } from '../../src/durable-objects/model-coordinator/index'
import { CoordinatorStore } from '../../src/durable-objects/model-coordinator/storage'
import { ChampionInput, ModelInput, VersionInput } from '../../src/schemas/model'
import { StartRolloutInput, Webhook } from '../../src/schemas/rollout'
import { RoutingInput, type RoutingSnapshot } from '../../src/schemas/routing'
import type { PendingDelivery } from '../../src/services/coordinator/webhook-deliverer'
import { uniqueModel } from './helpers/harness'
import { fastPlan, passingReport } from './helpers/rollout'

/** Taken before any test fakes the timers: bounded polls wait in real time. */
const realSetTimeout = globalThis.setTimeout
const realSleep = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms))

const TEN_YEARS = 10 * 365 * 86_400_000
/** README, "Admin API": the waits before each retry, and how long one attempt may take. */
const BACKOFF_MS = [1_000, 5_000, 30_000, 120_000, 600_000]
const TIMEOUT_MS = 5_000
const HOOK_URL = 'https://hooks.example/alerts'

afterEach(() => {
  vi.useRealTimers()
})

function fakeClock(): number {
  const t0 = Math.ceil((Date.now() + TEN_YEARS) / 60_000) * 60_000
  vi.useFakeTimers({ now: t0, toFake: ['Date', 'setTimeout', 'clearTimeout'] })
  return t0
}

/** Waits (real time, bounded) until `check` holds. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (await check()) return
    await realSleep(5)
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Runs `p` to its end, moving the fake clock in small steps while it waits on a paced write. */
async function drive<T>(p: Promise<T>, stepMs = 10): Promise<T> {
  let done = false
  const settled = p.finally(() => {
    done = true
  })
  for (let i = 0; i < 500 && !done; i++) {
    await realSleep(2)
    if (!done) await vi.advanceTimersByTimeAsync(stepMs)
  }
  return settled
}

/** A coordinator of `model` on the object's own storage, with `vars` and `patch` applied to its services. */
function withCoordinator<T>(
  model: string,
  opts: { vars?: Record<string, string | undefined>; patch: (s: Services) => Services },
  fn: (c: ModelCoordinator, state: DurableObjectState) => Promise<T>,
): Promise<T> {
  const stub = env.MODEL_COORDINATOR.get(env.MODEL_COORDINATOR.idFromName(model))
  return runInDurableObject(stub, async (_runtimeInstance, state) => {
    const e = { ...env, ...opts.vars } as Env
    return fn(new ModelCoordinator(state, e, opts.patch(buildServices(e))), state)
  })
}

const meta = (model: string): CommandMeta => ({
  model,
  actor: 'operator:alice',
  requestId: 'req_test',
  ifMatch: null,
  role: 'operator',
})

async function command(c: ModelCoordinator, model: string, cmd: RegistryCommand) {
  return unwrap(await c.command(cmd, meta(model)))
}

/** A registered model with versions v1 and v2 and v1 the champion (low risk: nothing is held). */
async function register(c: ModelCoordinator, model: string): Promise<void> {
  await drive(command(c, model, { type: 'upsert_model', input: ModelInput.parse({ risk: 'low' }) }))
  for (const v of ['v1', 'v2']) {
    const { backend } = VersionInput.parse({ backend: { url: `http://${v}.example/predict` } })
    await drive(command(c, model, { type: 'put_version', version: v, backend }))
  }
  await drive(command(c, model, { type: 'set_champion', input: ChampionInput.parse({ version: 'v1' }) }))
}

// ───────────────────────────── webhooks ─────────────────────────────

interface Attempt {
  at: number
  url: string
  body: { event?: string; model?: string }
  signal: AbortSignal
}

/** A poster answering from a script: a status, 'throw' (a network error) or 'hang' (until aborted). */
function scriptedPoster(script: Array<number | 'throw' | 'hang'>) {
  const attempts: Attempt[] = []
  const post = async (url: string, body: string, signal: AbortSignal): Promise<Response> => {
    attempts.push({ at: Date.now(), url, body: JSON.parse(body) as Attempt['body'], signal })
    const step = script[attempts.length - 1] ?? 200
    if (step === 'throw') throw new TypeError('network connection lost')
    if (step === 'hang') {
      return new Promise<Response>((_resolve, reject) =>
        signal.addEventListener('abort', () => reject(new Error('The operation was aborted'))),
      )
    }
    return new Response(step === 204 ? null : 'answer', { status: step })
  }
  return { post, attempts }
}

interface DeliveryRecord {
  attempt: number
  at: string
  status: string
  response_code: number | null
  error: string | null
}

/** The recorded attempts (D1 `webhook_deliveries`, what GET …/webhook-deliveries lists), oldest first. */
async function records(model: string): Promise<DeliveryRecord[]> {
  const { results } = await env.DB.prepare(
    'SELECT attempt, at, status, response_code, error FROM webhook_deliveries WHERE model = ? ORDER BY attempt',
  )
    .bind(model)
    .all<DeliveryRecord>()
  return results
}

/** The deliveries waiting in the object's storage (what the alarm attempts when due). */
function pendingDeliveries(state: DurableObjectState): Promise<PendingDelivery[]> {
  return new CoordinatorStore(state.storage).deliveries().list()
}

/** A model with a webhook for approval requests, and a rollout that asks for one (one delivery). */
async function alertingModel(c: ModelCoordinator, model: string): Promise<void> {
  await register(c, model)
  unwrap(await c.setWebhooks([Webhook.parse({ url: HOOK_URL, events: ['approval_needed'] })], 'operator:alice'))
  const req = StartRolloutInput.parse({ challenger: 'v2', strategy: 'canary', evaluation: passingReport, ...fastPlan })
  const started = unwrap(await drive(c.startRollout(req, 'operator:alice')))
  expect(started.rollout.phase).toBe('awaiting_approval')
}

/** Moves the clock to `at` and runs the alarm as the runtime does: the fired alarm is cleared first. */
async function alarmAt(c: ModelCoordinator, state: DurableObjectState, at: number): Promise<void> {
  vi.setSystemTime(at)
  await state.storage.deleteAlarm()
  await c.alarm()
}

describe('webhook deliveries through the coordinator alarm', () => {
  it('retries with the documented backoff, records each attempt, and gives up after the last', async () => {
    fakeClock()
    const model = uniqueModel('whgive')
    const poster = scriptedPoster([503, 'throw', 503, 500, 503, 502])
    await withCoordinator(model, { patch: (s) => ({ ...s, webhookPoster: poster.post }) }, async (c, state) => {
      await alertingModel(c, model)
      // The first attempt goes out at once, without the alarm.
      await until(async () => (await records(model)).length === 1, 'the first attempt recorded')
      expect(poster.attempts).toHaveLength(1)

      for (let retry = 0; retry < BACKOFF_MS.length; retry++) {
        const [pending] = await pendingDeliveries(state)
        const last = poster.attempts.at(-1)!.at
        expect(pending).toMatchObject({ attempt: retry + 1, nextAt: last + BACKOFF_MS[retry]! })
        // The alarm comes back for the retry (the first time, other upkeep may want it sooner).
        const alarm = await state.storage.getAlarm()
        if (retry === 0) expect(alarm).toBeLessThanOrEqual(pending!.nextAt)
        else expect(alarm).toBe(pending!.nextAt)
        // A millisecond early: the alarm sends nothing.
        await alarmAt(c, state, pending!.nextAt - 1)
        expect(poster.attempts).toHaveLength(retry + 1)
        await alarmAt(c, state, pending!.nextAt)
        expect(poster.attempts).toHaveLength(retry + 2)
        expect(poster.attempts.at(-1)!.at).toBe(pending!.nextAt)
        await until(async () => (await records(model)).length === retry + 2, `attempt ${retry + 2} recorded`)
      }

      expect(await pendingDeliveries(state)).toEqual([])
      const rows = await records(model)
      expect(rows.map((r) => [r.attempt, r.status, r.response_code, r.error])).toEqual([
        [1, 'retrying', 503, 'HTTP 503'],
        [2, 'retrying', null, 'network connection lost'],
        [3, 'retrying', 503, 'HTTP 503'],
        [4, 'retrying', 500, 'HTTP 500'],
        [5, 'retrying', 503, 'HTTP 503'],
        [6, 'gave_up', 502, 'HTTP 502'],
      ])
      expect(rows.map((r) => Date.parse(r.at))).toEqual(poster.attempts.map((a) => a.at))
      // The same alert each time, to the webhook's URL.
      for (const a of poster.attempts)
        expect(a).toMatchObject({ url: HOOK_URL, body: { event: 'approval_needed', model } })

      // Given up: nothing left to wait for, and a much later alarm sends nothing more.
      expect(await state.storage.getAlarm()).toBeNull()
      await alarmAt(c, state, Date.now() + 3_600_000)
      expect(poster.attempts).toHaveLength(BACKOFF_MS.length + 1)
    })
  })

  it('stops retrying once an attempt is delivered', async () => {
    fakeClock()
    const model = uniqueModel('whok')
    const poster = scriptedPoster([500, 204])
    await withCoordinator(model, { patch: (s) => ({ ...s, webhookPoster: poster.post }) }, async (c, state) => {
      await alertingModel(c, model)
      await until(async () => (await records(model)).length === 1, 'the first attempt recorded')
      const [pending] = await pendingDeliveries(state)
      await alarmAt(c, state, pending!.nextAt)
      await until(async () => (await records(model)).length === 2, 'the second attempt recorded')
      expect((await records(model)).map((r) => [r.status, r.response_code])).toEqual([
        ['retrying', 500],
        ['delivered', 204],
      ])
      expect(await pendingDeliveries(state)).toEqual([])
      await alarmAt(c, state, Date.now() + 3_600_000)
      expect(poster.attempts).toHaveLength(2)
    })
  })

  it('aborts an attempt that hangs at 5 s and schedules the next one from then', async () => {
    fakeClock()
    const model = uniqueModel('whhang')
    const poster = scriptedPoster([503, 'hang', 200])
    await withCoordinator(model, { patch: (s) => ({ ...s, webhookPoster: poster.post }) }, async (c, state) => {
      await alertingModel(c, model)
      await until(async () => (await records(model)).length === 1, 'the first attempt recorded')
      const [pending] = await pendingDeliveries(state)
      vi.setSystemTime(pending!.nextAt)
      let alarmDone = false
      const alarm = c.alarm().then(() => {
        alarmDone = true
      })
      await until(() => poster.attempts.length === 2, 'the second attempt sent')
      const hung = poster.attempts[1]!
      await vi.advanceTimersByTimeAsync(TIMEOUT_MS - 1)
      expect(hung.signal.aborted).toBe(false)
      expect(alarmDone).toBe(false)
      await vi.advanceTimersByTimeAsync(1)
      await alarm
      expect(hung.signal.aborted).toBe(true)
      await until(async () => (await records(model)).length === 2, 'the aborted attempt recorded')
      const aborted = (await records(model))[1]!
      expect(aborted).toMatchObject({ attempt: 2, status: 'retrying', response_code: null })
      expect(aborted.error).toMatch(/abort/i)
      expect(Date.parse(aborted.at)).toBe(hung.at + TIMEOUT_MS)
      const [next] = await pendingDeliveries(state)
      expect(next).toMatchObject({ attempt: 2, nextAt: hung.at + TIMEOUT_MS + BACKOFF_MS[1]! })
    })
  })
})

// ───────────────────────────── KV pacing ─────────────────────────────

/** The real publication, counting the writes of the edge's current key. */
function countingPublication(s: Services) {
  const writes: Array<{ epoch: number; at: number; weights: Record<string, number> }> = []
  /** Epochs whose own key is written: their publish has reached the pacer (or is about to). */
  const epochs: number[] = []
  const publication: Services['publication'] = {
    writeEpoch: async (snapshot) => {
      await s.publication.writeEpoch(snapshot)
      epochs.push(snapshot.epoch)
    },
    liveEpoch: (model) => s.publication.liveEpoch(model),
    writeCurrent: async (snapshot: RoutingSnapshot) => {
      writes.push({ epoch: snapshot.epoch, at: Date.now(), weights: { ...snapshot.routing?.weights } })
      await s.publication.writeCurrent(snapshot)
    },
  }
  return { publication, writes, epochs }
}

describe("the edge's current key at KV's one write per second", () => {
  it('coalesces changes within a second into one write of the newest, and writes the next a second later', async () => {
    fakeClock()
    const model = uniqueModel('pace')
    let counted: ReturnType<typeof countingPublication> | null = null
    const patch = (s: Services) => {
      counted = countingPublication(s)
      return { ...s, publication: counted.publication }
    }
    // No KV_MIN_WRITE_INTERVAL_MS: the setting's default, as in production (the test bindings set 5 ms).
    const vars = { KV_MIN_WRITE_INTERVAL_MS: undefined }
    await withCoordinator(model, { vars, patch }, async (c) => {
      await register(c, model)
      const { writes, epochs } = counted!
      const routing = (v2: number) =>
        command(c, model, { type: 'set_routing', input: RoutingInput.parse({ weights: { v1: 100 - v2, v2 } }) })

      // A quiet second: the key is writable at once.
      await vi.advanceTimersByTimeAsync(1_000)
      const before = writes.length
      const t1 = Date.now()
      const first = await routing(10)
      expect(writes.slice(before)).toEqual([{ epoch: first.snapshot.epoch, at: t1, weights: { v1: 90, v2: 10 } }])

      // Three more changes within the same second: all wait for the key's next slot.
      const settled: number[] = []
      const burst = [20, 30, 40].map((v2) =>
        routing(v2).then((out) => {
          settled.push(out.snapshot.epoch)
          return out
        }),
      )
      const last = first.snapshot.epoch + 3
      await until(() => epochs.includes(last), 'the burst at the pacer')
      await vi.advanceTimersByTimeAsync(999)
      expect(writes.length - before, 'no write before the second is over').toBe(1)
      expect(settled).toEqual([])

      await vi.advanceTimersByTimeAsync(1)
      const outs = await Promise.all(burst)
      expect(outs.map((o) => o.snapshot.epoch)).toEqual([last - 2, last - 1, last])
      expect(writes.slice(before + 1)).toEqual([{ epoch: last, at: t1 + 1_000, weights: { v1: 60, v2: 40 } }])
      const edge = await readCurrentSnapshot(env.ROUTING, model)
      expect(edge).toMatchObject({ kind: 'found', snapshot: { epoch: last, routing: { weights: { v1: 60, v2: 40 } } } })

      // The next change waits for the following slot, a full second after that write.
      let nextDone = false
      const next = routing(50).then((out) => {
        nextDone = true
        return out
      })
      await until(() => epochs.includes(last + 1), 'the next change at the pacer')
      await vi.advanceTimersByTimeAsync(999)
      expect(nextDone).toBe(false)
      expect(writes.length - before).toBe(2)
      await vi.advanceTimersByTimeAsync(1)
      expect((await next).snapshot.epoch).toBe(last + 1)
      expect(writes.slice(before + 2)).toEqual([{ epoch: last + 1, at: t1 + 2_000, weights: { v1: 50, v2: 50 } }])
    })
  })
})
