/**
 * The platform failing under a rollout, through the fault-injection wrappers (adapters/faults;
 * the workers project runs with FAULT_INJECTION=on and an empty plan by default). Each test clears
 * the plan when it ends, whatever happens.
 */
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { faultState, setFaultPlan } from '../../src/adapters/faults'
import { coordinatorClient } from '../../src/adapters/do/coordinator-client'
import { isolateOf } from '../../src/compose'
import { ADMIN, admin, adminOk, callWith, infer, problemOf, settle, uniqueModel } from './helpers/harness'
import { approve, cron, fastPlan, passingReport, rollout, traffic } from './helpers/rollout'

const MIN = 60_000

afterEach(() => setFaultPlan({}))

/**
 * The project's D1 and DO deadlines are the production defaults, so that a loaded test machine
 * does not hit them; a test of a hung binding shortens them, so the hang costs it half a second.
 */
const SHORT_DEADLINES = { D1_TIMEOUT_MS: '500', DO_TIMEOUT_MS: '500' }

function adminWith(overrides: Record<string, string>, method: string, path: string): Promise<Response> {
  const headers = { authorization: `Bearer ${ADMIN}` }
  return callWith(overrides, new Request(`http://gateway.test/admin${path}`, { method, headers }))
}

/** A model whose challenger fails 3× as often as its champion (60% vs 20% of inputs: a difference large enough that both runs decide on the same tick whatever the random split). The champion answers after 250 ms, so that the confirmation's latency check (within 25% + 5 ms of the failed step's) is not decided by the test machine's jitter. */
async function threeTimesTheErrors(): Promise<string> {
  const m = uniqueModel('fault')
  await adminOk('PUT', `/models/${m}`, { risk: 'medium' }, 201)
  await adminOk(
    'PUT',
    `/models/${m}/versions/v1`,
    { backend: { url: `${inject('upstreamA')}/mode/flaky-0.2-250` } },
    201,
  )
  await adminOk('PUT', `/models/${m}/versions/v2`, { backend: { url: `${inject('upstreamB')}/mode/flaky-0.6` } }, 201)
  await adminOk('POST', `/models/${m}/champion`, { version: 'v1' })
  return m
}

/**
 * Starts the canary and ticks it minute by minute (traffic before each tick) until its rollback
 * is confirmed; answers the tick numbers of the rollback and of the confirmation.
 */
async function runCanary(m: string, before: () => void = () => undefined) {
  const started = await adminOk(
    'POST',
    `/models/${m}/rollouts`,
    { challenger: 'v2', strategy: 'canary', stages: [25, 50, 100], evaluation: passingReport, ...fastPlan },
    201,
  )
  await approve(started.id)
  before()
  let clock = Date.now() + 5_000
  let rolledBackAt: number | null = null
  for (let tick = 1; tick <= 8; tick++) {
    if (rolledBackAt === null) await traffic(m, 600)
    // After the rollback, ten at a time: fifty in flight on a busy machine queue long enough to push
    // the champion's latency past the confirmation's bound (25% + 5 ms), and the confirmation tick
    // would then depend on the machine's load instead of on D1.
    else for (let i = 0; i < 15; i++) await traffic(m, 10)
    await cron(clock)
    clock += MIN
    const r = await rollout(started.id)
    if (rolledBackAt === null && r.phase === 'rolled_back') rolledBackAt = tick
    if (r.rollback?.confirmation?.ok) return { id: started.id, rolledBackAt, confirmedAt: tick, view: r }
  }
  throw new Error(`not confirmed: ${JSON.stringify((await rollout(started.id)).events.slice(-3))}`)
}

