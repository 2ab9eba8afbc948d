/**
 * The two-person rule (README, "Two-person rule"): on a high-risk model every path by which the
 * operator token alone could move traffic or loosen the gates answers 202 with a held change and
 * changes nothing (same epoch, same routing at the edge); the approver's confirmation applies it,
 * and its audit entry names both people. Also: the freeze of risk tier and metrics during a
 * rollout, and the bounds a mean metric must declare.
 */
import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, inject, it } from 'vitest'
import { coordinatorClient } from '../../src/adapters/do/coordinator-client'
import type { BusinessMetric } from '../../src/core/registry/types'
import { APPROVER, admin, adminOk, infer, problemOf, setupModel, uniqueModel } from './helpers/harness'
import { passingReport } from './helpers/rollout'

const ALICE = { headers: { 'x-modelgate-actor': 'alice' } }
const BOB = { token: APPROVER, headers: { 'x-modelgate-actor': 'bob' } }

const CLICKED = { name: 'clicked', kind: 'proportion', direction: 'higher_is_better', margin: 0.02 }
const REVENUE = { name: 'revenue', kind: 'mean', direction: 'higher_is_better', cap: 500, floor: 0, margin: 0.02 }
const SETTINGS = { risk: 'high', metrics: [CLICKED, REVENUE] }

async function highRisk(prefix: string): Promise<string> {
  const m = uniqueModel(prefix)
  await adminOk('PUT', `/models/${m}`, SETTINGS, 201)
  await adminOk('PUT', `/models/${m}/versions/v1`, { backend: { url: inject('upstreamA') } }, 201)
  await adminOk('PUT', `/models/${m}/versions/v2`, { backend: { url: inject('upstreamB') } }, 201)
  // The first champion moves no traffic: the operator sets it alone.
  await adminOk('POST', `/models/${m}/champion`, { version: 'v1' })
  return m
}

/** The operator's request answers 202 with the held change; nothing moved. */
async function held(m: string, method: string, path: string, body: unknown): Promise<any> {
  const before = await adminOk('GET', `/models/${m}`)
  const res = await admin(method, path, body, ALICE)
  const text = await res.text()
  expect(res.status, text).toBe(202)
  const change = JSON.parse(text)
  expect(change).toMatchObject({ model: m, requested_by: 'operator:alice', epoch: before.epoch })
  expect(change.id).toMatch(/^chg_/)
  expect(Date.parse(change.expires_at) - Date.parse(change.requested_at)).toBe(86_400_000)
  const after = await adminOk('GET', `/models/${m}`)
  expect(after.epoch).toBe(before.epoch)
  expect(after.routing).toEqual(before.routing)
  expect(after.model).toEqual(before.model)
  return change
}

async function approveAs(m: string, id: string, opts = BOB): Promise<any> {
  return adminOk('POST', `/models/${m}/changes/${id}/approve`, undefined, 200, opts)
}

/** The newest audit entry with `action`: the applied change, naming both people. */
async function audited(m: string, action: string): Promise<any> {
  const { entries } = await adminOk('GET', `/audit?model=${m}&order=desc&limit=5`)
  return entries.find((e: any) => e.action === action)
}

