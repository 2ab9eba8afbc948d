/**
 * The HTTP calls `npm run demo` makes: admin API (operator and approver tokens), the data plane
 * (predict, outcomes) and the local cron trigger. Every call has a timeout; admin errors carry the
 * problem+json title and detail.
 */
import path from 'node:path'
import { readDevVars } from '../lib/dev-vars'

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly problem: { title?: string; detail?: string; code?: string; [k: string]: unknown } | null,
    text: string,
  ) {
    const what = problem?.title ? `${problem.title}${problem.detail ? `: ${problem.detail}` : ''}` : text.slice(0, 300)
    super(`${method} ${path} → ${status} ${what}`)
  }
}

export interface Tokens {
  admin: string
  approver: string
  /** The outcome reporter's token: the first of REPORTER_TOKENS. */
  reporter: string
  /** Where each token came from ("environment" or ".dev.vars"), for error messages. */
  source: { admin: string; approver: string; reporter: string }
}

/** Tokens from the environment, else from .dev.vars (what `npm start` runs with). */
export function loadTokens(root: string, env: NodeJS.ProcessEnv = process.env): Tokens {
  const file = path.join(root, '.dev.vars')
  const found = readDevVars(root)
  const vars = found ?? {}
  const admin = env.ADMIN_TOKEN || vars.ADMIN_TOKEN || ''
  const approver = env.APPROVER_TOKEN || vars.APPROVER_TOKEN || ''
  const reporter = (env.REPORTER_TOKENS || vars.REPORTER_TOKENS || '').split(',')[0]!.trim()
  const missing = [
    admin ? null : 'ADMIN_TOKEN',
    approver ? null : 'APPROVER_TOKEN',
    reporter ? null : 'REPORTER_TOKENS',
  ].filter(Boolean)
  if (missing.length > 0) {
    const where = found ? `${file} has no ${missing.join(' / ')}` : `${file} does not exist`
    throw new Error(
      `${where}. Run \`npm start\` once (it creates .dev.vars from .dev.vars.example, or adds what an older one lacks), or export ${missing.join(' and ')}.`,
    )
  }
  const from = (name: string) => (env[name] ? 'environment' : '.dev.vars')
  return {
    admin,
    approver,
    reporter,
    source: { admin: from('ADMIN_TOKEN'), approver: from('APPROVER_TOKEN'), reporter: from('REPORTER_TOKENS') },
  }
}

export class Gateway {
  constructor(
    readonly base: string,
    private readonly tokens: Tokens,
    private readonly actor = 'demo',
  ) {}

  /** An admin call as the operator (default) or the approver; throws ApiError on ≥ 300. */
  async admin<T = any>(
    method: string,
    p: string,
    body?: unknown,
    opts: { as?: 'operator' | 'approver'; timeoutMs?: number } = {},
  ): Promise<T> {
    const token = opts.as === 'approver' ? this.tokens.approver : this.tokens.admin
    const res = await fetch(`${this.base}/admin${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-modelgate-actor': this.actor,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 20_000),
    })
    const text = await res.text()
    let json: any
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      json = null
    }
    if (res.status >= 300) throw new ApiError(res.status, method, `/admin${p}`, json, text)
    return json as T
  }

  /** Whether the gateway answers /healthz. */
  async healthy(timeoutMs = 3_000): Promise<boolean> {
    try {
      const res = await fetch(`${this.base}/healthz`, { signal: AbortSignal.timeout(timeoutMs) })
      await res.arrayBuffer()
      return res.ok
    } catch {
      return false
    }
  }

  /** One cron tick, as the Cloudflare scheduler would fire it (local dev: never by itself). */
  async tick(timeoutMs = 30_000): Promise<void> {
    // wrangler dev --test-scheduled (npm start); see CRON_TRIGGER_PATH in src/cli/commands/rollback.ts.
    const res = await fetch(`${this.base}/__scheduled`, { signal: AbortSignal.timeout(timeoutMs) })
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`cron tick → ${res.status}`)
  }

  async predict(model: string, unit: string, features: unknown, timeoutMs = 10_000): Promise<Scored> {
    const res = await fetch(`${this.base}/v1/models/${model}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-unit-id': unit },
      body: JSON.stringify({ features }),
      signal: AbortSignal.timeout(timeoutMs),
    })
    const text = await res.text()
    let label: string | null = null
    let problem: string | null = null
    if (res.status !== 200) problem = (safeJson(text) as { code?: string } | null)?.code ?? null
    if (res.status === 200) {
      try {
        label = (JSON.parse(text) as { predictions?: Array<{ label?: string }> }).predictions?.[0]?.label ?? null
      } catch {
        label = null
      }
    }
    return {
      status: res.status,
      requestId: res.headers.get('x-request-id'),
      version: res.headers.get('x-model-version'),
      arm: res.headers.get('x-model-arm'),
      epoch: Number(res.headers.get('x-routing-epoch') ?? Number.NaN),
      label,
      problem,
      body: res.status === 200 ? null : text.slice(0, 300),
    }
  }

  async outcomes(
    items: Array<{ request_id: string; value: number; metric: string }>,
    timeoutMs = 20_000,
  ): Promise<OutcomeReport> {
    const res = await fetch(`${this.base}/v1/outcomes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.tokens.reporter}` },
      body: JSON.stringify({ outcomes: items }),
      signal: AbortSignal.timeout(timeoutMs),
    })
    const text = await res.text()
    if (!res.ok) throw new ApiError(res.status, 'POST', '/v1/outcomes', safeJson(text), text)
    return JSON.parse(text) as OutcomeReport
  }
}

export interface Scored {
  status: number
  requestId: string | null
  version: string | null
  arm: string | null
  epoch: number
  label: string | null
  /** The problem+json code of a failed answer. */
  problem: string | null
  /** The start of a failed answer's body (for the summary). */
  body: string | null
}

export interface OutcomeReport {
  accepted: number
  duplicates: number
  rejected: number
  results: Array<{ request_id: string; status: string; reason?: string; detail?: string }>
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
