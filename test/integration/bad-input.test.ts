import { describe, expect, inject, it } from 'vitest'
import { ADMIN, admin, adminOk, call, postOutcomes, problemOf, setupModel, uniqueModel } from './helpers/harness'
import { fastPlan, passingReport } from './helpers/rollout'

describe('bad input gets a clear problem, never a 500', () => {
  it('a JSON body sent without a JSON content type', async () => {
    const res = await call(
      new Request(`http://gateway.test/admin/models/${uniqueModel('ct')}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN}` },
        body: '{"risk":"low"}',
      }),
    )
    expect(res.status).toBe(415)
    const p = await problemOf(res)
    expect(p.detail).toMatch(/content-type: application\/json/)
  })

  it('a route that does not exist, and a method a route does not take', async () => {
    const missing = await admin('GET', '/nothing-here')
    expect(missing.status).toBe(404)
    await problemOf(missing)
    const wrongMethod = await admin('DELETE', `/models/${uniqueModel('m')}`)
    expect([404, 405]).toContain(wrongMethod.status)
    await problemOf(wrongMethod)
  })

  it('more than 1,000 outcomes in one batch', async () => {
    const outcomes = Array.from({ length: 1_001 }, (_, i) => ({ request_id: `r${i}`, value: 1 }))
    const res = await postOutcomes({ outcomes })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors[0].field).toMatch(/outcomes/)
  })

  it('a malformed rollout id and an unknown one', async () => {
    const bad = await admin('GET', '/rollouts/not-an-id')
    expect(bad.status).toBe(400)
    const unknown = await admin('GET', `/rollouts/ro_${'0'.repeat(26)}`)
    expect(unknown.status).toBe(404)
    expect((await problemOf(unknown)).code).toBe('rollout_not_found')
    // Well-formed but naming nothing (a typo, another model's name): 404, not 400.
    for (const id of ['ro_doesnotexist', `ro_${'0'.repeat(26)}~no-such-model`]) {
      const paused = await admin('POST', `/rollouts/${id}/pause`, {})
      expect(paused.status, id).toBe(404)
      expect((await problemOf(paused)).code, id).toBe('rollout_not_found')
    }
  })

  it('a rollout for an unregistered challenger or a model without champion', async () => {
    const m = uniqueModel('nochal')
    await admin('PUT', `/models/${m}`, { risk: 'low' })
    const noChampion = await admin('POST', `/models/${m}/rollouts`, { challenger: 'v2', strategy: 'canary' })
    expect(noChampion.status).toBe(409)
    expect(await problemOf(noChampion)).toMatchObject({ code: 'conflict', reason: 'no_champion' })

    const withChampion = uniqueModel('nochal')
    await setupModel(withChampion, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    const unknown = await admin('POST', `/models/${withChampion}/rollouts`, { challenger: 'v9', strategy: 'canary' })
    expect(unknown.status).toBe(400)
    const p = await problemOf(unknown)
    expect(p.code).toBe('validation_failed')
    expect(p.errors).toEqual([{ field: 'challenger', message: 'register v9 first' }])
  })
})

describe('union-shaped bodies explain the closest alternative', () => {
  it('names the bad field of a backend that is neither a valid URL nor a service', async () => {
    const m = uniqueModel('union')
    await admin('PUT', `/models/${m}`, { risk: 'low' })
    const res = await admin('PUT', `/models/${m}/versions/v1`, { backend: { url: 'ftp://example.org' } })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors).toEqual([{ field: 'backend.url', message: 'must be an http or https URL' }])
  })

  it('refuses a backend URL that does not parse with 400, not 500 (found by test/integration/fuzz.test.ts)', async () => {
    const m = uniqueModel('union')
    await admin('PUT', `/models/${m}`, { risk: 'low' })
    for (const url of ['', 'http://', 'http://[::1', 'not a url']) {
      const res = await admin('PUT', `/models/${m}/versions/v1`, { backend: { url } })
      expect(res.status, JSON.stringify(url)).toBe(400)
      expect((await problemOf(res)).errors.map((e: { field: string }) => e.field)).toContain('backend.url')
    }
  })
})

describe('requests that would start a rollout and be refused', () => {
  it('refuses a start that both waives and submits the evaluation, and starts nothing (fuzz)', async () => {
    const m = uniqueModel('waive')
    await setupModel(m, { risk: 'low', versions: { v1: inject('upstreamA'), v2: inject('upstreamB') }, champion: 'v1' })
    const res = await admin('POST', `/models/${m}/rollouts`, {
      challenger: 'v2',
      strategy: 'canary',
      waive_evaluation: true,
      evaluation: passingReport,
    })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors[0].field).toBe('evaluation')
    expect((await adminOk('GET', `/models/${m}/rollouts`)).rollouts).toEqual([])
    expect((await adminOk('GET', `/models/${m}`)).active_rollout).toBeNull()
  })

  it('refuses schema-valid gate overrides no test can run with, naming each field, and starts nothing', async () => {
    const m = uniqueModel('gates')
    await setupModel(m, { risk: 'low', versions: { v1: inject('upstreamA'), v2: inject('upstreamB') }, champion: 'v1' })
    const res = await admin('POST', `/models/${m}/rollouts`, {
      challenger: 'v2',
      strategy: 'canary',
      evaluation: passingReport,
      durations: fastPlan.durations,
      gates: { canary: { error_rate: { margin: 0.1, fail_margin: 0.5, floor: 1 }, divergence: { max_rate: 0 } } },
    })
    expect(res.status).toBe(400)
    const p = await problemOf(res)
    expect(p.code).toBe('validation_failed')
    expect(p.errors.map((e: { field: string }) => e.field)).toEqual([
      'gates.canary.error_rate',
      'gates.canary.error_rate.floor',
      'gates.canary.divergence.max_rate',
    ])
    expect((await adminOk('GET', `/models/${m}/rollouts`)).rollouts).toEqual([])
  })
})

describe('data-plane paths', () => {
  it('answers a malformed model segment with 404, not an exception', async () => {
    const res = await call(new Request('http://gateway.test/v1/models/%ZZ/predict'))
    expect(res.status).toBe(404)
    expect((await problemOf(res)).code).toBe('model_not_found')
  })

  it('answers a segment that cannot be a model name with 404 without reading KV (fuzz: a long one was a 503)', async () => {
    // Longer than KV's 512-byte key limit, and names that fail the model-name rule.
    for (const segment of ['a'.repeat(600), 'UPPER', '%F0%9F%98%80', '.hidden', '%00']) {
      const res = await call(new Request(`http://gateway.test/v1/models/${segment}/predict`))
      expect(res.status, segment.slice(0, 20)).toBe(404)
      expect((await problemOf(res)).code).toBe('model_not_found')
    }
  })
})