describe('two-person rule on a high-risk model', () => {
  it('holds PUT /routing that sends everything to the challenger, until the approver confirms', async () => {
    const m = await highRisk('tp-route')
    const change = await held(m, 'PUT', `/models/${m}/routing`, { weights: { v2: 100 } })
    expect(change.reasons.map((r: any) => r.rule)).toEqual(['traffic_shift'])
    expect(change.command).toMatchObject({ type: 'set_routing', input: { weights: { v2: 100 } } })
    // The edge still serves the champion.
    for (let i = 0; i < 20; i++) {
      const res = await infer(m, '/predict', { headers: { 'x-unit-id': `u-${i}` } })
      await res.arrayBuffer()
      expect(res.headers.get('x-model-version')).toBe('v1')
    }
    expect((await adminOk('GET', `/models/${m}/changes`)).changes.map((c: any) => c.id)).toEqual([change.id])

    const approved = await approveAs(m, change.id)
    expect(approved.change).toMatchObject({
      id: change.id,
      requested_by: 'operator:alice',
      approved_by: 'approver:bob',
    })
    expect(approved.model.routing.weights).toEqual({ v2: 100 })
    expect(approved.model.epoch).toBe(change.epoch + 1)
    const entry = await audited(m, 'routing.set')
    expect(entry).toMatchObject({
      actor: 'approver:bob',
      after: { requested_by: 'operator:alice', approved_by: 'approver:bob', change_id: change.id },
    })
    expect((await audited(m, 'change.request')).actor).toBe('operator:alice')
    expect((await adminOk('GET', `/models/${m}/changes`)).changes).toEqual([])
  })

  it('holds a cohort rule to the challenger', async () => {
    const m = await highRisk('tp-rule')
    const rule = { when: { header: 'x-tenant', in: ['acme'] }, version: 'v2' }
    const change = await held(m, 'PUT', `/models/${m}/routing`, { weights: { v1: 100 }, rules: [rule] })
    expect(change.reasons.map((r: any) => r.rule)).toEqual(['cohort_rule'])
  })

  it('lets the operator move up to 10% alone', async () => {
    const m = await highRisk('tp-small')
    const res = await admin('PUT', `/models/${m}/routing`, { weights: { v1: 90, v2: 10 } })
    expect(res.status).toBe(200)
  })

  it('holds POST /champion', async () => {
    const m = await highRisk('tp-champ')
    const change = await held(m, 'POST', `/models/${m}/champion`, { version: 'v2' })
    expect(change.reasons.map((r: any) => r.rule)).toEqual(['champion_switch'])
    const approved = await approveAs(m, change.id)
    expect(approved.model.champion).toBe('v2')
    expect(await audited(m, 'champion.set')).toMatchObject({
      after: { requested_by: 'operator:alice', approved_by: 'approver:bob' },
    })
  })

  it('holds a lower risk tier', async () => {
    const m = await highRisk('tp-risk')
    const change = await held(m, 'PUT', `/models/${m}`, { ...SETTINGS, risk: 'low' })
    expect(change.reasons.map((r: any) => r.rule)).toEqual(['risk_lowered'])
    const approved = await approveAs(m, change.id)
    expect(approved.model.model.risk).toBe('low')
    expect(await audited(m, 'model.update')).toMatchObject({
      after: { risk: 'low', requested_by: 'operator:alice', approved_by: 'approver:bob' },
    })
  })

  it('holds a removed gate metric, a larger margin, a wider cap and a new approval policy', async () => {
    const m = await highRisk('tp-metric')
    const removed = await held(m, 'PUT', `/models/${m}`, { ...SETTINGS, metrics: [REVENUE] })
    expect(removed.reasons.map((r: any) => r.rule)).toEqual(['metric_removed'])
    const margin = await held(m, 'PUT', `/models/${m}`, {
      ...SETTINGS,
      metrics: [{ ...CLICKED, margin: 0.2 }, REVENUE],
    })
    expect(margin.reasons).toEqual([{ rule: 'metric_weakened', detail: 'weakens clicked: margin 0.02 → 0.2' }])
    const cap = await held(m, 'PUT', `/models/${m}`, { ...SETTINGS, metrics: [CLICKED, { ...REVENUE, cap: 1e9 }] })
    expect(cap.reasons.map((r: any) => r.rule)).toEqual(['metric_weakened'])
    const policy = await held(m, 'PUT', `/models/${m}`, {
      ...SETTINGS,
      approval_policy: { two_person: false, max_unapproved_shift_percent: 100 },
    })
    expect(policy.reasons.map((r: any) => r.rule)).toEqual(['policy_changed'])
    const listed = (await adminOk('GET', `/models/${m}/changes`)).changes.map((c: any) => c.id)
    expect(listed).toEqual([removed.id, margin.id, cap.id, policy.id])
    // Approving one moves the epoch: the others are stale now.
    await approveAs(m, margin.id)
    const stale = await admin('POST', `/models/${m}/changes/${cap.id}/approve`, undefined, BOB)
    expect(stale.status).toBe(409)
    expect(await problemOf(stale)).toMatchObject({ code: 'conflict', reason: 'stale' })
    expect((await adminOk('GET', `/models/${m}/changes`)).changes).toEqual([])
  })

  it('refuses self-approval, the operator token and an expired change', async () => {
    const m = await highRisk('tp-self')
    const change = await held(m, 'PUT', `/models/${m}/routing`, { weights: { v1: 50, v2: 50 } })
    const self = await admin('POST', `/models/${m}/changes/${change.id}/approve`, undefined, {
      token: APPROVER,
      headers: { 'x-modelgate-actor': 'alice' },
    })
    expect(self.status).toBe(403)
    expect((await problemOf(self)).reason).toBe('self_approval')
    const operator = await admin('POST', `/models/${m}/changes/${change.id}/approve`, undefined, ALICE)
    expect(operator.status).toBe(403)
    const unknown = await admin('POST', `/models/${m}/changes/chg_${'0'.repeat(26)}/approve`, undefined, BOB)
    expect(unknown.status).toBe(404)

    const stub = env.MODEL_COORDINATOR.get(env.MODEL_COORDINATOR.idFromName(m))
    await runInDurableObject(stub, async (_instance, state) => {
      const key = `change:${change.id}`
      const stored = (await state.storage.get(key)) as Record<string, unknown>
      await state.storage.put(key, { ...stored, expires_at: new Date(Date.now() - 1_000).toISOString() })
    })
    const expired = await admin('POST', `/models/${m}/changes/${change.id}/approve`, undefined, BOB)
    expect(expired.status).toBe(409)
    expect((await problemOf(expired)).reason).toBe('expired')
    expect((await adminOk('GET', `/models/${m}`)).routing.weights).toEqual({ v1: 100 })
  })

  it('lets the approver token make the change directly, and names it as both', async () => {
    const m = await highRisk('tp-direct')
    const res = await admin('PUT', `/models/${m}/routing`, { weights: { v1: 50, v2: 50 } }, BOB)
    expect(res.status).toBe(200)
    expect(await audited(m, 'routing.set')).toMatchObject({
      actor: 'approver:bob',
      after: { requested_by: 'approver:bob', approved_by: 'approver:bob', change_id: null },
    })
    // The approver still may not make the operator's other writes.
    const version = await admin('PUT', `/models/${m}/versions/v3`, { backend: { url: inject('upstreamA') } }, BOB)
    expect(version.status).toBe(403)
  })

  it('refuses to register a high-risk model without the rule unless the approver does', async () => {
    const m = uniqueModel('tp-create')
    const off = { risk: 'high', approval_policy: { two_person: false } }
    const res = await admin('PUT', `/models/${m}`, off)
    expect(res.status).toBe(403)
    expect((await problemOf(res)).code).toBe('approval_required')
    await adminOk('PUT', `/models/${m}`, off, 201, BOB)
  })
})

