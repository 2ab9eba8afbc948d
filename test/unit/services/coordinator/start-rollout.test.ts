import { describe, expect, it } from 'vitest'
import { DomainError } from '../../../../src/core/errors'
import { quantile } from '../../../../src/core/stats/histogram'
import { StartRolloutInput } from '../../../../src/schemas/rollout'
import { RolloutRunner } from '../../../../src/services/coordinator/rollout-runner'
import { startRollout } from '../../../../src/services/coordinator/start-rollout'
import { FakePort, HOUR, MIN, aggOf, type ModelOptions } from './fake-port'
import { startWithRunner } from './rollouts'

const passingReport = {
  quality: { metric: 'auc', challenger: 0.81, champion: 0.8, threshold: 0.75 },
  latency: { p99_ms: 40 },
}

function request(body: Record<string, unknown> = {}): StartRolloutInput {
  return StartRolloutInput.parse({ challenger: 'v2', strategy: 'canary', ...body })
}

function setup(opts: ModelOptions = {}) {
  const port = new FakePort({ sla: { p99_ms: 250 }, ...opts })
  const runner = new RolloutRunner(port)
  return {
    port,
    runner,
    start: (body: Record<string, unknown> = {}) => startRollout(port, runner, request(body), 'alice'),
  }
}

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p
  } catch (e) {
    if (e instanceof DomainError) return e
    throw e
  }
  throw new Error('expected a DomainError')
}

describe('startRollout: refusals', () => {
  it('refuses a second rollout while one is active (conflict), and allows one once it has ended', async () => {
    const { port, runner, start } = setup({ risk: 'low' })
    const { stored } = await startWithRunner(port)
    const e = await refusal(start())
    expect(e.code).toBe('conflict')
    expect(e.detail).toContain(stored.state.id)
    expect(port.active()!.state.id).toBe(stored.state.id)

    await runner.run(port.active()!, { type: 'abort', now: port.now(), actor: 'bob' }, 'bob')
    const next = await start()
    expect(next.state.id).not.toBe(stored.state.id)
    expect(port.active()!.state.id).toBe(next.state.id)
  })

  it('refuses a model without a champion (a conflict: no_champion)', async () => {
    const { port, start } = setup({ champion: null })
    const e = await refusal(start())
    expect(e.code).toBe('conflict')
    expect(e.extra).toEqual({ reason: 'no_champion' })
    expect(port.savedRollouts).toEqual([])
  })

  it('refuses an unknown challenger, naming the field', async () => {
    const { port, start } = setup()
    const e = await refusal(start({ challenger: 'v9' }))
    expect(e.code).toBe('validation_failed')
    expect(e.fields).toEqual([{ field: 'challenger', message: expect.stringContaining('v9') }])
    expect(port.savedRollouts).toEqual([])
    // Refused before any read of the metrics.
    expect(port.summaryQueries).toEqual([])
  })

  it('refuses the champion as its own challenger, naming the field', async () => {
    const { port, start } = setup()
    const e = await refusal(start({ challenger: 'v1' }))
    expect(e.code).toBe('validation_failed')
    expect(e.fields).toEqual([{ field: 'challenger', message: expect.any(String) }])
    expect(port.savedRollouts).toEqual([])
    expect(port.summaryQueries).toEqual([])
  })

  it('refuses while action items of earlier incidents are open, counting them across incidents', async () => {
    const { port, start } = setup()
    port.putIncident({ id: 'inc_a', openActionItems: 1 })
    port.putIncident({ id: 'inc_b', openActionItems: 2 })
    port.putIncident({ id: 'inc_c', openActionItems: 0 })
    const e = await refusal(start({ evaluation: passingReport }))
    expect(e.code).toBe('conflict')
    expect(e.detail).toMatch(/^3 open action item\(s\)/)
    expect(port.savedRollouts).toEqual([])
    expect(port.registryLog).toEqual([])
  })

  it('refuses an evaluation waiver on a model that is not low-risk (forbidden)', async () => {
    const { port, start } = setup({ risk: 'medium' })
    expect((await refusal(start({ waive_evaluation: true }))).code).toBe('forbidden')
    expect(port.savedRollouts).toEqual([])
  })

  it('refuses a request that both waives and submits the evaluation without leaving a rollout behind', async () => {
    const { port, start } = setup({ risk: 'low' })
    const e = await refusal(start({ waive_evaluation: true, evaluation: passingReport }))
    expect(e.code).toBe('validation_failed')
    expect(e.fields?.[0]?.field).toBe('evaluation')
    expect(port.active()).toBeNull()
    expect(port.registryLog).toEqual([])
  })
})

