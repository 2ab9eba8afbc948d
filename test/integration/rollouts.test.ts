import { env } from 'cloudflare:workers'
import { describe, expect, inject, it } from 'vitest'
import { selectRoute } from '../../src/core/routing/select'
import { RoutingSnapshot } from '../../src/schemas/routing'
import { IncidentView } from '../../src/schemas/incident'
import { coordinatorClient } from '../../src/adapters/do/coordinator-client'
import { hashUnit } from '../support/upstream-server'
import { APPROVER, admin, adminConfirmed, adminOk, infer, problemOf, settle, uniqueModel } from './helpers/harness'
import { approve, cron, fastPlan, passingReport, rollout, traffic } from './helpers/rollout'

const MIN = 60_000

async function model(opts: { risk?: 'low' | 'medium' | 'high'; v1?: string; v2?: string; webhooks?: unknown[] } = {}) {
  const name = uniqueModel('ro')
  await adminOk(
    'PUT',
    `/models/${name}`,
    { risk: opts.risk ?? 'medium', shadow_compare: { pointer: '/label', comparator: { kind: 'label' } } },
    201,
  )
  await adminOk(
    'PUT',
    `/models/${name}/versions/v1`,
    { backend: { url: opts.v1 ?? `${inject('upstreamA')}/mode/predict-label-0` } },
    201,
  )
  await adminOk(
    'PUT',
    `/models/${name}/versions/v2`,
    { backend: { url: opts.v2 ?? `${inject('upstreamB')}/mode/predict-label-0` } },
    201,
  )
  await adminOk('POST', `/models/${name}/champion`, { version: 'v1' })
  if (opts.webhooks) await adminOk('PUT', `/models/${name}/webhooks`, { webhooks: opts.webhooks })
  return name
}

async function newestActions(m: string): Promise<string[]> {
  return (await adminOk('GET', `/audit?model=${m}&order=desc&limit=3`)).entries.map((e: any) => e.action)
}

describe('a good challenger walks the whole plan', () => {
  it('shadow → 5 → 25 → 50 → 100 → watch → complete, with the numbers behind every decision', async () => {
    const m = await model()
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: ['shadow', 'canary'], evaluation: passingReport, ...fastPlan },
      201,
    )
    // Smaller samples than the model's defaults are "outside normal parameters": an approver signs off once.
    expect(started.phase).toBe('awaiting_approval')
    expect(started.pending_approval.rules).toContain('weak_gates')
    const id = started.id
    await approve(id)
    expect((await rollout(id)).step).toMatchObject({ index: 0, kind: 'shadow' })

    let clock = Date.now()
    // Volumes that let every always-valid test decide: ≥ 500 challenger requests per stage.
    const walk: Array<[string, number]> = [
      ['shadow', 1_000],
      ['canary 5%', 10_500],
      ['canary 25%', 2_200],
      ['canary 50%', 1_100],
    ]
    for (const [label, n] of walk) {
      await traffic(m, n)
      clock += MIN + 1_000
      await cron(clock)
      const r = await rollout(id)
      const decisive = r.verdicts.filter((v: any) => v.decisive).at(-1)
      expect(decisive?.decision, `${label}: ${JSON.stringify(r.verdicts.at(-1)?.reason)}`).toBe('PASS')
    }
    let r = await rollout(id)
    expect(r.phase).toBe('watching')
    const view = await adminOk('GET', `/models/${m}`)
    expect(view.champion).toBe('v2')
    expect(view.previous_champion).toBe('v1')

    await traffic(m, 600)
    clock += 2 * MIN + 1_000
    await cron(clock)
    r = await rollout(id)
    expect(r.phase, r.verdicts.at(-1)?.reason).toBe('completed')
    expect(r.outcome).toBe('promoted')

    // Every verdict row carries per-arm n and estimate, contrast, boundary and p-value.
    const { verdicts } = await adminOk('GET', `/rollouts/${id}/verdicts`)
    expect(verdicts.length).toBeGreaterThanOrEqual(5)
    for (const v of verdicts) {
      expect(v.reason).toMatch(/PASS|CONTINUE/)
      for (const metric of v.metrics) {
        expect(metric).toHaveProperty('champion.n')
        expect(metric).toHaveProperty('challenger.estimate')
        expect(metric).toHaveProperty('boundary')
        expect(metric).toHaveProperty('p_value')
      }
    }
    const audit = await adminOk('GET', `/audit?model=${m}&limit=500`)
    expect(audit.entries.map((e: any) => e.action)).toEqual(
      expect.arrayContaining([
        'rollout.started',
        'rollout.approved',
        'rollout.verdict',
        'rollout.completed',
        'champion.set',
      ]),
    )
    expect((await adminOk('GET', `/audit/verify?model=${m}`)).ok).toBe(true)
  }, 120_000)
})

