/**
 * Undo a promotion (README, "Undo a promotion"): after a rollout completed with v2 as champion, the
 * one-command rollback routes everything back to v1 through the rollout's runbook (incident,
 * controller confirmation, retrospective); a second rollback changes nothing.
 */
import { describe, expect, inject, it } from 'vitest'
import { admin, adminOk, infer, uniqueModel } from './helpers/harness'
import { approve, cron, rollout, traffic } from './helpers/rollout'

const MIN = 60_000
const DAY = 86_400_000

async function completedPromotion(): Promise<{ m: string; id: string }> {
  const m = uniqueModel('undo')
  await adminOk('PUT', `/models/${m}`, { risk: 'low' }, 201)
  // A champion that takes 100 ms: the confirmation compares its latency before and after the
  // rollback, and a few-ms backend on a shared test machine is all noise.
  await adminOk('PUT', `/models/${m}/versions/v1`, { backend: { url: `${inject('upstreamA')}/mode/sleep-100` } }, 201)
  await adminOk('PUT', `/models/${m}/versions/v2`, { backend: { url: inject('upstreamB') } }, 201)
  await adminOk('POST', `/models/${m}/champion`, { version: 'v1' })
  await traffic(m, 60) // v1's history: the confirmation's baseline
  const started = await adminOk(
    'POST',
    `/models/${m}/rollouts`,
    {
      challenger: 'v2',
      strategy: 'blue_green',
      waive_evaluation: true,
      durations: { watch_s: 60 },
      gates: { watch: { min_sample: 20, error_rate: { margin: 1, floor: 0.5 }, latency: null } },
    },
    201,
  )
  const id = started.id as string
  if ((await rollout(id)).phase === 'awaiting_approval') await approve(id)
  expect((await rollout(id)).phase).toBe('watching')
  let clock = Date.now()
  for (let i = 0; i < 5 && (await rollout(id)).phase === 'watching'; i++) {
    await traffic(m, 40)
    clock += 2 * MIN
    await cron(clock)
  }
  const r = await rollout(id)
  expect(r.phase, JSON.stringify(r.verdicts.at(-1)?.reason)).toBe('completed')
  expect(r.outcome).toBe('promoted')
  return { m, id }
}

describe('undo a promotion', () => {
  it('rollout completes (v2 champion) → one-command rollback → v1 serves 100%, incident, confirmation; again → changed: false', async () => {
    const { m, id } = await completedPromotion()
    const promoted = await adminOk('GET', `/models/${m}`)
    expect(promoted).toMatchObject({ champion: 'v2', previous_champion: 'v1', routing: { weights: { v2: 100 } } })
    // The target is shown before acting, with the promotion time and the end of its window (7 days).
    const target = promoted.rollback_target
    expect(target.version).toBe('v1')
    expect(Date.parse(target.expires_at) - Date.parse(target.promoted_at)).toBe(7 * DAY)
    expect(Math.abs(Date.now() - Date.parse(target.promoted_at))).toBeLessThan(10 * MIN)

    const rb = await adminOk('POST', `/models/${m}/rollback`)
    expect(rb).toMatchObject({ changed: true, champion: 'v1', weights: { v1: 100 }, ended_rollout: id })
    expect(rb.epoch).toBeGreaterThan(promoted.epoch)
    expect(rb.rolled_back_from.weights).toEqual({ v2: 100 })
    // Ten at a time: the confirmation compares v1's latency with its history, and fifty in flight on
    // a busy machine queue long enough to fail that comparison for a rollback that worked.
    const counts: Record<string, number> = {}
    for (let i = 0; i < 6; i++) {
      for (const [v, n] of Object.entries(await traffic(m, 10))) counts[v] = (counts[v] ?? 0) + n
    }
    expect(counts).toEqual({ v1: 60 })
    const after = await adminOk('GET', `/models/${m}`)
    expect(after).toMatchObject({ champion: 'v1', previous_champion: null, rollback_target: null, epoch: rb.epoch })

    // The rollout's runbook: its record ends rolled back by the operator, and an incident opens.
    let r = await rollout(id)
    expect(r.phase).toBe('rolled_back')
    expect(r.rollback).toMatchObject({ trigger: 'operator_rollback', target: 'previous_champion', version: 'v1' })
    const { incidents } = await adminOk('GET', `/incidents?model=${m}`)
    expect(incidents).toHaveLength(1)
    expect(incidents[0]).toMatchObject({ rollout_id: id, trigger: 'operator_rollback' })
    // The controller confirms it on a tick, as any rollback of a rollout.
    await cron(Date.now() + 10 * MIN)
    r = await rollout(id)
    expect(r.rollback.confirmation, JSON.stringify(r.rollback)).toMatchObject({ ok: true })
    expect((await adminOk('GET', `/incidents/${incidents[0].id}`)).confirmation).toMatchObject({ ok: true })
    await adminOk('POST', `/incidents/${incidents[0].id}/retrospective`, { root_cause: 'v2 regressed after the watch' })

    // Already on the target: nothing is published, the epoch stays.
    const again = await adminOk('POST', `/models/${m}/rollback`, { reason: 'again' })
    expect(again).toMatchObject({ changed: false, champion: 'v1', epoch: rb.epoch, ended_rollout: null })
    expect((await adminOk('GET', `/models/${m}`)).epoch).toBe(rb.epoch)
    // The previous champion is gone as a target: naming it is refused.
    const none = await admin('POST', `/models/${m}/rollback`, { target: 'previous_champion' })
    expect(none.status).toBe(409)
    expect((await adminOk('GET', `/audit/verify?model=${m}`)).ok).toBe(true)
  }, 120_000)

  it('a rollback naming the champion after a promotion changes nothing and keeps the target', async () => {
    const { m, id } = await completedPromotion()
    const before = await adminOk('GET', `/models/${m}`)
    const rb = await adminOk('POST', `/models/${m}/rollback`, { target: 'champion' })
    expect(rb).toMatchObject({ changed: false, champion: 'v2', epoch: before.epoch })
    expect((await adminOk('GET', `/models/${m}`)).rollback_target.version).toBe('v1')
    expect((await rollout(id)).phase).toBe('completed')
    expect((await infer(m)).headers.get('x-model-version')).toBe('v2')
  }, 120_000)
})
