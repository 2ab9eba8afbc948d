/**
 * @module http/middleware/auth
 * Bearer-token auth for the admin API. Two roles: operator (ADMIN_TOKEN) and approver
 * (APPROVER_TOKEN). Tokens are compared in constant time over their SHA-256 digests, so neither
 * content nor length leaks through timing.
 */
import { createMiddleware } from 'hono/factory'
import { DomainError } from '../../core/errors'
import type { AppEnv, Role } from '../context'

const encoder = new TextEncoder()

async function digest(s: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', encoder.encode(s))
}

/** Constant-time equality of two strings (via fixed-length digests). */
export async function tokensEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(given), digest(expected)])
  const subtle = crypto.subtle as SubtleCrypto & { timingSafeEqual?: (a: ArrayBuffer, b: ArrayBuffer) => boolean }
  if (typeof subtle.timingSafeEqual === 'function') return subtle.timingSafeEqual(a, b)
  const x = new Uint8Array(a)
  const y = new Uint8Array(b)
  let diff = 0
  for (let i = 0; i < x.length; i++) diff |= (x[i] as number) ^ (y[i] as number)
  return diff === 0
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
