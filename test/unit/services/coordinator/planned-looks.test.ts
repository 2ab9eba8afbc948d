/**
 * The planned FAIL look in the coordinator (docs/statistics.md §5.6): the tick saves the looks the
 * gates took for the step's epoch and passes them back on every later tick, so a look is taken
 * once per step; a new step epoch starts with none.
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

function plant(port: FakePort): void {
  port.plantArms({
    champion: { requests: 450_000, errorRate: 0.01 },
    challenger: { requests: 150_000, errorRate: 0.01 },
  })
  port.plantOutcomes({ version: 'v1', arm: 'champion', metric: 'conversion', exposures: 450_000, positives: 22_500 })
  port.plantOutcomes({ version: 'v2', arm: 'challenger', metric: 'conversion', exposures: 150_000, positives: 7_500 })
}

const tick = (port: FakePort) => tickRollout(port, new RolloutRunner(port), port.advance(MIN))

describe('planned looks in the coordinator', () => {
  it('records a look once and keeps it across ticks of the same step', async () => {
    const port = await identicalArms()
    expect((await tick(port)).decision).toBe('CONTINUE')
    const first = port.active()!.looks
    expect(first?.epoch).toBe(port.active()!.state.stepEpoch)
    expect(first?.looks.map((l) => [l.metric, l.decision])).toEqual([['conversion', 'continue']])
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
    expect(now.looks.map((l) => l.decision)).toEqual(['continue'])
  })
})