describe('startRollout: a new rollout', () => {
  it('starts waiting for the evaluation, records its start epoch, the actor and the audit entry', async () => {
    const { port, start } = setup()
    const epoch = port.epoch
    const stored = await start({ reason: 'quarterly model' })
    expect(stored.state).toMatchObject({
      phase: 'awaiting_evaluation',
      stepIndex: -1,
      config: { model: 'credit-risk', champion: 'v1', challenger: 'v2', strategies: ['canary'] },
      policy: { risk: 'medium', lastRollbackAt: null, gatesWeakerThanDefaults: [] },
      createdAt: port.now(),
    })
    expect(stored.meta).toEqual({
      startEpoch: epoch,
      finalEpoch: null,
      rollbackEpoch: null,
      failedStep: null,
      incidentId: null,
    })
    expect(port.active()).toEqual(stored)
    expect(port.registryLog).toEqual([])
    expect(port.audits).toEqual([
      expect.objectContaining({ action: 'rollout.started', target: stored.state.id, actor: 'alice' }),
    ])
    expect(port.outboxOf('rollout').at(-1)!.row).toMatchObject({ id: stored.state.id, phase: 'awaiting_evaluation' })
  })

  it('applies an evaluation report sent with the start: a passing one enters the first step', async () => {
    const { port, start } = setup()
    const stored = await start({ evaluation: passingReport })
    expect(stored.state).toMatchObject({ phase: 'progressing', stepIndex: 0, evaluation: { status: 'passed' } })
    expect(stored.state.stepEpoch).toBe(port.epoch)
    expect(port.registryLog.map((c) => c.cmd)).toEqual([
      expect.objectContaining({ type: 'set_routing', input: expect.objectContaining({ weights: { v1: 95, v2: 5 } }) }),
    ])
    expect(port.registryLog[0]!.actor).toBe('alice')
  })

  it('keeps a failing evaluation report and exposes nothing', async () => {
    const { port, start } = setup()
    const stored = await start({
      evaluation: { ...passingReport, quality: { ...passingReport.quality, challenger: 0.7 } },
    })
    expect(stored.state).toMatchObject({ phase: 'awaiting_evaluation', evaluation: { status: 'failed' } })
    expect(port.registryLog).toEqual([])
  })
})

describe('startRollout: the champion’s latency anchors the latency gate only from 1,000 answers', () => {
  async function latencyGate(answers: number, extra: (port: FakePort) => void = () => {}) {
    const { port, start } = setup()
    port.plant({ version: 'v1', arm: 'champion', requests: answers, latencyMs: 120 })
    extra(port)
    const stored = await start()
    expect(port.summaryQueries[0]).toEqual({ minEpoch: 0, now: port.now(), metrics: [] })
    return stored.state.config.gates
  }

  it('uses the SLA with 999 answers', async () => {
    const gates = await latencyGate(999)
    expect(gates.canary!.latency!.thresholdMs).toBe(250)
    expect(gates.watch!.latency!.thresholdMs).toBe(250)
  })

  it("uses the champion's p99 with 1,000 answers", async () => {
    const gates = await latencyGate(1_000)
    const p99 = quantile(aggOf({ requests: 1_000, latencyMs: 120 }).latency, 0.99)
    expect(p99).toBe(120)
    expect(gates.canary!.latency!.thresholdMs).toBe(p99)
    expect(gates.shadow!.latency!.thresholdMs).toBe(p99)
  })

  it('counts neither shadow copies nor other versions as the champion’s answers', async () => {
    const gates = await latencyGate(999, (port) => {
      port.plant({ version: 'v1', arm: 'shadow', requests: 5_000, latencyMs: 120 })
      port.plant({ version: 'v2', arm: 'challenger', requests: 5_000, latencyMs: 120 })
    })
    expect(gates.canary!.latency!.thresholdMs).toBe(250)
  })

  it('counts the champion’s answers across every epoch and arm it served in', async () => {
    const gates = await latencyGate(500, (port) => {
      port.plant({ epoch: 1, version: 'v1', arm: 'challenger', requests: 500, latencyMs: 120 })
    })
    expect(gates.canary!.latency!.thresholdMs).toBe(120)
  })
})

describe('startRollout: approval policy facts', () => {
  it('asks an approver before the first exposure when the model was rolled back recently', async () => {
    const { port, start } = setup()
    port.lastRollback = port.now() - 2 * HOUR
    const stored = await start({ evaluation: passingReport })
    expect(stored.state.policy.lastRollbackAt).toBe(port.now() - 2 * HOUR)
    expect(stored.state).toMatchObject({
      phase: 'awaiting_approval',
      pendingApproval: { forStep: 0, rules: ['recent_rollback'] },
    })
    expect(port.registryLog).toEqual([])
  })

  it('does not ask for a rollback older than the window', async () => {
    const { port, start } = setup()
    port.lastRollback = port.now() - 8 * 24 * HOUR
    const stored = await start({ evaluation: passingReport })
    expect(stored.state.phase).toBe('progressing')
  })

  it('asks an approver for plans and gates weaker than the model’s defaults', async () => {
    const { start } = setup()
    const stored = await start({
      evaluation: passingReport,
      durations: { stage_min_s: 60 },
      gates: { canary: { min_sample: 100 } },
    })
    expect(stored.state.policy.gatesWeakerThanDefaults).toEqual(
      expect.arrayContaining(['durations.stage_min_s 1 min < default 24 h', 'canary: min_sample 100 < default 1000']),
    )
    expect(stored.state).toMatchObject({ phase: 'awaiting_approval', pendingApproval: { rules: ['weak_gates'] } })
  })

  it('carries the model’s risk and the operator’s cohort rules into the rollout', async () => {
    const { port, start } = setup({ risk: 'low', versions: ['v1', 'v2', 'v3'] })
    const rules = [{ when: { header: 'x-beta', equals: '1' }, version: 'v3', percent: 100 }]
    await port.registry({ type: 'set_routing', input: { weights: { v1: 100 }, rules, shadow: null } }, 'ops')
    port.advance(MIN)
    const stored = await start({ waive_evaluation: true })
    expect(stored.state.policy.risk).toBe('low')
    expect(stored.state.baseRules).toEqual(rules)
    expect(port.registryLog.at(-1)!.cmd).toMatchObject({ type: 'set_routing', input: { rules } })
  })
})
