import { describe, expect, it } from 'vitest'
import type { RolloutCommand } from '../../../../src/adapters/do/coordinator-client'
import { DomainError } from '../../../../src/core/errors'
import { EvaluationReport } from '../../../../src/schemas/evaluation'
import { rolloutById, runRolloutCommand, tickRollout } from '../../../../src/services/coordinator/rollout-commands'
import { RolloutRunner } from '../../../../src/services/coordinator/rollout-runner'
import { DAY, FakePort, HOUR, MIN } from './fake-port'
import { canaryConfig, demoGate, failedCanary, plantCanary25, startWithRunner } from './rollouts'

const report = EvaluationReport.parse({
  quality: { metric: 'auc', challenger: 0.81, champion: 0.8, threshold: 0.75 },
  latency: { p99_ms: 40 },
})

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p
  } catch (e) {
    if (e instanceof DomainError) return e
    throw e
  }
  throw new Error('expected a DomainError')
}

/** A low-risk model with a canary live at 25% (step 0), and a helper to send commands. */
async function progressing() {
  const port = new FakePort({ risk: 'low', sla: { p99_ms: 250 } })
  const { runner, stored } = await startWithRunner(port)
  const id = stored.state.id
  const command = (cmd: RolloutCommand, actor = 'bob') => runRolloutCommand(port, runner, id, cmd, actor)
  return { port, runner, id, command }
}

/** A rollout waiting for an approver before step 0 (the model was rolled back an hour ago). */
async function awaitingApproval() {
  const port = new FakePort({ risk: 'low' })
  port.lastRollback = port.now() - HOUR
  const { runner, stored } = await startWithRunner(port)
  expect(stored.state).toMatchObject({ phase: 'awaiting_approval', pendingApproval: { forStep: 0 } })
  const id = stored.state.id
  const approve = (evidenceHash: string, step?: number) =>
    runRolloutCommand(port, runner, id, { type: 'approve', evidenceHash, step, comment: 'looks fine' }, 'carol')
  return { port, runner, id, approve }
}

describe('rolloutById', () => {
  it('finds the active rollout, an earlier one in storage, and refuses an unknown id (rollout_not_found)', async () => {
    const port = new FakePort({ risk: 'low' })
    const first = (await startWithRunner(port)).stored
    const runner = new RolloutRunner(port)
    await runner.run(first, { type: 'abort', now: port.now(), actor: 'bob' }, 'bob')
    const second = (await startWithRunner(port, canaryConfig(), {}, runner)).stored
    expect((await rolloutById(port, second.state.id)).state.id).toBe(second.state.id)
    expect(await rolloutById(port, first.state.id)).toMatchObject({ state: { id: first.state.id, phase: 'aborted' } })
    const e = await refusal(rolloutById(port, 'ro_nope'))
    expect(e.code).toBe('rollout_not_found')
    const viaCommand = await refusal(runRolloutCommand(port, runner, 'ro_nope', { type: 'pause' }, 'bob'))
    expect(viaCommand.code).toBe('rollout_not_found')
  })
})

