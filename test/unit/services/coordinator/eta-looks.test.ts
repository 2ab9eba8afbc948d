/**
 * The coordinator's ETA with the planned looks (docs/statistics.md §2.8): the step's recorded looks
 * reach the forecast, so a PASS look due at the minimum duration shows in `eta`, and what the
 * forecast projects is never recorded. The arms of ./planned-looks.test.ts: a 25 % canary with a
 * 10-minute minimum, 150,000 vs 450,000 identical exposures converting 5 % (PASS look z ≈ 1.55).
 */
import { describe, expect, it } from 'vitest'
import { RolloutRunner } from '../../../../src/services/coordinator/rollout-runner'
import { tickRollout } from '../../../../src/services/coordinator/rollout-commands'
import type { PlannedLook, VerdictRecord } from '../../../../src/core/gates/types'
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

  it('records exactly the looks the real evaluations took, over ticks after the ETA projected a PASS look', async () => {
    const port = await identicalArms()
    const runner = new RolloutRunner(port)
    // Every verdict the ticks evaluate, with the looks it really took.
    const verdicts: VerdictRecord[] = []
    const evaluate = runner.evaluate.bind(runner)
    runner.evaluate = async (stored, now) => {
      const v = await evaluate(stored, now)
      if (v) verdicts.push(v)
      return v
    }
    const epoch = port.active()!.state.stepEpoch
    const minimum = port.active()!.state.stepStartedAt + 10 * MIN
    // Ticks at 5 and 7 min (CONTINUE; the ETA runs), the traffic growing with time in between,
    // then at 11 min, past the minimum, with no traffic since 7 min (z ≈ 1.55·√(7/5) = 1.83).
    const ticks: number[] = []
    for (const step of [5 * MIN, 2 * MIN, 4 * MIN]) {
      ticks.push(port.advance(step))
      if (ticks.length === 2) {
        port.plantArms({
          champion: { requests: 180_000, errorRate: 0.01 },
          challenger: { requests: 60_000, errorRate: 0.01 },
        })
        port.plantOutcomes({
          version: 'v1',
          arm: 'champion',
          metric: 'conversion',
          exposures: 180_000,
          positives: 9_000,
        })
        port.plantOutcomes({
          version: 'v2',
          arm: 'challenger',
          metric: 'conversion',
          exposures: 60_000,
          positives: 3_000,
        })
      }
      await tickRollout(port, runner, port.now())
    }
    expect(verdicts.map((v) => v.decision)).toEqual(['CONTINUE', 'CONTINUE', 'CONTINUE'])
    // The first two ticks forecast the PASS look at the minimum (z ≈ 2.19 there, projected).
    for (const v of verdicts.slice(0, 2)) expect(v.eta?.decideAt).toBeLessThan(minimum + MIN / 10)
    const taken: PlannedLook[] = verdicts.flatMap((v) => v.looks ?? [])
    const recorded = [...port.savedRollouts].reverse().find((s) => s.looks?.epoch === epoch)?.looks?.looks
    expect(recorded).toEqual(taken)
    // The PASS look is the one the tick past the minimum took on the data it had (z ≈ 1.83, no
    // PASS), not the projection's (a PASS at 10 min).
    const pass = recorded?.filter((l) => l.side === 'pass') ?? []
    expect(pass).toHaveLength(1)
    expect(pass[0]).toMatchObject({ decision: 'continue', at: ticks[2] })
  })
})
