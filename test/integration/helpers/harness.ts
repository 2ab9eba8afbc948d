/**
 * Integration harness: drives the real Worker inside workerd by calling its `fetch` handler with
 * an ExecutionContext we own (so `settle()` waits for every waitUntil task deterministically), and
 * mints unique model names per test because storage is isolated per file, not per test.
 *
 * Why not `exports.default.fetch`: in pool-workers 0.15.1 that path loops through the runner and
 * manages ~100 requests/s, which makes the 10,000-unit acceptance test impractical.
 */
import { env } from 'cloudflare:workers'
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { expect } from 'vitest'
import worker from '../../../src/index'

const pending: ExecutionContext[] = []

/** Calls the Worker as the runtime would; the context is kept until `settle()`. */
export function call(request: Request): Promise<Response> {
  const ctx = createExecutionContext()
  pending.push(ctx)
  return Promise.resolve(worker.fetch(request as Parameters<typeof worker.fetch>[0], env, ctx))
}

const envs = new Map<string, Env>()

/**
 * Calls the Worker with some bindings changed (the project's bindings are fixed in
 * vitest.config.ts). One env object per set of changes, so its isolate scope is built once.
 */
export function callWith(overrides: Record<string, string>, request: Request): Promise<Response> {
  const key = JSON.stringify(overrides)
  let changed = envs.get(key)
  if (!changed) envs.set(key, (changed = { ...env, ...overrides } as Env))
  const ctx = createExecutionContext()
  pending.push(ctx)
  return Promise.resolve(worker.fetch(request as Parameters<typeof worker.fetch>[0], changed, ctx))
}

/** Waits until every waitUntil task of every request sent so far has finished. */
export async function settle(): Promise<void> {
  while (pending.length) await waitOnExecutionContext(pending.shift() as ExecutionContext)
}

export const ADMIN = 'test-admin-token-0123456789abcdef'
export const APPROVER = 'test-approver-token-0123456789abcdef'
/** The outcome reporters' token of vitest.config.ts (REPORTER_TOKENS). */
export const REPORTER = 'test-reporter-token-0123456789abcdef'

/** POST /v1/outcomes with the reporter token (`token: null` sends none). */
export function postOutcomes(body: unknown, opts: CallOptions = {}): Promise<Response> {
  const token = opts.token === undefined ? REPORTER : opts.token
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(opts.headers ?? {}) }
  if (token !== null) headers.authorization = `Bearer ${token}`
  return call(
    new Request('http://gateway.test/v1/outcomes', {
      method: 'POST',
      headers,
      body: opts.raw ?? JSON.stringify(body),
    }),
  )
}

let counter = 0
export function uniqueModel(prefix = 'm'): string {
  counter++
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}`
}

export interface CallOptions {
  token?: string | null
  headers?: Record<string, string>
  raw?: string
}

export async function admin(method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) }
  const token = opts.token === undefined ? ADMIN : opts.token
  if (token !== null) headers.authorization = `Bearer ${token}`
  let payload: string | undefined = opts.raw
  if (body !== undefined) {
    payload = JSON.stringify(body)
    headers['content-type'] = 'application/json'
  }
  return call(new Request(`http://gateway.test/admin${path}`, { method, headers, body: payload }))
}

/** Calls the admin API and asserts the status, showing the body when it differs. */
export async function adminOk<T = any>(
  method: string,
  path: string,
  body?: unknown,
  status = 200,
  opts: CallOptions = {},
): Promise<T> {
  const res = await admin(method, path, body, opts)
  const text = await res.text()
  expect(res.status, `${method} ${path} → ${res.status}: ${text}`).toBe(status)
  return (text ? JSON.parse(text) : null) as T
}

export function infer(model: string, path = '/predict', init: RequestInit = {}): Promise<Response> {
  return call(new Request(`http://gateway.test/v1/models/${model}${path}`, init))
}

/**
 * An operator's registry write that the two-person rule may hold (on medium- and high-risk models
 * by default): a held change (202) is approved at once with the approver token, so a test's setup
 * reads as one step. Answers what the write answers, or the model view once approved.
 */
export async function adminConfirmed<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await admin(method, path, body)
  const text = await res.text()
  if (res.status !== 202) {
    expect([200, 201], `${method} ${path} → ${res.status}: ${text}`).toContain(res.status)
    return JSON.parse(text) as T
  }
  const held = JSON.parse(text) as { id: string; model: string }
  const approve = `/models/${held.model}/changes/${held.id}/approve`
  return (await adminOk('POST', approve, undefined, 200, { token: APPROVER })).model as T
}

export interface ModelSetup {
  risk?: 'low' | 'medium' | 'high'
  versions: Record<string, string | { url: string; timeout_ms?: number } | { service: string }>
  champion: string
  weights?: Record<string, number>
  rules?: unknown[]
  shadow?: unknown
  fallback_to_champion?: boolean
}

export async function setupModel(model: string, s: ModelSetup): Promise<any> {
  await adminOk(
    'PUT',
    `/models/${model}`,
    {
      risk: s.risk ?? 'medium',
      ...(s.fallback_to_champion === undefined ? {} : { fallback_to_champion: s.fallback_to_champion }),
    },
    201,
  )
  for (const [name, backend] of Object.entries(s.versions)) {
    await adminOk(
      'PUT',
      `/models/${model}/versions/${name}`,
      { backend: typeof backend === 'string' ? { url: backend } : backend },
      201,
    )
  }
  let view = await adminConfirmed('POST', `/models/${model}/champion`, { version: s.champion })
  if (s.weights || s.rules || s.shadow) {
    view = await adminConfirmed('PUT', `/models/${model}/routing`, {
      weights: s.weights ?? { [s.champion]: 100 },
      rules: s.rules ?? [],
      ...(s.shadow ? { shadow: s.shadow } : {}),
    })
  }
  return view
}

export async function problemOf(res: Response): Promise<Record<string, any>> {
  expect(res.headers.get('content-type')).toContain('application/problem+json')
  const body = (await res.json()) as Record<string, any>
  expect(body.status).toBe(res.status)
  expect(typeof body.request_id).toBe('string')
  expect(body.request_id).toBe(res.headers.get('x-request-id'))
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/) // never a stack trace
  return body
}
