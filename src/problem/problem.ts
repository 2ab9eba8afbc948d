/**
 * @module problem/problem
 * The only place that turns errors into HTTP: RFC 9457 problem+json with the request id. Transport
 * neutral (a plain `Response`): the data plane and the Hono app both answer through it.
 * `statusOf` is an exhaustive switch over the closed error vocabulary.
 */
import type { DomainError, ErrorCode, FieldError } from '../core/errors'
import type { Problem } from '../schemas/problem'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'
const DOCS_BASE = 'https://modelgate.dev/problems/'

export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'validation_failed':
    case 'malformed_json':
      return 400
    case 'unauthorized':
      return 401
    case 'forbidden':
    case 'approval_required':
      return 403
    case 'not_found':
    case 'model_not_found':
    case 'version_not_found':
    case 'rollout_not_found':
      return 404
    case 'method_not_allowed':
      return 405
    case 'conflict':
    case 'version_immutable':
      return 409
    case 'precondition_failed':
      return 412
    case 'payload_too_large':
      return 413
    case 'unsupported_media_type':
      return 415
    case 'precondition_required':
      return 428
    case 'upstream_unreachable':
      return 502
    case 'no_champion':
    case 'snapshot_unavailable':
    case 'publish_pending':
    case 'storage_unavailable':
    case 'not_configured':
    case 'insecure_configuration':
      return 503
    case 'upstream_timeout':
      return 504
    case 'loop_detected':
      return 508
    case 'internal':
      return 500
    default: {
      const unknown: never = code
      return unknown
    }
  }
}

const TITLES: Record<ErrorCode, string> = {
  validation_failed: 'Request validation failed',
  malformed_json: 'Malformed JSON body',
  unauthorized: 'Missing or invalid credentials',
  forbidden: 'Not allowed for this role',
  not_found: 'Not found',
  model_not_found: 'Unknown model',
  version_not_found: 'Unknown version',
  rollout_not_found: 'Unknown rollout',
  conflict: 'Conflict with the current state',
  version_immutable: 'Version is immutable',
  precondition_failed: 'Stale epoch',
  precondition_required: 'Precondition required',
  payload_too_large: 'Request body too large',
  unsupported_media_type: 'Unsupported content type',
  method_not_allowed: 'Method not allowed',
  no_champion: 'Model has no champion',
  snapshot_unavailable: 'Routing snapshot unavailable',
  upstream_timeout: 'Model version timed out',
  upstream_unreachable: 'Model version unreachable',
  loop_detected: 'Request loop detected',
  approval_required: 'Approval required',
  publish_pending: 'Change recorded, publication pending',
  storage_unavailable: 'Storage temporarily unavailable',
  not_configured: 'Gateway not configured',
  insecure_configuration: 'Gateway configured with an example credential',
  internal: 'Internal error',
}

/**
 * Seconds after which a retry may succeed, for the failures that pass on their own (the
 * `Retry-After` header and the body's `retry_after`); null for the others.
 */
export function retryAfterOf(code: ErrorCode): number | null {
  switch (code) {
    case 'snapshot_unavailable':
      return 1
    case 'publish_pending':
      return 2
    case 'storage_unavailable':
      return 5
    default:
      return null
  }
}

export function problemBody(err: DomainError, requestId: string, instance?: string): Problem {
  const retryAfter = retryAfterOf(err.code)
  return {
    type: `${DOCS_BASE}${err.code}`,
    title: TITLES[err.code],
    status: statusOf(err.code),
    detail: err.detail,
    code: err.code,
    request_id: requestId,
    ...(instance ? { instance } : {}),
    ...(err.fields ? { errors: err.fields } : {}),
    ...(retryAfter === null ? {} : { retry_after: retryAfter }),
    ...(err.extra ?? {}),
  }
}

export function problemResponse(
  err: DomainError,
  requestId: string,
  headers: Record<string, string> = {},
  instance?: string,
): Response {
  const body = problemBody(err, requestId, instance)
  const h = new Headers({ 'content-type': PROBLEM_CONTENT_TYPE, 'x-request-id': requestId, ...headers })
  if (err.code === 'unauthorized') h.set('www-authenticate', 'Bearer realm="modelgate"')
  const retryAfter = retryAfterOf(err.code)
  if (retryAfter !== null && !h.has('retry-after')) h.set('retry-after', String(retryAfter))
  return new Response(JSON.stringify(body), { status: body.status, headers: h })
}

interface IssueLike {
  path: PropertyKey[]
  message: string
  code?: string
  errors?: IssueLike[][]
}

/**
 * zod issues → one FieldError per bad field (paths joined with dots). For a union that matched no
 * branch, the branch that came closest (fewest issues) explains the problem field by field,
 * instead of one opaque "invalid input".
 */
export function fieldErrors(issues: ReadonlyArray<IssueLike>, prefix = ''): FieldError[] {
  return issues.flatMap((i) => {
    const base = [prefix, ...i.path.map(String)].filter(Boolean).join('.')
    if (i.code === 'invalid_union' && i.errors && i.errors.length > 0) {
      const closest = [...i.errors].sort((a, b) => a.length - b.length)[0] as IssueLike[]
      if (closest.length > 0) return fieldErrors(closest, base)
    }
    return [{ field: base || '(body)', message: i.message }]
  })
}
