/**
 * Who may call what: every operation of the OpenAPI document (admin API, outcomes, data plane,
 * health) and every route the document leaves out on purpose (the docs page, the dashboard), called
 * by each kind of caller. ACCESS below is the contract a reviewer reads: one entry per operation.
 * The test fails when the document has an operation without an entry (a new route must say who may
 * call it), when an entry names an operation that does not exist, when the document's `security`
 * disagrees with the entry, and when a caller gets another answer than the entry implies:
 * 401 for a missing or foreign credential, 403 for a known role the operation does not accept, and
 * anything but 401/403 for a caller it accepts (a 400, 404 or 409 there means the auth layer let
 * the request through, which is all this test is about).
 */
import { describe, expect, inject, it } from 'vitest'
import { ADMIN, APPROVER, REPORTER, admin, callWith, problemOf, setupModel, uniqueModel } from './helpers/harness'

/**
 * Who may call an operation:
 * - `public`: anyone, no credential (`security: []`);
 * - `reporter`: an outcome reporter token (`security: [{reporterToken: []}]`);
 * - `data plane`: anyone while GATEWAY_KEYS is unset, else a valid `x-modelgate-key`
 *   (`security: [{}, {gatewayKey: []}]`);
 * - admin roles: the bearer token of one of the listed roles (`security: [{bearer: [role]}, …]`,
 *   OpenAPI 3.1's role names for a non-OAuth scheme; alternatives, so any one of them suffices).
 */
type Access = 'public' | 'reporter' | 'data plane' | readonly Role[]
type Role = 'operator' | 'approver'

const READERS = ['operator', 'approver'] as const
/** The writes the two-person rule may hold: the approver may make them directly (README "Two-person rule"). */
const HELD_WRITES = ['operator', 'approver'] as const
const OPERATOR = ['operator'] as const
const APPROVER_ONLY = ['approver'] as const

/** Every operation of GET /admin/openapi.json. */
const ACCESS: Record<string, Access> = {
  'GET /healthz': 'public',
  'POST /v1/outcomes': 'reporter',
  'GET /v1/models/{model}/{path}': 'data plane',
  'POST /v1/models/{model}/{path}': 'data plane',
  'PUT /v1/models/{model}/{path}': 'data plane',
  'PATCH /v1/models/{model}/{path}': 'data plane',
  'DELETE /v1/models/{model}/{path}': 'data plane',

  'GET /admin/models': READERS,
  'GET /admin/models/{model}': READERS,
  'PUT /admin/models/{model}': HELD_WRITES,
  'PUT /admin/models/{model}/versions/{version}': OPERATOR,
  'POST /admin/models/{model}/champion': HELD_WRITES,
  'PUT /admin/models/{model}/routing': HELD_WRITES,
  'POST /admin/models/{model}/rollback': OPERATOR,
  'GET /admin/models/{model}/changes': READERS,
  'POST /admin/models/{model}/changes/{id}/approve': APPROVER_ONLY,

  'GET /admin/models/{model}/rollouts': READERS,
  'POST /admin/models/{model}/rollouts': OPERATOR,
  'GET /admin/rollouts': READERS,
  'GET /admin/rollouts/{id}': READERS,
  'GET /admin/rollouts/{id}/verdicts': READERS,
  'POST /admin/rollouts/{id}/pause': OPERATOR,
  'POST /admin/rollouts/{id}/resume': OPERATOR,
  'POST /admin/rollouts/{id}/promote': OPERATOR,
  'POST /admin/rollouts/{id}/abort': OPERATOR,
  'POST /admin/rollouts/{id}/evaluation': OPERATOR,
  'POST /admin/rollouts/{id}/approve': APPROVER_ONLY,

  'GET /admin/incidents': READERS,
  'GET /admin/incidents/{id}': READERS,
  'POST /admin/incidents/{id}/retrospective': OPERATOR,
  'POST /admin/incidents/{id}/action-items/{index}/close': OPERATOR,
  'PUT /admin/models/{model}/webhooks': OPERATOR,
  'GET /admin/models/{model}/webhook-deliveries': READERS,

  'GET /admin/audit': READERS,
  'GET /admin/audit/verify': READERS,
  'GET /admin/metrics': READERS,
  'GET /admin/models/{model}/metrics': READERS,
  'GET /admin/models/{model}/shadow-samples': READERS,
  'GET /admin/faults': READERS,
  'PUT /admin/faults': OPERATOR,
}

/** Routes of the app that the document leaves out: the document itself, its page, the dashboard. */
const UNDOCUMENTED: Record<string, Access> = {
  'GET /admin/openapi.json': 'public',
  'GET /admin/docs': 'public',
  // Shells without data: a browser navigation cannot carry the bearer token (routes/admin/ui).
  'GET /admin/ui': 'public',
  'GET /admin/ui/models/{model}': 'public',
  'GET /admin/ui/fragments/overview': READERS,
  'GET /admin/ui/fragments/models/{model}': READERS,
}

const GATEWAY_KEY = 'matrix-data-plane-key-0123456789abcdef'
const KEYED = { GATEWAY_KEYS: GATEWAY_KEY }

const CALLERS = {
  'no credential': {},
  'a wrong bearer token': { authorization: 'Bearer matrix-not-a-token-0123456789abcdef' },
  operator: { authorization: `Bearer ${ADMIN}` },
  approver: { authorization: `Bearer ${APPROVER}` },
  reporter: { authorization: `Bearer ${REPORTER}` },
  'a data-plane key': { 'x-modelgate-key': GATEWAY_KEY },
} satisfies Record<string, Record<string, string>>
type Caller = keyof typeof CALLERS

type Expected = 'allowed' | 401 | 403

