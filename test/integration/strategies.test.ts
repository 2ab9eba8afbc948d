import { describe, expect, inject, it } from 'vitest'
import { sumWhere } from '../../src/core/metrics/summary'
import { adminOk, uniqueModel } from './helpers/harness'
import { summary } from './helpers/measure'
import { approve, cron, fastPlan, passingReport, rollout, traffic } from './helpers/rollout'

const MIN = 60_000

async function model(v2: string) {
  const name = uniqueModel('strat')
  await adminOk('PUT', `/models/${name}`, { risk: 'medium' }, 201)
  await adminOk(
    'PUT',
    `/models/${name}/versions/v1`,
    { backend: { url: `${inject('upstreamA')}/mode/predict-label-0` } },
    201,
  )
  await adminOk('PUT', `/models/${name}/versions/v2`, { backend: { url: v2 } }, 201)
  await adminOk('POST', `/models/${name}/champion`, { version: 'v1' })
  return name
}

describe('blue/green', () => {
  it('switches 100% in one publish, keeps the old champion as rollback target, and completes after a clean watch', async () => {
    const m = await model(`${inject('upstreamB')}/mode/predict-label-0`)
    await traffic(m, 600) // v1's baseline before the switch: the watch has nothing to judge without it
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: 'blue_green', evaluation: passingReport, ...fastPlan },
      201,
    )
    await approve(started.id)
    let r = await rollout(started.id)
    expect(r.phase).toBe('watching')
    const view = await adminOk('GET', `/models/${m}`)
    expect(view).toMatchObject({ champion: 'v2', previous_champion: 'v1' })
    expect(view.routing.weights).toEqual({ v2: 100 })
    // The watch compares v2's traffic with v1's pre-switch baseline.
    await traffic(m, 600)
    await cron(Date.now() + 2 * MIN + 1_000)
    r = await rollout(started.id)
    expect(r.phase, r.verdicts.at(-1)?.reason).toBe('completed')
  }, 60_000)

  it('pauses for a human when its watch ends with nothing to judge (no baseline before the switch)', async () => {
    const m = await model(`${inject('upstreamB')}/mode/predict-label-0`)
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: 'blue_green', evaluation: passingReport, ...fastPlan },
      201,
    )
    await approve(started.id)
    await traffic(m, 600)
    await cron(Date.now() + 2 * MIN + 1_000)
    const r = await rollout(started.id)
    expect(r.phase).toBe('paused')
    expect(r.events.at(-1)?.reason).toMatch(/without evidence to judge/)
  }, 60_000)

  it('rolls a failing switch back to the previous champion during the watch', async () => {
    const m = await model(`${inject('upstreamB')}/mode/flaky-0.5`)
    await traffic(m, 600) // v1's baseline before the switch
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: 'blue_green', evaluation: passingReport, ...fastPlan },
      201,
    )
    await approve(started.id)
    await traffic(m, 300)
    await cron(Date.now() + 5_000)
    const r = await rollout(started.id)
    expect(r.phase, r.verdicts.at(-1)?.reason).toBe('rolled_back')
    expect(r.rollback).toMatchObject({ target: 'previous_champion', version: 'v1' })
    const view = await adminOk('GET', `/models/${m}`)
    expect(view.champion).toBe('v1')
    expect(view.routing.weights).toEqual({ v1: 100 })
  }, 60_000)
})

describe('feature flag', () => {
  it("gives a share of a header cohort the challenger and judges it against the cohort's own control", async () => {
    const m = await model(`${inject('upstreamB')}/mode/predict-label-0`)
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      {
        challenger: 'v2',
        strategy: 'feature_flag',
        evaluation: passingReport,
        ...fastPlan,
        cohort: { when: { header: 'x-tier', equals: 'beta' }, percents: [50], promote: false },
      },
      201,
    )
    await approve(started.id)
    const routing = (await adminOk('GET', `/models/${m}`)).routing
    expect(routing.weights).toEqual({ v1: 100 })
    expect(routing.rules).toEqual([{ when: { header: 'x-tier', equals: 'beta' }, version: 'v2', percent: 50 }])

    // Half the units are in the beta cohort; only cohort members can reach v2.
    let k = 0
    await traffic(
      m,
      2_400,
      () => `u-${k++}`,
      (u) => (Number(u.slice(2)) % 2 === 0 ? { 'x-tier': 'beta' } : { 'x-tier': 'free' }),
    )
    const s = await summary(m)
    const treatment = sumWhere(s, (r) => r.version === 'v2' && r.arm === 'cohort' && r.segment === 'cohort')
    const nonCohortOnV2 = sumWhere(s, (r) => r.version === 'v2' && r.segment === '')
    expect(nonCohortOnV2.requests).toBe(0)
    expect(treatment.requests).toBeGreaterThan(0)
    const cohortOnV1 = sumWhere(s, (r) => r.version === 'v1' && r.arm === 'champion' && r.segment === 'cohort')
    const allOnV1 = sumWhere(s, (r) => r.version === 'v1')
    expect(cohortOnV1.requests).toBeGreaterThan(0)
    expect(allOnV1.requests).toBeGreaterThan(cohortOnV1.requests)

    await cron(Date.now() + MIN + 1_000)
    const r = await rollout(started.id)
    const v = r.verdicts.at(-1)
    expect(v.decision, v.reason).toBe('PASS')
    // Control = cohort members who stayed on the champion, not the champion's whole traffic.
    const error = v.metrics.find((x: any) => x.metric === 'error_rate')
    expect(error.challenger.n).toBe(treatment.requests)
    expect(error.champion.n).toBe(cohortOnV1.requests)
    expect(error.champion.n).not.toBe(allOnV1.requests)
  }, 60_000)
})
