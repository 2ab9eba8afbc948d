/**
 * The planned looks in the coordinator (docs/statistics.md §5.6, §5.7, §9.4): the tick saves the
 * looks the gates took for the step's epoch (FAIL, PASS, SRM) and passes them back on every later
 * tick, so a look is taken once per step; a new step epoch starts with none.
 */
import { describe, expect, it } from 'vitest'
import { tickRollout } from '../../../../src/services/coordinator/rollout-commands'
import { RolloutRunner } from '../../../../src/services/coordinator/rollout-runner'
import { FakePort, MIN } from './fake-port'
import { canaryConfig, demoGate, startWithRunner } from './rollouts'

const CONVERSION = { name: 'conversion', kind: 'proportion', direction: 'higher_is_better' } as const

/** A 25% canary gated on conversion (margin 2%), both arms converting 5%, enough for the look. */
async function identicalArms(): Promise<FakePort> {
  const port = new FakePort({
    risk: 'low',
    metrics: [{ ...CONVERSION, window_s: 60, positive_labels: [], margin: 0.02 }],
  })
  const business = [{ metric: 'conversion', kind: 'proportion', direction: 'higher_is_better', margin: 0.02 }] as const
  await startWithRunner(
    port,
    canaryConfig({ gates: { canary: demoGate('canary', { business: [...business] }), watch: demoGate('watch') } }),
  )
  plant(port)
  return port
}

/** `k` × (150,000 challenger and 450,000 champion exposures), both converting 5%. */
function plant(port: FakePort, k = 1): void {
  port.plantArms({
    champion: { requests: k * 450_000, errorRate: 0.01 },
    challenger: { requests: k * 150_000, errorRate: 0.01 },
  })
  const outcomes = { metric: 'conversion', exposures: k * 450_000, positives: k * 22_500 }
  port.plantOutcomes({ version: 'v1', arm: 'champion', ...outcomes })
  port.plantOutcomes({ version: 'v2', arm: 'challenger', ...outcomes, exposures: k * 150_000, positives: k * 7_500 })
}

/** A 25% canary with the default gates (errors, latency; no business metric). */
async function plainCanary(): Promise<FakePort> {
  const port = new FakePort({ risk: 'low' })
  await startWithRunner(port)
  return port
}

const split = (port: FakePort, champion: number, challenger: number) =>
  port.plantArms({
    champion: { requests: champion, errorRate: 0.01 },
    challenger: { requests: challenger, errorRate: 0.01 },
  })

const tick = (port: FakePort) => tickRollout(port, new RolloutRunner(port), port.advance(MIN))

/** The recorded looks of the current step as `metric:side:decision`, sorted (FAIL looks have no side). */
const recorded = (port: FakePort) =>
  (port.active()!.looks?.looks ?? []).map((l) => `${l.metric}:${l.side ?? 'fail'}:${l.decision}`).sort()

