/**
 * @module http/middleware/auth
 * Bearer-token auth. The admin API has two roles: operator (ADMIN_TOKEN) and approver
 * (APPROVER_TOKEN). Outcome reporters hold tokens of their own (REPORTER_TOKENS for every model,
 * MODEL_REPORTER_TOKENS for one model's requests): a data-plane key or a request id is not one.
 * Tokens are compared in constant time over their SHA-256 digests, so neither content nor length
 * leaks through timing. An example credential outside development is refused (config/secrets).
 */
import { createMiddleware } from 'hono/factory'
import { insecureFor } from '../../config/secrets'
import type { Settings } from '../../config/settings'
import { DomainError } from '../../core/errors'
import type { AppEnv, Role } from '../context'

const encoder = new TextEncoder()

async function digest(s: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', encoder.encode(s))
}

/** Constant-time equality of two SHA-256 digests. */
function digestsEqual(a: ArrayBuffer, b: ArrayBuffer): boolean {
  const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: (a: ArrayBuffer, b: ArrayBuffer) => boolean }
  if (typeof subtle.timingSafeEqual === 'function') return subtle.timingSafeEqual(a, b)
  const x = new Uint8Array(a)
  const y = new Uint8Array(b)
  let diff = 0
  for (let i = 0; i < x.length; i++) diff |= (x[i] as number) ^ (y[i] as number)
  return diff === 0
}

/** Constant-time equality of two strings (via fixed-length digests). */
export async function tokensEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(given), digest(expected)])
  return digestsEqual(a, b)
}

function bearer(header: string | undefined): string | null {
  if (!header) return null
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return m ? (m[1] as string) : null
}

const ACTOR_RE = /^[A-Za-z0-9._@-]{1,64}$/

/** Resolves the caller's role; rejects with 401 when the token matches neither secret. */
export const authenticate = createMiddleware<AppEnv>(async function authenticate(c, next) {
  const { adminToken: admin, approverToken } = c.var.services.settings
  if (admin === null) throw new DomainError('not_configured', 'ADMIN_TOKEN is not set; see .dev.vars.example')
  const insecure = insecureFor('admin', c.var.services.settings)
  if (insecure) throw insecure
  const token = bearer(c.req.header('authorization'))
  if (token === null) throw new DomainError('unauthorized', 'send Authorization: Bearer <token>')
  let role: Role | null = null
  if (await tokensEqual(token, admin)) role = 'operator'
  else if (approverToken !== null && (await tokensEqual(token, approverToken))) role = 'approver'
  if (role === null) throw new DomainError('unauthorized', 'the bearer token is not valid')
  const name = c.req.header('x-modelgate-actor')
  if (name !== undefined && name !== '' && !ACTOR_RE.test(name)) {
    // An audit trail that silently drops the name a human gave is worse than a refusal.
    throw new DomainError('validation_failed', 'x-modelgate-actor must be 1-64 letters, digits, ".", "_", "@" or "-"', {
      fields: [{ field: 'header.x-modelgate-actor', message: 'invalid actor name' }],
    })
  }
  c.set('role', role)
  c.set('actor', name ? `${role}:${name}` : role)
  await next()
})

/** Restricts a route to the given roles (403 otherwise). */
export function requireRole(...roles: Role[]) {
  return createMiddleware<AppEnv>(async function requireRole(c, next) {
    if (!roles.includes(c.get('role'))) {
      throw new DomainError('forbidden', `this action needs the ${roles.join(' or ')} role; you are ${c.get('role')}`)
    }
    await next()
  })
}

interface ReporterDigests {
  global: ArrayBuffer[]
  perModel: Array<{ model: string; digest: ArrayBuffer }>
}

/** The configured reporter tokens' digests, once per settings object (an isolate's). */
const reporterDigests = new WeakMap<Settings, Promise<ReporterDigests>>()

function digestsOf(s: Settings): Promise<ReporterDigests> {
  let p = reporterDigests.get(s)
  if (!p) {
    p = Promise.all([
      Promise.all(s.reporterTokens.map(digest)),
      Promise.all(s.modelReporterTokens.map(async (t) => ({ model: t.model, digest: await digest(t.token) }))),
    ]).then(([global, perModel]) => ({ global, perModel }))
    reporterDigests.set(s, p)
  }
  return p
}

/**
 * Authenticates an outcome reporter before anything reads the body: an anonymous caller's body is
 * never buffered or parsed. Sets `reporter` to the models the token covers (null: every model).
 * Every configured token is compared, whichever matched, so timing does not tell which one did.
 */
export const authenticateReporter = createMiddleware<AppEnv>(async function authenticateReporter(c, next) {
  const settings = c.var.services.settings
  if (settings.reporterTokens.length === 0 && settings.modelReporterTokens.length === 0) {
    throw new DomainError(
      'not_configured',
      'REPORTER_TOKENS is not set (nor MODEL_REPORTER_TOKENS); see .dev.vars.example',
    )
  }
  const insecure = insecureFor('outcomes', settings)
  if (insecure) throw insecure
  const token = bearer(c.req.header('authorization'))
  if (token === null) {
    throw new DomainError('unauthorized', 'send a reporter token as Authorization: Bearer <token>')
  }
  const [given, known] = await Promise.all([digest(token), digestsOf(settings)])
  let everyModel = false
  const models = new Set<string>()
  for (const d of known.global) everyModel = digestsEqual(given, d) || everyModel
  for (const m of known.perModel) if (digestsEqual(given, m.digest)) models.add(m.model)
  if (!everyModel && models.size === 0) throw new DomainError('unauthorized', 'the reporter token is not valid')
  c.set('reporter', everyModel ? null : models)
  await next()
})
