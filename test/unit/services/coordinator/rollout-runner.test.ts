import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { evidenceDigestInput, start } from '../../../../src/core/rollout/index'
import { RolloutRunner } from '../../../../src/services/coordinator/rollout-runner'
import { FakePort, MIN } from './fake-port'
import { canaryConfig, failedCanary, plantCanary25, runnerTick, startWithRunner } from './rollouts'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

function lowRiskPort(): FakePort {
  return new FakePort({ risk: 'low' })
}

describe('RolloutRunner: a challenger with 3× the champion’s error rate', () => {
  async function failing() {
    const port = lowRiskPort()
    port.setWebhooks([
      { url: 'https://hooks.example/fail-only', events: ['fail'] },
      { url: 'https://hooks.slack.example/services/T0/B0/secret', format: 'slack', events: ['rollback'] },
      { url: 'https://hooks.example/approvals', events: ['approval_needed', 'inconclusive', 'srm'] },
    ])
    const { runner, stored } = await startWithRunner(port)
    const stepEpoch = stored.state.stepEpoch!
    // Champion 7,500 requests at 1% errors, challenger 2,500 at 3%, all under the step's epoch.
    plantCanary25(port, 0.03)
    const before = {
      audits: port.audits.length,
      outbox: port.outboxRecords.length,
      registry: port.registryLog.length,
    }
    const { verdict, next } = await runnerTick(port, runner)
    return { port, runner, stepEpoch, before, verdict: verdict!, next }
  }

  it('FAILs on the tick and publishes the rollback routing through the registry', async () => {
    const { port, stepEpoch, before, verdict, next } = await failing()
    expect(verdict.decision).toBe('FAIL')
    expect(verdict.reason).toMatch(/error_rate challenger 3% vs champion 1%/)
    expect(next.state).toMatchObject({
      phase: 'rolled_back',
      outcome: 'rolled_back',
      rollback: { trigger: 'gate_fail', target: 'champion', version: 'v1', fromStep: 0, actor: 'controller' },
    })
    const calls = port.registryLog.slice(before.registry)
    expect(calls.map((c) => c.cmd)).toEqual([
      { type: 'rollback', target: 'champion', reason: expect.stringContaining(next.state.id) },
    ])
    expect(calls[0]!.actor).toBe('controller')
    expect(port.model().routing).toEqual({ champion: 'v1', weights: { v1: 100 }, rules: [], shadow: null })
    // The rollback epoch and the failed step's epochs, for the confirmation.
    expect(next.meta.rollbackEpoch).toBe(port.epoch)
    expect(next.meta.failedStep).toEqual({ fromEpoch: stepEpoch, toEpoch: port.epoch - 1 })
    expect(port.lastRollbackAt()).toBe(port.now())
    expect(port.active()).toEqual(next)
  })

  it('takes traffic off the challenger before it alerts, records or opens the incident', async () => {
    const { port } = await failing()
    const trace = port.trace.slice(port.trace.lastIndexOf('registry:set_routing') + 1)
    const rollback = trace.indexOf('registry:rollback')
    expect(rollback).toBeGreaterThanOrEqual(0)
    for (const later of [
      'audit:rollout.verdict',
      'outbox:verdict',
      'deliver:fail',
      'deliver:rollback',
      'outbox:incident',
    ]) {
      expect(trace.indexOf(later), later).toBeGreaterThan(rollback)
    }
  })

  it('opens an incident whose impact is computed from the rollout’s summary', async () => {
    const { port, next } = await failing()
    const incidents = await port.incidents()
    expect(incidents).toHaveLength(1)
    const inc = incidents[0]!
    expect(next.meta.incidentId).toBe(inc.id)
    expect(port.active()!.meta.incidentId).toBe(inc.id)
    expect(inc).toMatchObject({
      model: 'credit-risk',
      rolloutId: next.state.id,
      trigger: 'gate_fail',
      actor: 'controller',
      at: new Date(port.now()).toISOString(),
      openActionItems: 0,
      confirmation: null,
      retrospective: null,
    })
    expect(inc.summary).toMatch(/v2 rolled back/)
    const impact = inc.impact as Record<string, unknown>
    expect(impact).toMatchObject({
      challenger_requests: 2_500,
      challenger_errors: 75,
      challenger_p99_ms: 50,
      champion_p99_ms: 50,
    })
    expect(impact.challenger_error_rate).toBeCloseTo(0.03, 10)
    expect(impact.champion_error_rate).toBeCloseTo(0.01, 10)
    expect(impact.error_rate_delta).toBeCloseTo(0.02, 10)
    // Per-metric deltas come from the last verdict (here only error rate and latency were tested).
    expect(Object.keys(impact.metric_deltas as object).sort()).toEqual(['error_rate', 'latency'])
    // Impact reads the whole rollout: the epochs after its start, no metric windows.
    expect(port.summaryQueries.at(-1)).toEqual({ minEpoch: next.meta.startEpoch + 1, now: port.now(), metrics: [] })
  })

  // The epoch live when the rollout started is the champion's past (the confirmation reads it as
  // pre-rollout history): a champion that failed 5% before the rollout must not make the FAILed
  // challenger look better than it.
  it('counts the impact over the rollout only, not the champion’s traffic before its first step', async () => {
    const port = lowRiskPort()
    port.plant({ version: 'v1', arm: 'champion', requests: 100_000, errorRate: 0.05 })
    const { stored } = await failedCanary(port)
    const impact = (await port.incident(stored.meta.incidentId!))!.impact as Record<string, number>
    expect(impact.champion_error_rate).toBeCloseTo(0.01, 10)
    expect(impact.error_rate_delta).toBeCloseTo(0.02, 10)
  })

  it('enqueues the fail and rollback alerts to the webhooks that subscribed to them, and no others', async () => {
    const { port, next } = await failing()
    expect(port.deliveries.map((d) => [d.webhook.url, d.event])).toEqual([
      ['https://hooks.example/fail-only', 'fail'],
      ['https://hooks.slack.example/services/T0/B0/secret', 'rollback'],
    ])
    expect(port.deliveries[0]!.body).toMatchObject({
      source: 'modelgate',
      event: 'fail',
      severity: 'critical',
      model: 'credit-risk',
      rollout_id: next.state.id,
      at: new Date(port.now()).toISOString(),
      details: { challenger: 'v2', restored: 'v1', target: 'champion' },
    })
    // The Slack webhook gets a Slack body.
    expect(port.deliveries[1]!.body).toMatchObject({
      text: expect.stringContaining('rollback credit-risk'),
      blocks: expect.any(Array),
    })
  })

  it('records the verdict row, the rollout row and the audit entries', async () => {
    const { port, before, stepEpoch, next } = await failing()
    const added = port.outboxRecords.slice(before.outbox)
    const verdicts = added.filter((r) => r.kind === 'verdict')
    expect(verdicts).toHaveLength(1)
    expect(verdicts[0]!.row).toMatchObject({
      rolloutId: next.state.id,
      model: 'credit-risk',
      stepIndex: 0,
      stepEpoch,
      decision: 'FAIL',
      decisive: true,
      at: new Date(port.now()).toISOString(),
    })
    const rows = added.filter((r) => r.kind === 'rollout')
    expect(rows.at(-1)!.row).toMatchObject({
      id: next.state.id,
      phase: 'rolled_back',
      outcome: 'rolled_back',
      endedAt: new Date(port.now()).toISOString(),
      lastVerdict: { decision: 'FAIL' },
    })
    const audits = port.audits.slice(before.audits)
    expect(audits.map((a) => [a.action, a.actor])).toEqual([
      ['rollout.rolled_back', 'controller'],
      ['rollout.verdict', 'controller'],
      ['incident.open', 'controller'],
    ])
    expect(audits[0]).toMatchObject({ target: next.state.id, before: null, after: { phase: 'rolled_back', step: 0 } })
    expect(audits[1]).toMatchObject({ after: { decision: 'FAIL', step: 0, decisive: true } })
    const inc = (await port.incidents())[0]!
    expect(audits[2]).toMatchObject({
      target: inc.id,
      after: { rollout: next.state.id, trigger: 'gate_fail', impact: inc.impact },
    })
  })
})