describe('planned looks in the coordinator', () => {
  it('records a look once and keeps it across ticks of the same step', async () => {
    const port = await identicalArms()
    expect((await tick(port)).decision).toBe('CONTINUE')
    const first = port.active()!.looks
    expect(first?.epoch).toBe(port.active()!.state.stepEpoch)
    // At 150,000 + 450,000 exposures: the FAIL look (V̂ ≤ V_plan) and the SRM look (N ≥ N_plan).
    expect(recorded(port)).toEqual(['conversion:fail:continue', 'srm:srm:continue'])
    plant(port)
    expect((await tick(port)).decision).toBe('CONTINUE')
    expect(port.active()!.looks).toEqual(first)
    // The machine's verdict does not carry the looks: they live beside the rollout.
    expect(port.savedRollouts.some((s) => JSON.stringify(s.state).includes('"vPlan"'))).toBe(false)
  })

  it('ignores looks of an older step epoch', async () => {
    const port = await identicalArms()
    await tick(port)
    const s = port.active()!
    const stale = s.looks!.looks.map((l) => ({ ...l, decision: 'fail' as const }))
    await port.saveRollout({ ...s, looks: { epoch: s.state.stepEpoch! - 1, looks: stale } })
    expect((await tick(port)).decision).toBe('CONTINUE')
    const now = port.active()!.looks!
    expect(now.epoch).toBe(s.state.stepEpoch)
    // Without this step's own record the step counts as begun before PASS and SRM looks existed:
    // only the FAIL look is taken (docs/statistics.md §5.7).
    expect(recorded(port)).toEqual(['conversion:fail:continue'])
    expect(now.looks.every((l) => l.at === port.now())).toBe(true)
  })

  // §5.7: the stage's minimum duration is 10 minutes. At 150,000 vs 450,000 identical exposures the
  // PASS look's z = D̂(m)/√V̂ ≈ 1.55 < z_{1−3·0.025/4} ≈ 2.08; at 4× the data z ≈ 3.1.
  it('takes the PASS look once, at the first tick past the minimum duration, and keeps it', async () => {
    const port = await identicalArms()
    expect((await tick(port)).decision).toBe('CONTINUE')
    expect(recorded(port)).not.toContain('conversion:pass:continue')
    port.advance(9 * MIN)
    expect((await tick(port)).decision).toBe('CONTINUE')
    expect(recorded(port)).toEqual(['conversion:fail:continue', 'conversion:pass:continue', 'srm:srm:continue'])
    const looks = port.active()!.looks
    // More identical data that a new PASS look would PASS: the recorded one is not taken again, and
    // the mixture alone (at α_pass/4) does not PASS yet.
    plant(port, 3)
    expect((await tick(port)).decision).toBe('CONTINUE')
    expect(port.active()!.looks).toEqual(looks)
  })

  it('saves a PASSing look before it acts on the PASS', async () => {
    // The same 4× data in one go: the first tick past the minimum duration PASSes by the look.
    const port = await identicalArms()
    plant(port, 3)
    port.advance(10 * MIN)
    const stepEpoch = port.active()!.state.stepEpoch
    expect((await tick(port)).decision).toBe('PASS')
    expect(port.active()!.state.stepIndex).toBe(1)
    const first = port.savedRollouts.find((r) => r.looks?.looks.some((l) => l.side === 'pass'))
    expect(first?.looks?.epoch).toBe(stepEpoch)
    expect(first?.looks?.looks.find((l) => l.side === 'pass')?.decision).toBe('pass')
    // Saved on its own, while the step had not been acted on.
    expect(first?.state).toMatchObject({ phase: 'progressing', stepIndex: 0 })
    expect(first?.state.lastTickAt).not.toBe(port.now())
  })

  // §9.4 at λ = 25%: N_plan ≈ 37,477 exposures. 30,430 + 9,570 more after a correct 40,000 puts the
  // challenger 3.5 standard errors low: past the look's |z| > 2.97, short of the mixture's alarm.
  it('takes the SRM look once, when the exposures reach N_plan, and keeps it', async () => {
    const port = await plainCanary()
    split(port, 15_000, 5_000)
    expect((await tick(port)).decision).toBe('CONTINUE')
    // The step began with an empty record planned with every side (src/services/coordinator/rollout-runner.ts).
    expect(port.active()!.looks).toMatchObject({ looks: [], sides: ['fail', 'pass', 'srm'] })
    split(port, 15_000, 5_000)
    expect((await tick(port)).decision).toBe('CONTINUE')
    expect(recorded(port)).toEqual(['srm:srm:continue'])
    const looks = port.active()!.looks
    split(port, 30_430, 9_570)
    expect((await tick(port)).decision).toBe('CONTINUE')
    expect(port.active()!.looks).toEqual(looks)

    // The same counts at once: the look is taken on them, alarms and HALTs, and is saved first.
    const fresh = await plainCanary()
    split(fresh, 60_430, 19_570)
    expect((await tick(fresh)).decision).toBe('HALT')
    expect(fresh.active()!.state.phase).toBe('halted')
    expect(recorded(fresh)).toEqual(['srm:srm:fail'])
    const first = fresh.savedRollouts.find((r) => (r.looks?.looks.length ?? 0) > 0)
    expect(first?.state.phase).toBe('progressing')
  })
})
