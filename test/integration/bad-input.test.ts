import { describe, expect, it } from 'vitest'
import { ADMIN, admin, call, postOutcomes, problemOf, uniqueModel } from './helpers/harness'

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
  })

  it('a rollout for an unregistered challenger or a model without champion', async () => {
    const m = uniqueModel('nochal')
    await admin('PUT', `/models/${m}`, { risk: 'low' })
    const noChampion = await admin('POST', `/models/${m}/rollouts`, { challenger: 'v2', strategy: 'canary' })
    expect(noChampion.status).toBe(503)
    expect((await problemOf(noChampion)).code).toBe('no_champion')
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
})

describe('data-plane paths', () => {
  it('answers a malformed model segment with 404, not an exception', async () => {
    const res = await call(new Request('http://gateway.test/v1/models/%ZZ/predict'))
    expect(res.status).toBe(404)
    expect((await problemOf(res)).code).toBe('model_not_found')
  })
})