describe('D1 down during a failing canary', () => {
  it('rolls back and confirms within the same ticks as with D1 up; afterwards the audit is complete and verifies', async () => {
    const healthy = await runCanary(await threeTimesTheErrors())

    const m = await threeTimesTheErrors()
    // From right after the start (the start and its approval need no D1 either; tested below).
    const down = await runCanary(m, () => setFaultPlan({ d1: { kind: 'fail' } }))
    console.log(
      'TICKS',
      JSON.stringify({ h: [healthy.rolledBackAt, healthy.confirmedAt], d: [down.rolledBackAt, down.confirmedAt] }),
    )
    expect(faultState().injected.d1).toBeGreaterThan(0)
    expect(down.rolledBackAt).toBe(healthy.rolledBackAt)
    expect(down.confirmedAt).toBe(healthy.confirmedAt)
    // Read through the coordinator: D1 answers nothing meanwhile.
    expect(down.view.rollback).toMatchObject({ trigger: 'gate_fail', version: 'v1' })
    expect((await problemOf(await admin('GET', `/rollouts?model=${m}`))).status).toBe(503)

    // D1 reads again but its writes still fail: verify checks the chain D1 has and says it is behind.
    setFaultPlan({ d1: { kind: 'fail', methods: ['batch'] } })
    const behind = await adminOk('GET', `/audit/verify?model=${m}`)
    expect(behind.streams[0]).toMatchObject({ stream: m, complete: false })
    setFaultPlan({})
    // The next cron tick (or the coordinator's alarm) delivers what D1 missed.
    await cron(Date.now() + 20 * MIN)
    const head = await coordinatorClient(env.MODEL_COORDINATOR, m).auditHead()
    expect(head?.inD1).toBe(true)
    const entries = (await adminOk('GET', `/audit?model=${m}&limit=500`)).entries
    expect(entries).toHaveLength(head!.seq)
    expect(entries.map((e: any) => e.action)).toEqual(
      expect.arrayContaining([
        'rollout.started',
        'rollout.approved',
        'rollout.verdict',
        'rollout.rolled_back',
        'incident.open',
        'rollout.rollback_confirmed',
      ]),
    )
    const verified = await adminOk('GET', `/audit/verify?model=${m}`)
    expect(verified).toMatchObject({ ok: true, streams: [{ stream: m, ok: true, complete: true, checked: head!.seq }] })
    const rows = await adminOk('GET', `/rollouts?model=${m}`)
    expect(rows.rollouts[0]).toMatchObject({ id: down.id, phase: 'rolled_back' })
  }, 120_000)
})

/** A registered model with a champion answering from upstream A. */
async function simpleModel(): Promise<string> {
  const m = uniqueModel('fault')
  await adminOk('PUT', `/models/${m}`, { risk: 'low' }, 201)
  await adminOk('PUT', `/models/${m}/versions/v1`, { backend: { url: `${inject('upstreamA')}/mode/echo` } }, 201)
  await adminOk('PUT', `/models/${m}/versions/v2`, { backend: { url: `${inject('upstreamB')}/mode/echo` } }, 201)
  await adminOk('POST', `/models/${m}/champion`, { version: 'v1' })
  return m
}

describe('D1 down: the operator', () => {
  it('pauses, resumes and aborts a rollout by its id alone; D1 reads answer 503 with a retry hint', async () => {
    const m = await simpleModel()
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: 'canary', waive_evaluation: true },
      201,
    )
    expect(started.id).toMatch(new RegExp(`^ro_[0-9a-z]{26}~${m}$`))
    setFaultPlan({ d1: { kind: 'fail' } })
    expect((await adminOk('POST', `/rollouts/${started.id}/pause`, { reason: 'd1 drill' })).phase).toBe('paused')
    expect((await adminOk('POST', `/rollouts/${started.id}/resume`, {})).phase).toBe('progressing')
    expect((await adminOk('GET', `/rollouts/${started.id}`)).id).toBe(started.id)
    const aborted = await adminOk('POST', `/rollouts/${started.id}/abort`, { reason: 'd1 drill' })
    expect(aborted.phase).toBe('aborted')
    expect((await adminOk('GET', `/models/${m}`)).routing.weights).toEqual({ v1: 100 })

    const res = await admin('GET', `/audit?model=${m}`)
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    const problem = await problemOf(res)
    expect(problem).toMatchObject({ code: 'storage_unavailable', retry_after: 5 })
    expect(problem.detail).not.toMatch(/select|injected/i)
    // The data plane never needed D1.
    const answer = await infer(m)
    expect(answer.status).toBe(200)
    await answer.arrayBuffer()
  })

  it('gets a 503 within the D1 deadline when D1 hangs, not a hung request', async () => {
    setFaultPlan({ d1: { kind: 'hang' } })
    const hangs = faultState().injected.d1
    const res = await adminWith(SHORT_DEADLINES, 'GET', '/rollouts')
    // The injected hang never ends: only the D1 deadline can answer. Its length is tested with a
    // fake clock (test/unit/adapters/d1-guarded.test.ts), not with this machine's wall clock.
    expect(faultState().injected.d1).toBeGreaterThan(hangs)
    expect(res.status).toBe(503)
    expect((await problemOf(res)).code).toBe('storage_unavailable')
  })
})