describe('a bad challenger', () => {
  it('is rolled back automatically within its first stage, confirmed, alerted and recorded as an incident', async () => {
    const sink = `${inject('upstreamA')}/mode/sink`
    const m = await model({
      // A champion that takes 300 ms, as a real model does: the confirmation compares its latency
      // before and after the rollback, and on a busy test machine a few-ms backend is all noise
      // (other test files share the upstream servers and the CPU).
      v1: `${inject('upstreamA')}/mode/sleep-300`,
      v2: `${inject('upstreamB')}/mode/flaky-0.6`,
      webhooks: [
        { url: `${sink}/json`, format: 'json' },
        { url: `${sink}/slack`, format: 'slack' },
        { url: `${sink}/pagerduty`, format: 'pagerduty', routing_key: 'R0UT1NGKEY' },
      ],
    })
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: 'canary', stages: [25, 50, 100], evaluation: passingReport, ...fastPlan },
      201,
    )
    await approve(started.id)
    await traffic(m, 800)
    let clock = Date.now() + 5_000
    await cron(clock)
    let r = await rollout(started.id)
    expect(r.phase, r.verdicts.at(-1)?.reason).toBe('rolled_back')
    expect(r.rollback).toMatchObject({ trigger: 'gate_fail', version: 'v1', from_step: 0 })
    const failed = r.verdicts.find((v: any) => v.decision === 'FAIL')
    expect(failed.reason).toMatch(/error/i)
    expect((await adminOk('GET', `/models/${m}`)).routing.weights).toEqual({ v1: 100 })

    // Confirmation: the champion carries the traffic under the new epoch, errors back to baseline.
    await traffic(m, 100)
    clock += MIN
    await cron(clock)
    r = await rollout(started.id)
    expect(r.rollback.confirmation, JSON.stringify([r.rollback.confirmation, r.events.slice(-2)])).toMatchObject({
      ok: true,
    })
    expect(r.rollback.confirmation.time_to_confirm_ms).toBeGreaterThan(0)

    const incident = await adminOk('GET', `/incidents/${r.incident_id}`)
    expect(incident).toMatchObject({ trigger: 'gate_fail', rollout_id: started.id })
    expect(incident.impact.challenger_requests).toBeGreaterThan(100)
    expect(incident.impact.challenger_error_rate).toBeGreaterThan(0.4)
    expect(incident.confirmation.ok).toBe(true)
    // The documented response schema (OpenAPI) is what the API really returns.
    expect(IncidentView.safeParse(incident).error).toBeUndefined()

    // Webhooks: each format reached the local receiver.
    let log: any[] = []
    for (
      let i = 0;
      i < 50 && !['json', 'slack', 'pagerduty'].every((f) => log.some((d) => d.path === `/${f}` && d.body));
      i++
    ) {
      await coordinatorClient(env.MODEL_COORDINATOR, m).reconcile(Date.now())
      log = (await (await fetch(`${inject('upstreamA')}/sink/log`)).json()) as any[]
      if (log.length < 3) await new Promise((res) => setTimeout(res, 100))
    }
    const mine = (f: string) => log.filter((d) => d.path === `/${f}`).map((d) => d.body)
    expect(mine('json').find((b) => b.model === m && b.event === 'fail')).toMatchObject({
      source: 'modelgate',
      severity: 'critical',
      rollout_id: started.id,
    })
    expect(mine('slack').find((b) => b.text.includes(m))).toMatchObject({ blocks: expect.any(Array) })
    const pd = mine('pagerduty').filter((b) => b.payload.component === m)
    expect(pd[0]).toMatchObject({
      routing_key: 'R0UT1NGKEY',
      event_action: 'trigger',
      payload: { source: 'modelgate' },
    })
    expect(pd.some((b) => b.event_action === 'resolve')).toBe(true) // rollback confirmed resolves the page
    const deliveries = await adminOk('GET', `/models/${m}/webhook-deliveries`)
    expect(deliveries.deliveries.some((d: any) => d.status === 'delivered')).toBe(true)

    // Retrospective: open action items block the next rollout until closed.
    const withRetro = await adminOk('POST', `/incidents/${r.incident_id}/retrospective`, {
      root_cause: 'v2 was built against the wrong feature schema',
      action_items: [{ text: 'add schema check to CI', owner: 'ml-platform' }],
    })
    expect(IncidentView.safeParse(withRetro).error).toBeUndefined()
    expect(withRetro).toMatchObject({
      open_action_items: 1,
      retrospective: { action_items: [{ status: 'open', owner: 'ml-platform' }] },
    })
    const blocked = await admin('POST', `/models/${m}/rollouts`, {
      challenger: 'v2',
      strategy: 'canary',
      evaluation: passingReport,
      ...fastPlan,
    })
    expect(blocked.status).toBe(409)
    expect((await problemOf(blocked)).detail).toMatch(/action item/)
    const closed = await adminOk('POST', `/incidents/${r.incident_id}/action-items/0/close`)
    expect(IncidentView.safeParse(closed).error).toBeUndefined()
    const listed = await adminOk('GET', `/incidents?model=${m}`)
    expect(listed.incidents.map((i: unknown) => IncidentView.safeParse(i).error)).toEqual([undefined])

    // A rollout this soon after a rollback needs an approver before any exposure.
    const again = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: 'canary', evaluation: passingReport, durations: fastPlan.durations },
      201,
    )
    expect(again.phase).toBe('awaiting_approval')
    expect(again.pending_approval.rules).toContain('recent_rollback')
  }, 120_000)

  it('checks a "not confirmed" rollback again on later ticks and confirms it once the champion recovers', async () => {
    // v1 fails 10% of inputs (by hash of x) and takes 200 ms; the test picks the inputs.
    const m = await model({
      v1: `${inject('upstreamA')}/mode/flaky-0.1-200`,
      v2: `${inject('upstreamB')}/mode/flaky-0.6`,
    })
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: 'canary', stages: [25, 50, 100], evaluation: passingReport, ...fastPlan },
      201,
    )
    await approve(started.id)
    await traffic(m, 800)
    let clock = Date.now() + 5_000
    await cron(clock)
    expect((await rollout(started.id)).phase).toBe('rolled_back')

    // Right after the rollback, every answer of v1 fails: not confirmed, alerted once.
    await send(m, 30, (x) => hashUnit(x) < 0.1)
    clock += MIN
    await cron(clock)
    let r = await rollout(started.id)
    expect(r.rollback.confirmation).toMatchObject({
      ok: false,
      details: { reason: expect.stringMatching(/^error rate 100% still above baseline/) },
    })
    expect(r.events.at(-1).type).toBe('rollback_unconfirmed')
    const events = r.events.length

    // Still failing on the next tick: nothing new is recorded or alerted.
    clock += MIN
    await cron(clock)
    expect((await rollout(started.id)).events).toHaveLength(events)

    // v1 answers again: the cumulative error rate falls back under the baseline's bound.
    await send(m, 300, (x) => hashUnit(x) >= 0.1)
    clock += MIN
    await cron(clock)
    r = await rollout(started.id)
    expect(r.rollback.confirmation, JSON.stringify(r.rollback.confirmation)).toMatchObject({
      ok: true,
      time_to_confirm_ms: 3 * MIN,
    })
    expect(r.events.slice(events).map((e: any) => e.type)).toEqual(['rollback_confirmed'])
    expect((await adminOk('GET', `/incidents/${r.incident_id}`)).confirmation.ok).toBe(true)
  }, 120_000)
})

