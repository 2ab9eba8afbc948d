/**
 * Rollout fixtures for the coordinator's use-case tests: a canary configuration with the model's
 * default gates at demo-sized durations, and a rollout started straight through the pure machine
 * (`start`) and the runner, so the runner's tests do not depend on the start use case.
 */
import { defaultGateConfig } from '../../../../src/core/gates/defaults'
import type { GateConfig, VerdictRecord } from '../../../../src/core/gates/types'
import { start, type RolloutConfigInput, type StartContext } from '../../../../src/core/rollout/index'
import type { StoredRollout } from '../../../../src/services/coordinator/ports'
import { RolloutRunner } from '../../../../src/services/coordinator/rollout-runner'
import { MIN, type FakePort } from './fake-port'

/** The model's default gates for a stage, with a 10-minute minimum duration. */
export function demoGate(stage: 'shadow' | 'canary' | 'watch', overrides: Partial<GateConfig> = {}): GateConfig {
  return { ...defaultGateConfig({ stage, slaP99Ms: 250 }), minDurationMs: 10 * MIN, ...overrides }
}

/** A canary v2 over v1 at 25 → 50 → 100 %, stages of 10 min, a 30 min watch. */
export function canaryConfig(overrides: Partial<RolloutConfigInput> = {}): RolloutConfigInput {
  return {
    model: 'credit-risk',
    challenger: 'v2',
    champion: 'v1',
    strategies: ['canary'],
    stages: [25, 50, 100],
    durations: { stageMinMs: 10 * MIN, shadowMinMs: 10 * MIN, watchMs: 30 * MIN },
    gates: { canary: demoGate('canary'), watch: demoGate('watch') },
    ...overrides,
  }
}

/**
 * Starts a rollout as the start use case does (without it): the machine's first transition, run
 * by the runner. `evaluationWaived` (the default, a low-risk model) enters the first step at once.
 */
export async function startWithRunner(
  port: FakePort,
  config: RolloutConfigInput = canaryConfig(),
  ctx: Partial<StartContext> = {},
  runner = new RolloutRunner(port),
): Promise<{ runner: RolloutRunner; stored: StoredRollout }> {
  const model = port.model()
  const t = start(config, {
    id: port.newId('ro'),
    now: port.now(),
    risk: model.risk,
    lastRollbackAt: port.lastRollbackAt(),
    gatesWeakerThanDefaults: [],
    openActionItems: 0,
    evaluationWaived: true,
    actor: 'alice',
    ...ctx,
  })
  const stored: StoredRollout = {
    state: t.state,
    meta: { startEpoch: model.epoch, finalEpoch: null, rollbackEpoch: null, failedStep: null, incidentId: null },
  }
  return { runner, stored: await runner.execute(stored, t, 'alice') }
}

/** One gate tick as the coordinator runs it (tickRollout without its terminal branch). */
export async function runnerTick(
  port: FakePort,
  runner: RolloutRunner,
  afterMs = MIN,
): Promise<{ verdict: VerdictRecord | null; next: StoredRollout }> {
  const now = port.advance(afterMs)
  const stored = port.active()
  if (stored === null) throw new Error('no active rollout')
  const verdict = await runner.evaluate(stored, now)
  const r = stored.state
  const input = { type: 'tick' as const, now, stepIndex: r.stepIndex, stepEpoch: r.stepEpoch, verdict }
  return { verdict, next: await runner.run(stored, input, 'controller') }
}

/** Traffic of the 25% canary step: champion 7,500 requests at 1% errors, challenger 2,500 at `rate`. */
export function plantCanary25(port: FakePort, challengerErrorRate: number, epoch = port.epoch): void {
  port.plantArms(
    {
      champion: { requests: 7_500, errorRate: 0.01 },
      challenger: { requests: 2_500, errorRate: challengerErrorRate },
    },
    epoch,
  )
}

/** A canary rolled back by a FAIL at 25%: the challenger had 3× the champion's error rate. */
export async function failedCanary(port: FakePort): Promise<{ runner: RolloutRunner; stored: StoredRollout }> {
  const { runner } = await startWithRunner(port)
  plantCanary25(port, 0.03)
  const { verdict, next } = await runnerTick(port, runner)
  if (verdict?.decision !== 'FAIL' || next.state.phase !== 'rolled_back') {
    throw new Error(`fixture: expected a FAIL and a rollback, got ${verdict?.decision} (${next.state.phase})`)
  }
  return { runner, stored: next }
}
