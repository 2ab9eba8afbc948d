/**
 * The coordinator's ETA with the planned looks (docs/statistics.md §2.8): the step's recorded looks
 * reach the forecast, so a PASS look due at the minimum duration shows in `eta`, and what the
 * forecast projects is never recorded. The arms of ./planned-looks.test.ts: a 25 % canary with a
 * 10-minute minimum, 150,000 vs 450,000 identical exposures converting 5 % (PASS look z ≈ 1.55).
 */
import { describe, expect, it } from 'vitest'
import { RolloutRunner } from '../../../../src/services/coordinator/rollout-runner'
import { tickRollout } from '../../../../src/services/coordinator/rollout-commands'
import { FakePort, MIN } from './fake-port'
import { canaryConfig, demoGate, startWithRunner } from './rollouts'

const business = [{ metric: 'conversion', kind: 'proportion', direction: 'higher_is_better', margin: 0.02 }] as const

async function identicalArms(): Promise<FakePort> {
  const port = new FakePort({
    risk: 'low',
    metrics: [
      {
        name: 'conversion',
        kind: 'proportion',
        direction: 'higher_is_better',
        window_s: 60,
        positive_labels: [],
        margin: 0.02,
      },
    ],
  })
  await startWithRunner(
    port,
    canaryConfig({ gates: { canary: demoGate('canary', { business: [...business] }), watch: demoGate('watch') } }),
  )
  port.plantArms({
    champion: { requests: 450_000, errorRate: 0.01 },
    challenger: { requests: 150_000, errorRate: 0.01 },
  })
  const outcomes = { metric: 'conversion', exposures: 450_000, positives: 22_500 }
  port.plantOutcomes({ version: 'v1', arm: 'champion', ...outcomes })
  port.plantOutcomes({ version: 'v2', arm: 'challenger', ...outcomes, exposures: 150_000, positives: 7_500 })
  return port
}

describe('the ETA in the coordinator', () => {
  it('forecasts the PASS look at the minimum duration, and records none of its projections', async () => {
    const port = await identicalArms()
    port.advance(4 * MIN)
    await tickRollout(port, new RolloutRunner(port), port.advance(MIN))
    const stored = port.active()!
    const r = stored.state
    const minimum = r.stepStartedAt + 10 * MIN
    // 5 min in: at 10 min (s = 2) the look sees z ≈ 1.55·√2 = 2.19 > z_{1−3·0.025/4} = 2.08: PASS there.
    const v = await new RolloutRunner(port).evaluate(stored, port.now())
    expect(v?.decision).toBe('CONTINUE')
    expect(v?.eta?.decideAt).toBeGreaterThanOrEqual(minimum)
    expect(v?.eta?.decideAt).toBeLessThan(minimum + MIN / 10)
    // Only the looks really taken are recorded (FAIL and SRM at this tick; no PASS look yet).
    const sides = (stored.looks?.looks ?? []).map((l) => l.side ?? 'fail')
    expect(sides).not.toContain('pass')
  })
})