let nextX = 1_000_000
/**
 * Sends `n` requests whose inputs x satisfy `pick`, and waits for their measurements. Ten at a
 * time, lighter than the 50 of the baseline traffic, so that on a busy test machine queueing does
 * not push their latency past the confirmation's latency bound: this test is about error rates.
 */
async function send(m: string, n: number, pick: (x: number) => boolean): Promise<void> {
  const xs: number[] = []
  while (xs.length < n) if (pick(++nextX)) xs.push(nextX)
  for (let i = 0; i < n; i += 10) {
    await Promise.all(
      xs.slice(i, i + 10).map(async (x) => {
        const res = await infer(m, '/predict', {
          method: 'POST',
          headers: { 'x-unit-id': `u${x}`, 'content-type': 'application/json' },
          body: JSON.stringify({ x }),
        })
        await res.arrayBuffer()
      }),
    )
  }
  await settle()
}

describe('humans in the loop', () => {
  it('stops a high-risk model before 100% until an approver signs the evidence; stale and expired approvals are refused', async () => {
    const m = await model({ risk: 'high' })
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      {
        challenger: 'v2',
        strategy: 'canary',
        stages: [50, 100],
        evaluation: passingReport,
        ...fastPlan,
        approval: { approval_ttl_s: 300 },
      },
      201,
    )
    const id = started.id
    await approve(id) // weak gates, at start
    await traffic(m, 1_100)
    let clock = Date.now() + MIN + 1_000
    await cron(clock)
    let r = await rollout(id)
    expect(r.phase, r.verdicts.at(-1)?.reason).toBe('awaiting_approval')
    expect(r.pending_approval.rules).toContain('final_step_risk')
    expect(r.step.label).toBe('canary 50%')

    // The operator token cannot approve.
    const byOperator = await admin('POST', `/rollouts/${id}/approve`, {
      evidence_hash: r.pending_approval.evidence_hash,
    })
    expect(byOperator.status).toBe(403)
    // A hash of other evidence is stale.
    const stale = await admin('POST', `/rollouts/${id}/approve`, { evidence_hash: 'a'.repeat(64) }, { token: APPROVER })
    expect(stale.status).toBe(409)
    expect(await problemOf(stale)).toMatchObject({ code: 'conflict', refusal: 'stale_evidence' })
    // After the approval window, the right hash is refused too.
    const late = coordinatorClient(env.MODEL_COORDINATOR, m).rolloutCommand(
      id,
      { type: 'approve', evidenceHash: r.pending_approval.evidence_hash },
      'approver',
      clock + 301_000,
    )
    await expect(late).rejects.toThrow(/expired/)
    // Still waiting; ticks never promote on their own.
    clock += 302_000
    await cron(clock)
    r = await rollout(id)
    expect(r.phase).toBe('awaiting_approval')
    // A fresh request carries fresh evidence; approving it proceeds to 100%.
    await approve(id)
    r = await rollout(id)
    expect(r.phase).toBe('watching')
    expect((await adminOk('GET', `/models/${m}`)).champion).toBe('v2')
  }, 120_000)

  it('counts a rollback made by hand, outside any rollout, as a recent rollback', async () => {
    const m = await model()
    await adminOk('PUT', `/models/${m}/routing`, { weights: { v1: 90, v2: 10 } })
    await adminOk('POST', `/models/${m}/rollback`)
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: 'canary', evaluation: passingReport },
      201,
    )
    expect(started.phase).toBe('awaiting_approval')
    expect(started.pending_approval.rules).toEqual(['recent_rollback'])
  })

  it("refuses to swap the champion's or the challenger's backend while their rollout runs", async () => {
    const m = await model({ risk: 'high' })
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: 'canary', evaluation: passingReport, ...fastPlan },
      201,
    )
    expect(started.phase).toBe('awaiting_approval')
    const swap = await admin('PUT', `/models/${m}/versions/v2`, {
      backend: { url: `${inject('upstreamB')}/mode/status-503` },
    })
    expect(swap.status).toBe(409)
    expect((await problemOf(swap)).detail).toMatch(/abort it before changing v2's backend/)
    // The same backend again is no change, and another version may change.
    await adminOk('PUT', `/models/${m}/versions/v2`, {
      backend: { url: `${inject('upstreamB')}/mode/predict-label-0` },
    })
    await adminOk('PUT', `/models/${m}/versions/v3`, { backend: { url: inject('upstreamA') } }, 201)
  })

  it('routes everything back on the one-command rollback even before the first step', async () => {
    const m = await model()
    // A cohort rule to another version needs an approver on a medium-risk model (two-person.test.ts).
    await adminConfirmed('PUT', `/models/${m}/routing`, {
      weights: { v1: 100 },
      rules: [{ when: { header: 'x-beta', equals: '1' }, version: 'v2' }],
    })
    const started = await adminOk('POST', `/models/${m}/rollouts`, { challenger: 'v2', strategy: 'canary' }, 201)
    expect(started.phase).toBe('awaiting_evaluation')
    const stale = await admin('POST', `/models/${m}/rollback`, undefined, { headers: { 'if-match': '"0"' } })
    expect(stale.status).toBe(412) // If-Match holds on the rollout's runbook path too
    expect((await rollout(started.id)).phase).toBe('awaiting_evaluation')
    await adminOk('POST', `/models/${m}/rollback`)
    const res = await infer(m, '/predict', {
      method: 'POST',
      headers: { 'x-beta': '1', 'content-type': 'application/json' },
      body: '{}',
    })
    await res.arrayBuffer()
    expect(res.headers.get('x-model-version')).toBe('v1')
    expect((await rollout(started.id)).phase).toBe('rolled_back')
  })

  it('halts on a sample-ratio mismatch: neither promotes nor rolls back', async () => {
    const m = await model()
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: 'canary', stages: [10, 100], evaluation: passingReport, ...fastPlan },
      201,
    )
    await approve(started.id)
    const snapshot = RoutingSnapshot.parse(await env.ROUTING.get(`routing/${m}/current`, 'json'))
    // Traffic whose units all land on the challenger: a plumbing bug (bots, dropped logs) in miniature.
    let k = 0
    const challengerUnits = () => {
      for (;;) {
        const u = `srm-${k++}`
        if (selectRoute(snapshot, { header: () => null, unitKey: u, random: Math.random })?.version === 'v2') return u
      }
    }
    await traffic(m, 1_000)
    await traffic(m, 400, challengerUnits)
    await cron(Date.now() + MIN + 1_000)
    const r = await rollout(started.id)
    expect(r.phase, r.verdicts.at(-1)?.reason).toBe('halted')
    expect(r.verdicts.at(-1).decision).toBe('HALT')
    expect(r.verdicts.at(-1).srm.alarm).toBe(true)
    expect((await adminOk('GET', `/models/${m}`)).routing.weights).toEqual({ v1: 90, v2: 10 })
  }, 60_000)

  it('refuses traffic before a passing offline evaluation, and records a failing one', async () => {
    const m = await model()
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: 'canary', ...fastPlan },
      201,
    )
    expect(started.phase).toBe('awaiting_evaluation')
    const bad = await adminOk('POST', `/rollouts/${started.id}/evaluation`, {
      ...passingReport,
      quality: { ...passingReport.quality, challenger: 0.7 },
    })
    expect(bad.phase).toBe('awaiting_evaluation')
    expect(bad.evaluation.status).toBe('failed')
    expect((await adminOk('GET', `/models/${m}`)).routing.weights).toEqual({ v1: 100 })
    const waive = await admin('POST', `/models/${m}/rollouts`, {
      challenger: 'v2',
      strategy: 'canary',
      waive_evaluation: true,
    })
    expect(waive.status).toBe(409) // one active rollout per model
  })

  it('lets the operator pause, resume and abort, and rolls back through the model-level command', async () => {
    const m = await model({ risk: 'low' })
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: 'canary', waive_evaluation: true, ...fastPlan },
      201,
    )
    await approve(started.id)
    expect(
      (await adminOk('POST', `/rollouts/${started.id}/pause`, { reason: 'investigating a dashboard' })).phase,
    ).toBe('paused')
    // The answer comes after the audit history has the event, so a reader right after sees it.
    expect(await newestActions(m)).toContain('rollout.paused')
    const conflict = await admin('POST', `/rollouts/${started.id}/pause`)
    expect(conflict.status).toBe(409)
    expect((await adminOk('POST', `/rollouts/${started.id}/resume`)).phase).toBe('progressing')
    expect(await newestActions(m)).toContain('rollout.resumed')
    const rb = await adminOk('POST', `/models/${m}/rollback`, { reason: 'one-command rollback' })
    expect(rb.weights).toEqual({ v1: 100 })
    const r = await rollout(started.id)
    expect(r.phase).toBe('rolled_back')
    expect(r.rollback.trigger).toBe('operator_rollback')
  })
})