describe('two-person rule in the OpenAPI document', () => {
  it('documents the 202 held change and the approval route', async () => {
    const doc = (await (await admin('GET', '/openapi.json', undefined, { token: null })).json()) as any
    const held = { $ref: '#/components/schemas/PendingChange' }
    for (const [path, method] of [
      ['/admin/models/{model}', 'put'],
      ['/admin/models/{model}/champion', 'post'],
      ['/admin/models/{model}/routing', 'put'],
    ] as const) {
      expect(doc.paths[path][method].responses['202'].content['application/json'].schema).toEqual(held)
    }
    const approve = doc.paths['/admin/models/{model}/changes/{id}/approve'].post
    expect(Object.keys(approve.responses)).toEqual(expect.arrayContaining(['200', '403', '404', '409']))
    expect(doc.paths['/admin/models/{model}/changes'].get).toBeDefined()
    expect(doc.components.schemas.ApprovalPolicy).toBeDefined()
  })
})

describe('two-person rule on a low-risk model', () => {
  it('applies the operator’s changes at once, as before', async () => {
    const m = uniqueModel('tp-low')
    await setupModel(m, {
      risk: 'low',
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
    })
    expect((await admin('PUT', `/models/${m}/routing`, { weights: { v2: 100 } })).status).toBe(200)
    expect((await admin('POST', `/models/${m}/champion`, { version: 'v2' })).status).toBe(200)
  })
})