describe('runRolloutCommand: operator actions reach the machine', () => {
  it('pause holds the rollout for the operator, with their reason in the audit', async () => {
    const { port, command } = await progressing()
    const paused = await command({ type: 'pause', reason: 'investigating a dashboard' })
    expect(paused.state).toMatchObject({
      phase: 'paused',
      hold: { cause: 'operator', actor: 'bob', since: port.now() },
    })
    expect(port.audits.at(-1)).toMatchObject({
      action: 'rollout.paused',
      actor: 'bob',
      reason: 'pause by bob: investigating a dashboard',
    })
    expect(port.active()).toEqual(paused)
    // The machine's refusal comes back as it is.
    const again = await refusal(command({ type: 'pause' }))
    expect(again.code).toBe('conflict')
    expect(again.detail).toMatch(/already paused/)
  })

  it('resume after an operator pause carries on without publishing', async () => {
    const { port, command } = await progressing()
    await command({ type: 'pause' })
    const calls = port.registryLog.length
    const epoch = port.active()!.state.stepEpoch
    port.advance(MIN)
    const resumed = await command({ type: 'resume', reason: 'false alarm' }, 'dan')
    expect(resumed.state).toMatchObject({ phase: 'progressing', stepEpoch: epoch, hold: null })
    expect(port.registryLog).toHaveLength(calls)
    expect(port.audits.at(-1)).toMatchObject({ action: 'rollout.resumed', actor: 'dan' })
  })

  it('resume after an INCONCLUSIVE hold republishes the step, so its statistics restart from a new epoch', async () => {
    const { port, runner, command } = await progressing()
    const before = port.active()!.state.stepEpoch!
    // Nothing decided by the gate's cap (7 days): INCONCLUSIVE pauses.
    const tick = await tickRollout(port, runner, port.advance(8 * DAY))
    expect(tick).toMatchObject({ decision: 'INCONCLUSIVE', phase: 'paused' })
    const resumed = await command({ type: 'resume' })
    expect(port.registryLog.at(-1)!.cmd).toMatchObject({ type: 'set_routing', input: { weights: { v1: 75, v2: 25 } } })
    expect(resumed.state).toMatchObject({ phase: 'progressing', stepEpoch: before + 1, stepStartedAt: port.now() })
  })

  it('promote enters the next step at once', async () => {
    const { port, command } = await progressing()
    const promoted = await command({ type: 'promote', reason: 'hotfix' })
    expect(promoted.state).toMatchObject({ phase: 'progressing', stepIndex: 1, stepEpoch: port.epoch })
    expect(port.registryLog.at(-1)).toMatchObject({
      cmd: { type: 'set_routing', input: { weights: { v1: 50, v2: 50 } } },
      actor: 'bob',
    })
  })

  it('abort routes everything back to the champion, without an incident or a FAIL alert', async () => {
    const { port, command } = await progressing()
    port.setWebhooks([{ url: 'https://hooks.example/all', events: ['fail', 'rollback', 'rollback_confirmed'] }])
    const aborted = await command({ type: 'abort', reason: 'wrong build' })
    expect(aborted.state).toMatchObject({ phase: 'aborted', outcome: 'aborted', rollback: { trigger: 'abort' } })
    expect(port.registryLog.at(-1)).toMatchObject({ cmd: { type: 'rollback', target: 'champion' }, actor: 'bob' })
    expect(port.model().routing!.weights).toEqual({ v1: 100 })
    expect(await port.incidents()).toEqual([])
    expect(port.deliveries).toEqual([])
    expect(port.audits.at(-1)).toMatchObject({ action: 'rollout.aborted', actor: 'bob' })
  })

  it('rollback routes everything back, alerts and opens an incident in the operator’s name', async () => {
    const { port, command } = await progressing()
    port.setWebhooks([{ url: 'https://hooks.example/all', events: ['fail', 'rollback'] }])
    const rolled = await command({ type: 'rollback', reason: 'customer complaints' })
    expect(rolled.state).toMatchObject({
      phase: 'rolled_back',
      rollback: { trigger: 'operator_rollback', actor: 'bob' },
    })
    expect(port.registryLog.at(-1)).toMatchObject({ cmd: { type: 'rollback', target: 'champion' }, actor: 'bob' })
    expect(port.deliveries.map((d) => d.event)).toEqual(['rollback'])
    expect(port.deliveries[0]!.body).toMatchObject({ severity: 'warning' })
    const [inc] = await port.incidents()
    expect(inc).toMatchObject({ trigger: 'operator_rollback', actor: 'bob', rolloutId: rolled.state.id })
    expect(rolled.meta.incidentId).toBe(inc!.id)
  })

  it('rollback before the first step still routes everything back (the one-command runbook)', async () => {
    const port = new FakePort({ risk: 'medium' })
    const { runner, stored } = await startWithRunner(port, canaryConfig(), { evaluationWaived: false })
    const rolled = await runRolloutCommand(port, runner, stored.state.id, { type: 'rollback' }, 'bob')
    expect(rolled.state).toMatchObject({ phase: 'rolled_back', rollback: null })
    expect(port.registryTypes()).toEqual(['rollback'])
    expect(rolled.meta.failedStep).toEqual({ fromEpoch: stored.meta.startEpoch, toEpoch: port.epoch - 1 })
    expect(await port.incidents()).toEqual([])
  })
})

