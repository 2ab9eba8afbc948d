import { describe, expect, it } from 'vitest'
import { confirmRollback } from '../../../../src/services/coordinator/rollback-confirmation'
import type { StoredRollout } from '../../../../src/services/coordinator/ports'
import { FakePort, MIN } from './fake-port'
import { canaryConfig, failedCanary, runnerTick, startWithRunner } from './rollouts'

const iso = (ms: number) => new Date(ms).toISOString()

/** A canary rolled back at 25% (the champion v1 answered 7,500 requests at 1% errors meanwhile). */
async function rolledBack() {
  const port = new FakePort({ risk: 'low' })
  port.setWebhooks([{ url: 'https://hooks.example/confirmations', events: ['rollback_confirmed'] }])
  const { runner, stored } = await failedCanary(port)
  const rollbackAt = port.now()
  const counts = () => ({
    audits: port.audits.length,
    deliveries: port.deliveries.length,
    events: port.active()!.state.events.length,
    registry: port.registryLog.length,
  })
  /** One confirmation check `afterMs` later, on the stored (active) rollout. */
  const check = async (afterMs = MIN) => confirmRollback(port, runner, port.active()!, port.advance(afterMs))
  /** Answers of the stable version under the rollback epoch. */
  const stable = (requests: number, errorRate: number, latencyMs = 50) =>
    port.plant({ version: 'v1', arm: 'champion', requests, errorRate, latencyMs })
  return { port, runner, stored, rollbackAt, counts, check, stable }
}

async function incidentOf(port: FakePort, stored: StoredRollout) {
  return (await port.incident(stored.meta.incidentId!))!
}