describe('RolloutRunner: a clean challenger', () => {
  it('advances step by step: each PASS publishes the next weight and step_published sets its epoch', async () => {
    const port = lowRiskPort()
    const startEpoch = port.epoch
    const { runner, stored } = await startWithRunner(port)
    // Entering step 0 published 25% and confirmed the new epoch.
    expect(port.registryLog.map((c) => c.cmd)).toEqual([
      {
        type: 'set_routing',
        input: { weights: { v1: 75, v2: 25 }, rules: [], shadow: null, reason: expect.stringContaining('canary 25%') },
      },
    ])
    expect(stored.state).toMatchObject({ phase: 'progressing', stepIndex: 0, stepEpoch: startEpoch + 1 })
    expect(stored.meta.startEpoch).toBe(startEpoch)
    expect(port.auditActions()).toEqual(['rollout.started', 'rollout.step_live'])

    // Before the minimum duration a PASS-worthy sample is held, and nothing is published.
    plantCanary25(port, 0)
    let t = await runnerTick(port, runner, 5 * MIN)
    expect(t.verdict!.decision).toBe('CONTINUE')
    expect(t.next.state).toMatchObject({ phase: 'progressing', stepIndex: 0 })
    expect(port.registryLog).toHaveLength(1)

    t = await runnerTick(port, runner, 6 * MIN)
    expect(t.verdict!.decision).toBe('PASS')
    expect(port.registryLog.at(-1)!.cmd).toMatchObject({ type: 'set_routing', input: { weights: { v1: 50, v2: 50 } } })
    expect(t.next.state).toMatchObject({
      phase: 'progressing',
      stepIndex: 1,
      stepEpoch: port.epoch,
      stepStartedAt: port.now(),
    })
    expect(port.epoch).toBe(startEpoch + 2)
    // Statistics restart with the step: the gates read from the new epoch only.
    port.plantArms({ champion: { requests: 5_000, errorRate: 0.01 }, challenger: { requests: 5_000, errorRate: 0 } })
    t = await runnerTick(port, runner, 11 * MIN)
    const evidenceQuery = port.summaryQueries.find((q) => q.now === port.now())
    expect(evidenceQuery).toMatchObject({ minEpoch: startEpoch + 2 })
    expect(t.verdict!.decision).toBe('PASS')

    // canary 100% is a champion switch; its epoch is the final epoch and the watch starts there.
    expect(port.registryLog.at(-1)!.cmd).toMatchObject({
      type: 'set_champion',
      input: { version: 'v2', keep_weights: false },
    })
    expect(port.model().routing?.champion).toBe('v2')
    expect(port.model().previous_champion).toBe('v1')
    expect(t.next.state).toMatchObject({ phase: 'watching', stepIndex: 3, stepEpoch: port.epoch })
    expect(t.next.meta.finalEpoch).toBe(port.epoch)
    const verdictRows = port.outboxOf('verdict').map((r) => [r.row.decision, r.row.decisive, r.row.stepIndex])
    expect(verdictRows).toEqual([
      ['CONTINUE', false, 0],
      ['PASS', true, 0],
      ['PASS', true, 1],
    ])
  })

  it('watches the new champion against the baseline before the final epoch, then completes', async () => {
    const port = lowRiskPort()
    // Pre-rollout history of v1: the watch's baseline.
    port.plant({ version: 'v1', arm: 'champion', requests: 20_000, errorRate: 0.01 })
    const { runner } = await startWithRunner(port, canaryConfig({ stages: [50, 100] }))
    port.plantArms({ champion: { requests: 5_000, errorRate: 0.01 }, challenger: { requests: 5_000, errorRate: 0 } })
    await runnerTick(port, runner, 11 * MIN)
    const watching = port.active()!
    expect(watching.state.phase).toBe('watching')
    const finalEpoch = watching.meta.finalEpoch!
    // v2 is champion now: its traffic is under the final epoch.
    port.plant({ version: 'v2', arm: 'champion', requests: 20_000, errorRate: 0 })
    const { verdict, next } = await runnerTick(port, runner, 31 * MIN)
    expect(port.summaryQueries.filter((q) => q.now === port.now())).toEqual([
      { minEpoch: finalEpoch, now: port.now(), metrics: [] },
      { minEpoch: 0, maxEpoch: finalEpoch - 1, now: port.now(), metrics: [] },
    ])
    expect(verdict!.metrics.find((m) => m.metric === 'error_rate')).toMatchObject({
      champion: { n: 25_000 },
      challenger: { n: 20_000 },
    })
    expect(next.state).toMatchObject({ phase: 'completed', outcome: 'promoted' })
    expect(port.auditActions().slice(-2)).toEqual(['rollout.completed', 'rollout.verdict'])
  })

  it('does not audit quiet events: a held tick writes its verdict row and the verdict audit only', async () => {
    const port = lowRiskPort()
    const { runner } = await startWithRunner(port)
    const audits = port.audits.length
    plantCanary25(port, 0.01)
    const { next } = await runnerTick(port, runner)
    expect(next.state.events.at(-1)!.type).not.toBe('held')
    expect(port.audits.slice(audits).map((a) => a.action)).toEqual(['rollout.verdict'])
    expect(port.outboxOf('verdict').at(-1)!.row).toMatchObject({ decision: 'CONTINUE', decisive: false })
  })
})