describe('runRolloutCommand: approve', () => {
  it('enters the pending step with the hash of the evidence the approver saw', async () => {
    const { port, runner, approve } = await awaitingApproval()
    const hash = await runner.evidenceHash(port.active()!.state)
    port.advance(MIN)
    const approved = await approve(hash)
    expect(approved.state).toMatchObject({
      phase: 'progressing',
      stepIndex: 0,
      stepEpoch: port.epoch,
      approvals: [
        { approver: 'carol', evidenceHash: hash, forStep: 0, comment: 'looks fine', rules: ['recent_rollback'] },
      ],
    })
    expect(port.registryLog.at(-1)).toMatchObject({ cmd: { type: 'set_routing' }, actor: 'carol' })
    expect(port.auditActions()).toContain('rollout.approved')
    expect(port.audits.find((a) => a.action === 'rollout.approved')!.actor).toBe('carol')
  })

  it('refuses a stale evidence hash as the machine answers (stale_evidence), changing nothing', async () => {
    const { port, approve } = await awaitingApproval()
    const saved = port.savedRollouts.length
    const e = await refusal(approve('a'.repeat(64)))
    expect(e.code).toBe('conflict')
    expect(e.extra).toMatchObject({ refusal: 'stale_evidence', forStep: 0 })
    expect(port.savedRollouts).toHaveLength(saved)
    expect(port.registryLog).toEqual([])
    expect(port.active()!.state.phase).toBe('awaiting_approval')
  })

  it('refuses an approval for another step (wrong_step) and one after the window (expired)', async () => {
    const { port, runner, approve } = await awaitingApproval()
    const hash = await runner.evidenceHash(port.active()!.state)
    expect((await refusal(approve(hash, 1))).extra).toMatchObject({ refusal: 'wrong_step' })
    port.advance(DAY + MIN)
    expect((await refusal(approve(hash))).extra).toMatchObject({ refusal: 'expired' })
    expect(port.registryLog).toEqual([])
  })

  it('refuses an approval when none is pending', async () => {
    const { port, runner, id } = await progressing()
    const hash = await runner.evidenceHash(port.active()!.state)
    const e = await refusal(runRolloutCommand(port, runner, id, { type: 'approve', evidenceHash: hash }, 'carol'))
    expect(e.code).toBe('conflict')
    expect(e.detail).toMatch(/no pending approval/)
  })
})

describe('runRolloutCommand: evaluation', () => {
  it('judges the report against the model’s SLA and feeds the verdict to the machine', async () => {
    const port = new FakePort({ risk: 'medium', sla: { p99_ms: 250 } })
    const { runner, stored } = await startWithRunner(port, canaryConfig(), { evaluationWaived: false })
    const evaluate = (r: EvaluationReport) =>
      runRolloutCommand(port, runner, stored.state.id, { type: 'evaluation', report: r }, 'erin')
    const slow = await evaluate({ ...report, latency: { p99_ms: 400 } })
    expect(slow.state).toMatchObject({ phase: 'awaiting_evaluation', evaluation: { status: 'failed' } })
    expect(port.registryLog).toEqual([])
    const ok = await evaluate(report)
    expect(ok.state).toMatchObject({ phase: 'progressing', stepIndex: 0, evaluation: { status: 'passed' } })
    expect(port.registryLog.at(-1)!.actor).toBe('erin')
  })
})

describe('tickRollout', () => {
  it('does nothing without a rollout', async () => {
    const port = new FakePort()
    expect(await tickRollout(port, new RolloutRunner(port), port.now())).toEqual({
      rollout: null,
      phase: null,
      decision: null,
      routed: false,
    })
    expect(port.summaryQueries).toEqual([])
  })

  it('evaluates the active rollout and acts on the verdict', async () => {
    const { port, runner, id } = await progressing()
    plantCanary25(port, 0.03)
    const out = await tickRollout(port, runner, port.advance(MIN))
    expect(out).toEqual({ rollout: id, phase: 'rolled_back', decision: 'FAIL', routed: true })
    expect(port.active()!.state.lastTickAt).toBe(port.now())
  })

  it('on a terminal rollout only confirms the rollback: no gate evaluation, no tick', async () => {
    const port = new FakePort({ risk: 'low' })
    const { runner, stored } = await failedCanary(port)
    const queries = port.summaryQueries.length
    const verdicts = port.outboxOf('verdict').length
    port.plant({ version: 'v1', arm: 'champion', requests: 200, errorRate: 0.01 })
    const out = await tickRollout(port, runner, port.advance(MIN))
    expect(out).toEqual({ rollout: stored.state.id, phase: 'rolled_back', decision: null, routed: false })
    // Only the confirmation's reads: after the rollback, and the failed step's baseline.
    expect(port.summaryQueries.slice(queries).map((q) => q.minEpoch)).toEqual([
      stored.meta.rollbackEpoch,
      stored.meta.failedStep!.fromEpoch,
    ])
    expect(port.outboxOf('verdict')).toHaveLength(verdicts)
    expect(port.active()!.state).toMatchObject({
      lastTickAt: stored.state.lastTickAt,
      rollback: { confirmation: { ok: true } },
    })
  })

  it('leaves a completed rollout alone', async () => {
    const port = new FakePort({ risk: 'low' })
    const { runner, stored } = await startWithRunner(
      port,
      canaryConfig({ strategies: ['shadow'], gates: { shadow: demoGate('shadow') } }),
    )
    await runRolloutCommand(port, runner, stored.state.id, { type: 'promote' }, 'bob')
    expect(port.active()!.state.phase).toBe('completed')
    const saved = port.savedRollouts.length
    const queries = port.summaryQueries.length
    const out = await tickRollout(port, runner, port.advance(MIN))
    expect(out).toMatchObject({ phase: 'completed', routed: false, decision: null })
    expect(port.savedRollouts).toHaveLength(saved)
    expect(port.summaryQueries).toHaveLength(queries)
  })
})