describe('a coordinator that fails or hangs', () => {
  it('answers 503 storage_unavailable on admin calls (within DO_TIMEOUT_MS when it hangs); the data plane is untouched', async () => {
    const m = await simpleModel()
    setFaultPlan({ coordinator: { kind: 'fail' } })
    const failed = await admin('POST', `/models/${m}/rollouts`, { challenger: 'v2', strategy: 'canary' })
    expect(failed.status).toBe(503)
    expect(await problemOf(failed)).toMatchObject({ code: 'storage_unavailable', retry_after: 5 })

    setFaultPlan({ coordinator: { kind: 'hang', methods: ['view'] } })
    const hangs = faultState().injected.coordinator
    const hung = await adminWith(SHORT_DEADLINES, 'GET', `/models/${m}`)
    // The hang never ends: only the DO deadline can answer (its length: a fake clock in
    // test/unit/adapters/do-unwrapped.test.ts).
    expect(faultState().injected.coordinator).toBeGreaterThan(hangs)
    expect(hung.status).toBe(503)
    const answer = await infer(m)
    expect(answer.status).toBe(200)
    await answer.arrayBuffer()
  })
})

describe('KV hanging on a cold isolate', () => {
  it('answers 503 snapshot_unavailable within the read timeout and serves again once KV answers', async () => {
    const m = await simpleModel()
    isolateOf(env).snapshots.clear()
    setFaultPlan({ kv: { kind: 'hang', methods: ['get'] } })
    const hangs = faultState().injected.kv
    const res = await infer(m)
    // The hang never ends: only the cache's KV read timeout can answer. Its length is tested with
    // a fake clock (test/unit/data-plane/snapshot-read-timeout.test.ts).
    expect(faultState().injected.kv).toBeGreaterThan(hangs)
    expect(await problemOf(res)).toMatchObject({ code: 'snapshot_unavailable', retry_after: 1 })
    expect(res.headers.get('retry-after')).toBe('1')
    setFaultPlan({})
    // The outage is remembered for one snapshot TTL (5 s by default), then KV is read again.
    isolateOf(env).snapshots.clear()
    const ok = await infer(m)
    expect(ok.status).toBe(200)
    await ok.arrayBuffer()
    await settle()
  })
})

describe('two overlapping ticks', () => {
  it('give one verdict per rollout for one scheduled time', async () => {
    const m = await simpleModel()
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: 'canary', waive_evaluation: true },
      201,
    )
    const at = Date.now() + MIN
    await Promise.all([cron(at), cron(at), coordinatorClient(env.MODEL_COORDINATOR, m).tick(at)])
    expect((await rollout(started.id)).verdicts).toHaveLength(1)
    await Promise.all([cron(at + MIN), cron(at + MIN)])
    expect((await rollout(started.id)).verdicts).toHaveLength(2)
  })
})

describe('a metrics shard that throws', () => {
  it('leaves the data plane answering 200; the measurements it lost are counted once the shard is back', async () => {
    const m = await simpleModel()
    setFaultPlan({ shard: { kind: 'fail', methods: ['ingest'] } })
    for (let i = 0; i < 5; i++) {
      const res = await infer(m)
      expect(res.status).toBe(200)
      await res.arrayBuffer()
    }
    await settle() // every retry of the batch fails (about 3 s)
    expect(faultState().injected.shard).toBeGreaterThan(0)
    setFaultPlan({})
    const next = await infer(m)
    expect(next.status).toBe(200)
    await next.arrayBuffer()
    await settle()
    const series = await adminOk('GET', `/models/${m}/metrics?from=-10m&step=600`)
    expect(series.measurements_dropped.records).toBe(5)
    expect(series.measurements_dropped.batches).toBeGreaterThanOrEqual(1)
    const text = await (await admin('GET', '/metrics')).text()
    expect(text).toMatch(new RegExp(`^modelgate_measurements_dropped_total\\{model="${m}"\\} 5$`, 'm'))
    // The request that landed is counted, the five lost ones are not (nothing is double-counted).
    expect(text).toMatch(new RegExp(`^modelgate_requests_total\\{model="${m}",[^}]*\\} 1$`, 'm'))
  }, 30_000)
})