describe('RolloutRunner.evaluate', () => {
  it('returns null before the step is published, without reading the metrics', async () => {
    const port = lowRiskPort()
    const runner = new RolloutRunner(port)
    const ctx = {
      id: 'ro_x',
      now: port.now(),
      risk: 'low' as const,
      lastRollbackAt: null,
      gatesWeakerThanDefaults: [],
      openActionItems: 0,
    }
    const meta = { startEpoch: port.epoch, finalEpoch: null, rollbackEpoch: null, failedStep: null, incidentId: null }
    // Step 0 entered, its routing not confirmed yet.
    const entered = start(canaryConfig(), { ...ctx, evaluationWaived: true }).state
    expect(entered).toMatchObject({ stepIndex: 0, stepEpoch: null })
    plantCanary25(port, 0.03)
    expect(await runner.evaluate({ state: entered, meta }, port.now() + 11 * MIN)).toBeNull()
    // Before the first step (waiting for the offline evaluation).
    const waiting = start(canaryConfig(), { ...ctx, evaluationWaived: false }).state
    expect(await runner.evaluate({ state: waiting, meta }, port.now() + 11 * MIN)).toBeNull()
    expect(port.summaryQueries).toEqual([])
    // Once live, the same traffic gives a verdict.
    const live = { ...entered, stepEpoch: port.epoch }
    expect((await runner.evaluate({ state: live, meta }, port.now() + 11 * MIN))?.decision).toBe('FAIL')
  })
})