describe('frozen during a rollout', () => {
  it('refuses a new risk tier or new metric definitions with 409 while a rollout is active', async () => {
    const m = await highRisk('tp-frozen')
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: ['canary'], evaluation: passingReport },
      201,
    )
    for (const body of [
      { ...SETTINGS, risk: 'medium' },
      { ...SETTINGS, metrics: [CLICKED, { ...REVENUE, margin: 0.01 }] },
    ]) {
      // Even the approver, who could make either change on an idle model.
      const res = await admin('PUT', `/models/${m}`, body, BOB)
      expect(res.status).toBe(409)
      const p = await problemOf(res)
      expect(p.active_rollout).toEqual({ id: started.id, phase: started.phase })
      expect(p.detail).toContain(`rollout ${started.id}`)
    }
    expect((await admin('PUT', `/models/${m}`, { ...SETTINGS, sla: { p99_ms: 300 } })).status).toBe(200)
  })
})

describe('bounded influence of a mean metric', () => {
  it('refuses a mean metric without cap and floor, naming each missing field', async () => {
    const m = uniqueModel('tp-bounds')
    const res = await admin('PUT', `/models/${m}`, {
      risk: 'low',
      metrics: [CLICKED, { name: 'basket', kind: 'mean', direction: 'higher_is_better' }],
    })
    expect(res.status).toBe(400)
    const p = await problemOf(res)
    expect(p.errors.map((e: any) => e.field).sort()).toEqual(['metrics.1.cap', 'metrics.1.floor'])
    expect(p.errors[0].message).toMatch(/^a mean metric needs cap and floor, e\.g\. /)
    const inverted = await admin('PUT', `/models/${m}`, { risk: 'low', metrics: [{ ...REVENUE, floor: 600 }] })
    expect(inverted.status).toBe(400)
    expect((await problemOf(inverted)).errors).toEqual([
      { field: 'metrics.0.floor', message: 'floor 600 is above cap 500' },
    ])
  })

  it('keeps a model stored without bounds working, and warns about it', async () => {
    const m = uniqueModel('tp-legacy')
    await setupModel(m, { risk: 'low', versions: { v1: inject('upstreamA') }, champion: 'v1' })
    // Stored as before the rule: straight to the coordinator, past the API's validation.
    const legacy: BusinessMetric = {
      name: 'basket',
      kind: 'mean',
      direction: 'higher_is_better',
      window_s: 600,
      positive_labels: [],
      margin: 0.02,
    }
    await coordinatorClient(env.MODEL_COORDINATOR, m).command(
      {
        type: 'upsert_model',
        input: {
          risk: 'low',
          unit_header: 'x-unit-id',
          fallback_to_champion: true,
          metrics: [legacy],
          shadow_compare: null,
          metric_shards: 4,
          latency_measure: 'ttfb',
        },
      },
      { model: m, actor: 'operator', requestId: 'req_test', ifMatch: null, role: 'operator' },
    )
    const res = await infer(m)
    await res.arrayBuffer()
    expect(res.status).toBe(200)
    const view = await adminOk('GET', `/models/${m}`)
    expect(view.warnings).toEqual([
      expect.objectContaining({ code: 'unbounded_mean_metric', metric: 'basket', fix: expect.stringContaining('cap') }),
    ])
    const listed = (await adminOk('GET', '/models')).models.find((x: any) => x.name === m)
    expect(listed.warnings.map((w: any) => [w.code, w.metric])).toEqual([['unbounded_mean_metric', 'basket']])
    // Fixed by declaring both bounds: the warning goes away.
    await adminOk('PUT', `/models/${m}`, { risk: 'low', metrics: [{ ...legacy, cap: 100, floor: 0 }] })
    expect((await adminOk('GET', `/models/${m}`)).warnings).toEqual([])
  })
})