describe('confirmRollback', () => {
  it('does not judge before the stable version has answered enough requests under the rollback epoch', async () => {
    const { port, stored, counts, check, stable } = await rolledBack()
    const before = counts()
    stable(19, 0.01)
    expect(await check()).toBeNull()
    expect(port.active()!.state.rollback!.confirmation).toBeNull()
    expect(counts()).toEqual(before)
    expect((await incidentOf(port, stored)).confirmation).toBeNull()
    // It read the stable version's traffic from the rollback epoch on.
    expect(port.summaryQueries.at(-1)).toMatchObject({ minEpoch: stored.meta.rollbackEpoch })
    expect(port.summaryQueries.at(-1)!.maxEpoch).toBeUndefined()

    stable(1, 0)
    expect(await check()).not.toBeNull()
  })

  it('confirms once the stable version’s error rate is back to its rate during the failed step', async () => {
    const { port, stored, rollbackAt, check, stable } = await rolledBack()
    stable(200, 0.01)
    const next = (await check())!
    expect(next.state.rollback!.confirmation).toMatchObject({
      ok: true,
      at: port.now(),
      timeToConfirmMs: MIN,
      details: {
        epoch: stored.meta.rollbackEpoch,
        stable_version: 'v1',
        requests_since_rollback: 200,
        challenger_requests_since_rollback: 0,
        baseline_error_rate: 0.01,
        time_to_confirm_ms: MIN,
      },
    })
    expect(next.state.events.at(-1)).toMatchObject({ type: 'rollback_confirmed', actor: 'controller' })
    expect(port.auditActions().at(-1)).toBe('rollout.rollback_confirmed')
    expect(port.deliveries.map((d) => d.event)).toEqual(['rollback_confirmed'])
    expect(port.deliveries[0]!.body).toMatchObject({ severity: 'info', details: { ok: true, version: 'v1' } })
    // The baseline is the stable version during the failed step's epochs.
    expect(port.summaryQueries).toContainEqual({
      minEpoch: stored.meta.failedStep!.fromEpoch,
      maxEpoch: stored.meta.failedStep!.toEpoch,
      now: port.now(),
      metrics: [],
    })
    // The incident gets the confirmation.
    const inc = await incidentOf(port, stored)
    expect(inc.confirmation).toMatchObject({
      ok: true,
      at: iso(port.now()),
      epoch: stored.meta.rollbackEpoch,
      stable_version: 'v1',
      requests_since_rollback: 200,
    })
    expect(inc.updatedAt).toBe(iso(port.now()))
    expect(port.now() - rollbackAt).toBe(MIN)

    // A confirmation is final: later checks read nothing and record nothing.
    const queries = port.summaryQueries.length
    stable(100, 0.9)
    expect(await check()).toBeNull()
    expect(port.summaryQueries).toHaveLength(queries)
  })

  it('records a "not confirmed" once, checks again on later ticks, and records the recovery', async () => {
    const { port, stored, counts, check, stable } = await rolledBack()
    stable(100, 0.5)
    const first = (await check())!
    expect(first.state.rollback!.confirmation).toMatchObject({
      ok: false,
      details: { reason: expect.stringMatching(/^error rate 50(\.0)?% still above baseline 1(\.0)?%/) },
    })
    expect(first.state.events.at(-1)!.type).toBe('rollback_unconfirmed')
    expect(port.deliveries.at(-1)!.body).toMatchObject({ severity: 'critical', details: { ok: false } })
    expect((await incidentOf(port, stored)).confirmation).toMatchObject({ ok: false })

    // Still failing a minute later: nothing new is recorded, alerted or written to the incident.
    const after = counts()
    const incident = await incidentOf(port, stored)
    expect(await check()).toBeNull()
    expect(counts()).toEqual(after)
    expect(await incidentOf(port, stored)).toEqual(incident)

    // The champion recovers: the cumulative rate falls under the bound (50 errors in 5,100).
    stable(5_000, 0)
    const recovered = (await check())!
    expect(recovered.state.rollback!.confirmation).toMatchObject({ ok: true, timeToConfirmMs: 3 * MIN })
    expect(recovered.state.events.slice(after.events).map((e) => e.type)).toEqual(['rollback_confirmed'])
    expect((await incidentOf(port, stored)).confirmation).toMatchObject({ ok: true, at: iso(port.now()) })
  })

  it('gives up after 30 minutes: the final "not confirmed" is recorded and never revisited', async () => {
    const { port, stored, check, stable } = await rolledBack()
    stable(100, 0.5)
    await check()
    expect(await check(29 * MIN)).toBeNull()
    const final = (await check(2 * MIN))!
    expect(final.state.rollback!.confirmation).toMatchObject({
      ok: false,
      timeToConfirmMs: 32 * MIN,
      details: { reason: 'not confirmed within 30 min' },
    })
    expect((await incidentOf(port, stored)).confirmation).toMatchObject({ ok: false, reason: expect.any(String) })
    stable(10_000, 0)
    expect(await check()).toBeNull()
  })

  it('is not confirmed while the challenger still answers under the rollback epoch', async () => {
    const { port, check, stable } = await rolledBack()
    stable(200, 0.01)
    port.plant({ version: 'v2', arm: 'challenger', requests: 3 })
    const next = (await check())!
    expect(next.state.rollback!.confirmation).toMatchObject({
      ok: false,
      details: { reason: 'the challenger still answered 3 requests under the rollback epoch' },
    })
  })

  it('is not confirmed while the stable version is slower than during the failed step', async () => {
    const { check, stable } = await rolledBack()
    stable(200, 0.01, 500)
    const next = (await check())!
    expect(next.state.rollback!.confirmation).toMatchObject({
      ok: false,
      details: { latency_quantile: 0.95, reason: expect.stringMatching(/^p95 500 ms still above baseline 50 ms/) },
    })
  })

  it('judges against the pre-rollout history when the stable version served nothing in the failed step', async () => {
    const port = new FakePort({ risk: 'low' })
    // Before the rollout v1 failed 2% of requests; during the 50% canary, 1%.
    port.plant({ version: 'v1', arm: 'champion', requests: 20_000, errorRate: 0.02 })
    const { runner } = await startWithRunner(port, canaryConfig({ stages: [50, 100] }))
    port.plantArms({ champion: { requests: 5_000, errorRate: 0.01 }, challenger: { requests: 5_000, errorRate: 0 } })
    await runnerTick(port, runner, 11 * MIN)
    expect(port.active()!.state.phase).toBe('watching')
    // v2, champion now, fails 10% in the watch: rolled back to the previous champion.
    port.plant({ version: 'v2', arm: 'champion', requests: 5_000, errorRate: 0.1 })
    const { next: failed } = await runnerTick(port, runner)
    expect(failed.state).toMatchObject({
      phase: 'rolled_back',
      rollback: { target: 'previous_champion', version: 'v1' },
    })
    expect(port.registryLog.at(-1)!.cmd).toMatchObject({ type: 'rollback', target: 'previous_champion' })

    port.plant({ version: 'v1', arm: 'champion', requests: 200, errorRate: 0.02 })
    const queries = port.summaryQueries.length
    const next = (await confirmRollback(port, runner, port.active()!, port.advance(MIN)))!
    expect(port.summaryQueries.slice(queries).map((q) => [q.minEpoch, q.maxEpoch])).toEqual([
      [failed.meta.rollbackEpoch, undefined],
      [failed.meta.failedStep!.fromEpoch, failed.meta.failedStep!.toEpoch],
      [0, failed.meta.startEpoch],
    ])
    expect(next.state.rollback!.confirmation).toMatchObject({ ok: true, details: { baseline_error_rate: 0.02 } })
  })

  it('has nothing to confirm for a rollout that never exposed the challenger', async () => {
    const port = new FakePort({ risk: 'low' })
    const { runner, stored } = await startWithRunner(port, canaryConfig(), { evaluationWaived: false })
    const aborted = await runner.run(stored, { type: 'abort', now: port.now(), actor: 'bob' }, 'bob')
    expect(aborted.state).toMatchObject({ phase: 'aborted', rollback: null })
    expect(await confirmRollback(port, runner, aborted, port.advance(MIN))).toBeNull()
    expect(port.summaryQueries).toEqual([])
  })
})