describe('RolloutRunner.evidenceHash', () => {
  it('is the SHA-256 of the evidence digest: stable for the same state, different when evidence changes', async () => {
    const port = lowRiskPort()
    const { runner, stored } = await startWithRunner(port)
    const h1 = await runner.evidenceHash(stored.state)
    expect(h1).toMatch(/^[0-9a-f]{64}$/)
    expect(h1).toBe(sha256(evidenceDigestInput(stored.state)))
    expect(await runner.evidenceHash(structuredClone(stored.state))).toBe(h1)

    // A verdict on the current step is new evidence (no traffic yet: CONTINUE).
    const first = await runnerTick(port, runner)
    expect(first.verdict!.decision).toBe('CONTINUE')
    const h2 = await runner.evidenceHash(first.next.state)
    expect(h2).not.toBe(h1)
    // A repeated tick at the same time is ignored and changes nothing.
    const repeated = await runnerTick(port, runner, 0)
    expect(repeated.next.state.verdicts).toHaveLength(1)
    expect(await runner.evidenceHash(repeated.next.state)).toBe(h2)

    // Another verdict with other numbers is other evidence.
    plantCanary25(port, 0.01)
    const more = await runnerTick(port, runner)
    const h3 = await runner.evidenceHash(more.next.state)
    expect(h3).not.toBe(h2)
    expect(await runner.evidenceHash(more.next.state)).toBe(h3)
  })
})

describe('RolloutRunner: the FAIL fixture', () => {
  it('is what the confirmation tests build on', async () => {
    const port = lowRiskPort()
    const { stored } = await failedCanary(port)
    expect(stored.meta.rollbackEpoch).toBe(port.epoch)
  })
})
