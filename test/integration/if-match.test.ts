/**
 * `If-Match: <epoch>` on every admin mutation the README says accepts it ("Admin API"): a stale
 * epoch is a 412 `precondition_failed` problem+json with the request id and the current epoch, and
 * changes nothing; the current epoch is accepted. The table is also what the OpenAPI document must
 * declare the header on, so README, code and document cannot drift apart.
 */
import { describe, expect, inject, it } from 'vitest'
import { admin, adminOk, problemOf, setupModel, uniqueModel } from './helpers/harness'
import { fastPlan, passingReport } from './helpers/rollout'

interface Mutation {
  operationId: string
  method: string
  path: (model: string) => string
  body?: unknown
  /** The success status with a current If-Match. */
  ok: number
}

const MUTATIONS: Mutation[] = [
  {
    operationId: 'upsertModel',
    method: 'PUT',
    path: (m) => `/models/${m}`,
    body: { risk: 'low', sla: { p99_ms: 300 } },
    ok: 200,
  },
  {
    operationId: 'registerVersion',
    method: 'PUT',
    path: (m) => `/models/${m}/versions/v3`,
    body: { backend: { url: inject('upstreamB') } },
    ok: 201,
  },
  {
    operationId: 'setChampion',
    method: 'POST',
    path: (m) => `/models/${m}/champion`,
    body: { version: 'v2' },
    ok: 200,
  },
  {
    operationId: 'setRouting',
    method: 'PUT',
    path: (m) => `/models/${m}/routing`,
    body: { weights: { v1: 50, v2: 50 } },
    ok: 200,
  },
  {
    operationId: 'rollbackModel',
    method: 'POST',
    path: (m) => `/models/${m}/rollback`,
    body: { target: 'champion' },
    ok: 200,
  },
  {
    operationId: 'startRollout',
    method: 'POST',
    path: (m) => `/models/${m}/rollouts`,
    body: { challenger: 'v2', strategy: 'canary', evaluation: passingReport, ...fastPlan },
    ok: 201,
  },
]

/** What a mutation could change: the model's view and its rollouts. */
async function state(model: string) {
  const view = await adminOk('GET', `/models/${model}`)
  const { rollouts } = await adminOk('GET', `/models/${model}/rollouts`)
  return { view, rollouts }
}

describe('If-Match on admin mutations', () => {
  it.each(MUTATIONS)('$operationId: a stale epoch is 412 and changes nothing; the current one applies', async (mut) => {
    const model = uniqueModel('ifm')
    // v1 at 90% leaves the rollback something to do.
    await setupModel(model, {
      risk: 'low',
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
      weights: { v1: 90, v2: 10 },
    })
    const before = await state(model)
    const epoch = before.view.epoch as number
    expect(epoch).toBeGreaterThan(1)

    for (const stale of [`"${epoch - 1}"`, String(epoch + 1)]) {
      const res = await admin(mut.method, mut.path(model), mut.body, { headers: { 'if-match': stale } })
      expect(res.status, `If-Match ${stale}`).toBe(412)
      const p = await problemOf(res)
      expect(p).toMatchObject({ code: 'precondition_failed', status: 412, current_epoch: epoch })
      expect(p.detail).toContain(`is stale; the current epoch is ${epoch}`)
    }
    const after = await state(model)
    expect(after.view.epoch).toBe(epoch)
    expect(after.view.routing).toEqual(before.view.routing)
    expect(after.view.versions).toEqual(before.view.versions)
    expect(after.view.model).toEqual(before.view.model)
    expect(after.rollouts).toEqual(before.rollouts)

    const ok = await admin(mut.method, mut.path(model), mut.body, { headers: { 'if-match': `W/"${epoch}"` } })
    expect(ok.status, await ok.clone().text()).toBe(mut.ok)
    await ok.arrayBuffer()
    const applied = await state(model)
    const changed = applied.view.epoch !== epoch || applied.rollouts.length > before.rollouts.length
    expect(changed, 'the mutation with the current epoch changed the model or started a rollout').toBe(true)
  })

  it('is declared (header and 412) on exactly these operations in the OpenAPI document', async () => {
    const doc = await adminOk('GET', '/openapi.json')
    const declared: string[] = []
    for (const item of Object.values(doc.paths) as Array<Record<string, any>>) {
      for (const op of Object.values(item)) {
        const params = (op.parameters ?? []) as Array<{ in: string; name: string }>
        if (!params.some((p) => p.in === 'header' && p.name.toLowerCase() === 'if-match')) continue
        declared.push(op.operationId)
        expect(op.responses['412'], op.operationId).toBeDefined()
      }
    }
    expect(declared.sort()).toEqual(MUTATIONS.map((m) => m.operationId).sort())
  })
})
