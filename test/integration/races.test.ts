/**
 * Commands that race each other or a tick. Each precondition is checked inside the coordinator's
 * lock against the state the command changes, so whichever comes second sees what the first did:
 * it applies to that, or is refused with 409, and is never answered 200 for a change that did not
 * happen. Each race runs 50 times with both calls in flight at once.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, inject, it } from 'vitest'
import { admin, adminOk, uniqueModel } from './helpers/harness'
import { coordinatorClient } from '../../src/adapters/do/coordinator-client'
import { approve, rollout, traffic } from './helpers/rollout'

const ROUNDS = 50
// A safety net, not a speed claim: on a 2-core machine busy with other work, 50 rounds of the
// rollback race took over 5 min.
const SLOW = { timeout: 900_000 }

async function model(): Promise<string> {
  const name = uniqueModel('race')
  await adminOk('PUT', `/models/${name}`, { risk: 'low' }, 201)
  await adminOk('PUT', `/models/${name}/versions/v1`, { backend: { url: inject('upstreamA') } }, 201)
  await adminOk('PUT', `/models/${name}/versions/v2`, { backend: { url: inject('upstreamB') } }, 201)
  await adminOk('POST', `/models/${name}/champion`, { version: 'v1' })
  return name
}

const canary = { challenger: 'v2', strategy: 'canary', stages: [10, 100], waive_evaluation: true }

async function json(res: Response): Promise<any> {
  const text = await res.text()
  return text ? JSON.parse(text) : null
}

describe('start a rollout vs a change of routing or of the challenger', () => {
  it(`never lets PUT /routing commit under a rollout that already started (${ROUNDS} rounds)`, SLOW, async () => {
    const outcomes = new Set<string>()
    for (let i = 0; i < ROUNDS; i++) {
      const m = await model()
      const [start, put] = await Promise.all([
        admin('POST', `/models/${m}/rollouts`, canary),
        admin('PUT', `/models/${m}/routing`, { weights: { v1: 50, v2: 50 } }),
      ])
      const started = await json(start)
      const routed = await json(put)
      outcomes.add(`${start.status}/${put.status}`)
      if (put.status === 200 && start.status === 201) {
        // Both succeeded: the routing change must have come first, and the rollout started from it.
        expect(routed.epoch, JSON.stringify({ routed, started: started.step })).toBeLessThan(started.step.epoch)
      } else {
        expect(start.status, JSON.stringify(started)).toBe(201)
        expect(put.status, JSON.stringify(routed)).toBe(409)
        expect(routed.code).toBe('conflict')
      }
      // Whatever happened, the routing now is the rollout's first step: 10% to the challenger.
      expect((await adminOk('GET', `/models/${m}`)).routing.weights).toEqual({ v1: 90, v2: 10 })
    }
    expect(outcomes.size).toBeGreaterThan(0)
  })

  it(`never swaps the challenger's backend under a rollout that already started (${ROUNDS} rounds)`, SLOW, async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const m = await model()
      const [start, put] = await Promise.all([
        admin('POST', `/models/${m}/rollouts`, canary),
        admin('PUT', `/models/${m}/versions/v2`, { backend: { url: `${inject('upstreamA')}/mode/echo` } }),
      ])
      const started = await json(start)
      const version = await json(put)
      const after = await adminOk('GET', `/models/${m}`)
      const backend = after.versions.find((v: any) => v.name === 'v2').backend.url
      if (put.status === 200) {
        expect(version.epoch, JSON.stringify(version)).toBeLessThan(started.step?.epoch ?? Infinity)
        expect(backend).toBe(`${inject('upstreamA')}/mode/echo`)
      } else {
        expect(put.status, JSON.stringify(version)).toBe(409)
        expect(backend).toBe(inject('upstreamB'))
      }
      expect(start.status, JSON.stringify(started)).toBe(201)
    }
  })
})

describe('one-command rollback vs the tick that completes the rollout', () => {
  it(`answers changed: true only when it rolled back, and says what it ended (${ROUNDS} rounds)`, SLOW, async () => {
    const seen = { endedRollout: 0, noChange: 0 }
    for (let i = 0; i < ROUNDS; i++) {
      const m = await model()
      await traffic(m, 40) // v1's baseline for the watch
      const started = await adminOk(
        'POST',
        `/models/${m}/rollouts`,
        {
          challenger: 'v2',
          strategy: 'blue_green',
          waive_evaluation: true,
          durations: { watch_s: 1 },
          gates: { watch: { min_sample: 20, error_rate: { margin: 1, floor: 0.5 }, latency: null } },
        },
        201,
      )
      if ((await rollout(started.id)).phase === 'awaiting_approval') await approve(started.id)
      expect((await rollout(started.id)).phase).toBe('watching')
      await traffic(m, 40)
      const [rb] = await Promise.all([
        admin('POST', `/models/${m}/rollback`, { target: 'previous_champion', reason: `round ${i}` }),
        // The model's tick as cron and the coordinator's alarm run it (cron itself also rolls up
        // every model's history, which this file's many models would make slow).
        coordinatorClient(env.MODEL_COORDINATOR, m).tick(Date.now() + 5_000),
      ])
      const answer = await json(rb)
      const after = await adminOk('GET', `/models/${m}`)
      const r = await rollout(started.id)
      if (rb.status === 200 && answer.changed) {
        // It rolled back: everything goes to v1, and a rollout it ended is rolled back.
        expect(after.routing.weights, JSON.stringify(answer)).toEqual({ v1: 100 })
        if (answer.ended_rollout !== null) {
          expect(answer.ended_rollout).toBe(started.id)
          expect(r.phase).toBe('rolled_back')
          seen.endedRollout++
        } else expect(r.phase, 'the tick completed the rollout first').toBe('completed')
      } else if (rb.status === 200) {
        // Nothing to do: already on the target. The epoch did not move.
        expect(answer.epoch).toBe(after.epoch)
        seen.noChange++
      } else {
        expect([409, 412], JSON.stringify(answer)).toContain(rb.status)
      }
    }
    expect(seen.endedRollout + seen.noChange).toBeGreaterThan(0)
  })
})