/** What the entry implies for a caller; `keyed`: GATEWAY_KEYS is set. */
function expected(access: Access, caller: Caller, keyed: boolean): Expected {
  if (access === 'public') return 'allowed'
  if (access === 'reporter') return caller === 'reporter' ? 'allowed' : 401
  if (access === 'data plane') return !keyed || caller === 'a data-plane key' ? 'allowed' : 401
  if (caller !== 'operator' && caller !== 'approver') return 401
  return access.includes(caller) ? 'allowed' : 403
}

/** The `security` the document must declare for an entry. */
function securityOf(access: Access): unknown {
  if (access === 'public') return []
  if (access === 'reporter') return [{ reporterToken: [] }]
  if (access === 'data plane') return [{}, { gatewayKey: [] }]
  return access.map((role) => ({ bearer: [role] }))
}

const ZEROS = '0'.repeat(26)

/** Plausible path parameters: a registered model with a champion, ids of the right form. */
function fill(template: string, model: string): string {
  const id = template.includes('/rollouts/')
    ? `ro_${ZEROS}~${model}`
    : template.includes('/incidents/')
      ? `inc_${ZEROS}~${model}`
      : `chg_${ZEROS}`
  const values: Record<string, string> = { model, version: 'v1', path: 'predict', index: '0', id }
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name]
    if (value === undefined) throw new Error(`no value for {${name}} in ${template}`)
    return value
  })
}

async function send(
  operation: string,
  model: string,
  caller: Caller,
  keyed: boolean,
  method?: string,
): Promise<Response> {
  const [verb, template] = operation.split(' ') as [string, string]
  const m = method ?? verb
  const headers: Record<string, string> = { ...CALLERS[caller] }
  let body: string | undefined
  if (m !== 'GET' && m !== 'HEAD') {
    headers['content-type'] = 'application/json'
    // An empty object: valid for some operations (a rollback, clearing the fault plan), a 400 for the others.
    body = '{}'
  }
  const request = new Request(`http://gateway.test${fill(template, model)}`, { method: m, headers, body })
  return callWith(keyed ? KEYED : {}, request)
}

async function check(operation: string, access: Access, model: string, keyed: boolean, method?: string) {
  for (const caller of Object.keys(CALLERS) as Caller[]) {
    const want = expected(access, caller, keyed)
    const res = await send(operation, model, caller, keyed, method)
    const label = `${method ?? ''} ${operation} as ${caller}${keyed ? ' (GATEWAY_KEYS set)' : ''} → ${res.status}`
    if (want === 'allowed') {
      expect([401, 403], label).not.toContain(res.status)
      await res.arrayBuffer()
    } else {
      expect(res.status, label).toBe(want)
      if (method !== 'HEAD')
        expect((await problemOf(res)).code, label).toBe(want === 401 ? 'unauthorized' : 'forbidden')
      else await res.arrayBuffer()
    }
  }
}

async function openapi(): Promise<any> {
  const res = await admin('GET', '/openapi.json', undefined, { token: null })
  expect(res.status).toBe(200)
  return res.json()
}

function operationsOf(doc: any): Map<string, any> {
  const ops = new Map<string, any>()
  for (const [path, item] of Object.entries<any>(doc.paths))
    for (const [method, op] of Object.entries<any>(item)) ops.set(`${method.toUpperCase()} ${path}`, op)
  return ops
}

async function registeredModel(): Promise<string> {
  const model = uniqueModel('matrix')
  await setupModel(model, { risk: 'low', versions: { v1: inject('upstreamA') }, champion: 'v1' })
  return model
}

describe('the authorization matrix covers every operation', () => {
  it('has one entry per operation of the OpenAPI document, and no other', async () => {
    const documented = [...operationsOf(await openapi()).keys()].sort()
    expect(Object.keys(ACCESS).sort()).toEqual(documented)
  })

  it('has an entry for every route of the app (documented or listed as undocumented)', async () => {
    // Imported late: the app's module graph loads in the order the Worker entry gives it.
    const { buildApp } = await import('../../src/http/app')
    const routes = new Set(
      buildApp()
        .routes.filter((r) => r.method !== 'ALL')
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`),
    )
    const expectedRoutes = [...Object.keys(ACCESS), ...Object.keys(UNDOCUMENTED)].filter(
      // The data plane is served ahead of the app (src/index.ts), not by a route of it.
      (op) => !op.includes(' /v1/models/'),
    )
    expect([...routes].sort()).toEqual(expectedRoutes.sort())
    const documented = operationsOf(await openapi())
    for (const op of Object.keys(UNDOCUMENTED)) expect(documented.has(op), op).toBe(false)
  })

  it('declares in the document the security of each entry, and a 403 wherever a role is refused', async () => {
    for (const [op, spec] of operationsOf(await openapi())) {
      const access = ACCESS[op]
      if (access === undefined) continue // reported by the first test
      expect(spec.security, op).toEqual(securityOf(access))
      if (typeof access !== 'string') {
        expect(Object.keys(spec.responses), op).toContain('401')
        if (access.length < READERS.length) expect(Object.keys(spec.responses), op).toContain('403')
      }
    }
  })
})

describe('every caller gets the answer its entry implies', () => {
  it.each(Object.entries(ACCESS))('%s', async (operation, access) => {
    const model = await registeredModel()
    await check(operation, access, model, false)
    if (access === 'data plane') await check(operation, access, model, true)
    // Hono answers HEAD with the GET route: the same callers, the same refusals.
    if (operation.startsWith('GET ')) await check(operation, access, model, false, 'HEAD')
  })

  it.each(Object.entries(UNDOCUMENTED))('%s (not in the document)', async (operation, access) => {
    const model = await registeredModel()
    await check(operation, access, model, false)
  })
})
