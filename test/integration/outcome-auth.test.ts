/**
 * Who may report outcomes, example credentials outside development, and request-id key rotation.
 * Bindings other than vitest.config.ts's go through `callWith` (a changed copy of the env).
 */
import { describe, expect, inject, it } from 'vitest'
import {
  ADMIN,
  admin,
  adminOk,
  call,
  callWith,
  postOutcomes,
  problemOf,
  REPORTER,
  uniqueModel,
} from './helpers/harness'

const METRIC = { name: 'repaid', kind: 'proportion', direction: 'higher_is_better', window_s: 600 }
const KEYS = { GATEWAY_KEYS: 'dp-key-one-0123456789abcdef,dp-key-two-0123456789abcdef' }
const DATA_PLANE_KEY = 'dp-key-two-0123456789abcdef'

async function modelWithMetric(): Promise<string> {
  const model = uniqueModel('rep')
  await adminOk('PUT', `/models/${model}`, { risk: 'low', metrics: [METRIC] }, 201)
  await adminOk('PUT', `/models/${model}/versions/v1`, { backend: { url: inject('upstreamA') } }, 201)
  await adminOk('POST', `/models/${model}/champion`, { version: 'v1' })
  return model
}

function predict(model: string, headers: Record<string, string> = {}): Request {
  return new Request(`http://gateway.test/v1/models/${model}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: '{"x":1}',
  })
}

/** A request id minted by a gateway with the given binding changes (none: the test bindings). */
async function requestId(model: string, overrides: Record<string, string> = {}): Promise<string> {
  const res = await callWith(overrides, predict(model))
  expect(res.status).toBe(200)
  await res.arrayBuffer()
  return res.headers.get('x-request-id') as string
}

function outcomesRequest(body: string, headers: Record<string, string>): Request {
  return new Request('http://gateway.test/v1/outcomes', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  })
}

const one = (id: string) => JSON.stringify({ request_id: id, value: true })
const reasons = (report: any) => report.results.map((r: any) => (r.status === 'rejected' ? r.reason : r.status))

describe('outcome reporters hold their own credential', () => {
  it('a client holding only a request id and a data-plane key cannot get any outcome counted (401)', async () => {
    const model = await modelWithMetric()
    const served = await callWith(KEYS, predict(model, { 'x-modelgate-key': DATA_PLANE_KEY }))
    expect(served.status).toBe(200)
    await served.arrayBuffer()
    const id = served.headers.get('x-request-id') as string
    const attempts: Array<Record<string, string>> = [
      {},
      { 'x-modelgate-key': DATA_PLANE_KEY },
      { authorization: `Bearer ${DATA_PLANE_KEY}` },
      { authorization: `Bearer ${id}` },
      { authorization: `Bearer ${ADMIN}` },
      { authorization: `Bearer ${REPORTER.slice(0, -1)}` },
      { authorization: `Bearer ${REPORTER}x` },
      { authorization: REPORTER },
    ]
    for (const headers of attempts) {
      for (const res of [
        await callWith(KEYS, outcomesRequest(one(id), headers)),
        await call(outcomesRequest(one(id), headers)),
      ]) {
        expect(res.status, JSON.stringify(headers)).toBe(401)
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
        expect((await problemOf(res)).code).toBe('unauthorized')
      }
    }
    // Nothing of the above was counted: the reporter's first report is accepted, not a duplicate.
    const res = await callWith(KEYS, outcomesRequest(one(id), { authorization: `Bearer ${REPORTER}` }))
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ accepted: 1, duplicates: 0, rejected: 0 })
  })

  it('checks the token before the body is read: 1 MB of garbage without one is 401, not 400 or 413', async () => {
    for (const size of [1_000_000, 2 * 1024 * 1024]) {
      const request = outcomesRequest('x'.repeat(size), {})
      const res = await call(request)
      expect(res.status, `${size} bytes`).toBe(401)
      expect((await problemOf(res)).code).toBe('unauthorized')
      expect(request.bodyUsed, 'the body was read').toBe(false)
    }
    // With the token, the same garbage is read and refused for what it is.
    const res = await call(outcomesRequest('x'.repeat(1_000_000), { authorization: `Bearer ${REPORTER}` }))
    expect(res.status).toBe(400)
    expect((await problemOf(res)).code).toBe('malformed_json')
  })

  it('answers 503 not_configured without any reporter token, as the admin API does without ADMIN_TOKEN', async () => {
    const res = await callWith({ REPORTER_TOKENS: '' }, outcomesRequest(one('x'), { authorization: 'Bearer any' }))
    expect(res.status).toBe(503)
    const p = await problemOf(res)
    expect(p.code).toBe('not_configured')
    expect(p.detail).toMatch(/REPORTER_TOKENS/)
    const adminRes = await callWith(
      { ADMIN_TOKEN: '' },
      new Request('http://gateway.test/admin/models', { headers: { authorization: 'Bearer any' } }),
    )
    expect(adminRes.status).toBe(503)
    expect((await problemOf(adminRes)).code).toBe(p.code)
  })

  it("limits a per-model token to its model's request ids: the others are rejected not_authorized", async () => {
    const [a, b] = [await modelWithMetric(), await modelWithMetric()]
    const perModel = { MODEL_REPORTER_TOKENS: `${a}=model-a-token-0123456789abcdef` }
    const ids = [await requestId(a), await requestId(b), await requestId(b)]
    const batch = (items: string[]) => JSON.stringify({ outcomes: items.map((id) => ({ request_id: id, value: 1 })) })
    const res = await callWith(
      perModel,
      outcomesRequest(batch(ids.slice(0, 2)), { authorization: 'Bearer model-a-token-0123456789abcdef' }),
    )
    expect(res.status).toBe(200)
    const report = (await res.json()) as any
    expect(reasons(report)).toEqual(['accepted', 'not_authorized'])
    expect(report.results[1].detail).toContain(b)
    // A global token still covers every model on the same gateway; the refused item was not counted.
    const global = await callWith(
      perModel,
      outcomesRequest(batch(ids.slice(1)), { authorization: `Bearer ${REPORTER}` }),
    )
    expect(reasons(await global.json())).toEqual(['accepted', 'accepted'])
  })
})

describe('the outcomes route in OpenAPI', () => {
  it('names the reporter token as its security, with 401, 503 and the new reject reasons', async () => {
    const doc = (await (await admin('GET', '/openapi.json', undefined, { token: null })).json()) as any
    const op = doc.paths['/v1/outcomes'].post
    expect(op.security).toEqual([{ reporterToken: [] }])
    expect(doc.components.securitySchemes.reporterToken).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '401', '503']))
    expect(op.responses['503'].description).toMatch(/insecure_configuration/)
    const reason = doc.components.schemas.OutcomeReport.properties.results.items.properties.reason
    expect(reason.enum).toEqual(expect.arrayContaining(['unknown_key', 'not_authorized']))
  })
})

describe('example credentials outside local development', () => {
  const listModels = (token: string) =>
    new Request('http://gateway.test/admin/models', { headers: { authorization: `Bearer ${token}` } })

  it('refuses the example ADMIN_TOKEN with 503 insecure_configuration naming it, unless MODELGATE_ENV=development', async () => {
    const example = { ADMIN_TOKEN: 'dev-admin-token-change-me' }
    const res = await callWith(example, listModels('dev-admin-token-change-me'))
    expect(res.status).toBe(503)
    const p = await problemOf(res)
    expect(p).toMatchObject({ code: 'insecure_configuration', settings: ['ADMIN_TOKEN'] })
    expect(p.detail).toContain('ADMIN_TOKEN')
    const dev = await callWith({ ...example, MODELGATE_ENV: 'development' }, listModels('dev-admin-token-change-me'))
    expect(dev.status).toBe(200)
  })

  it('refuses the example reporter token on /v1/outcomes, and the example data-plane key on /v1/models', async () => {
    const reporter = { REPORTER_TOKENS: 'dev-reporter-token-change-me' }
    const headers = { authorization: 'Bearer dev-reporter-token-change-me' }
    const res = await callWith(reporter, outcomesRequest(one('x'), headers))
    expect(res.status).toBe(503)
    expect(await problemOf(res)).toMatchObject({ code: 'insecure_configuration', settings: ['REPORTER_TOKENS'] })
    const dev = await callWith({ ...reporter, MODELGATE_ENV: 'development' }, outcomesRequest(one('x'), headers))
    expect(reasons(await dev.json())).toEqual(['malformed_request_id'])

    const model = await modelWithMetric()
    const keyed = await callWith(
      { GATEWAY_KEYS: 'dev-reporter-token-change-me' },
      predict(model, { 'x-modelgate-key': 'dev-reporter-token-change-me' }),
    )
    expect(keyed.status).toBe(503)
    expect(await problemOf(keyed)).toMatchObject({ code: 'insecure_configuration', settings: ['GATEWAY_KEYS'] })
  })
})

describe('request-id key rotation (REQUEST_ID_SECRET_PREVIOUS)', () => {
  const ROTATED = { ADMIN_TOKEN: 'rotated-admin-token-0123456789abcdef' }
  const WINDOW = { ...ROTATED, REQUEST_ID_SECRET_PREVIOUS: ADMIN }
  const report = async (overrides: Record<string, string>, id: string) =>
    reasons(await (await callWith(overrides, outcomesRequest(one(id), { authorization: `Bearer ${REPORTER}` }))).json())

  it('keeps ids of the previous key valid in the window, and names a retired key unknown_key', async () => {
    const model = await modelWithMetric()
    const before = [await requestId(model), await requestId(model)]
    // ADMIN_TOKEN rotated without REQUEST_ID_SECRET: the derived key changed with it.
    expect(await report(ROTATED, before[0]!)).toEqual(['unknown_key'])
    expect(await report(WINDOW, before[0]!)).toEqual(['accepted'])
    // Altered, an id of the previous key is a forgery, not a retired key.
    expect(await report(WINDOW, before[1]!.replace(/~(c|h)-~/, '~k-~'))).toEqual(['invalid_signature'])
    // New ids are minted with the current key only: a gateway without it does not know them.
    const after = await requestId(model, WINDOW)
    expect(await report(WINDOW, after)).toEqual(['accepted'])
    expect((await postOutcomes(JSON.parse(one(after))).then((r) => r.json())) as any).toMatchObject({
      results: [{ reason: 'unknown_key' }],
    })
  })
})
