/**
 * @module core/errors
 * The one error type of the domain. Every failure the gateway reports to a client is a
 * `DomainError` with a code from a closed vocabulary; `problem/problem.ts` maps codes to HTTP
 * statuses with an exhaustive switch, so adding a code without deciding its status fails to compile.
 */

export const ERROR_CODES = [
  'validation_failed',
  'malformed_json',
  'unauthorized',
  'forbidden',
  'not_found',
  'model_not_found',
  'version_not_found',
  'rollout_not_found',
  'conflict',
  'version_immutable',
  'precondition_failed',
  'precondition_required',
  'payload_too_large',
  'unsupported_media_type',
  'method_not_allowed',
  'no_champion',
  'snapshot_unavailable',
  'upstream_timeout',
  'upstream_unreachable',
  'loop_detected',
  'approval_required',
  'publish_pending',
  'storage_unavailable',
  'not_configured',
  'insecure_configuration',
  'internal',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

/** One bad input field, as listed in a 400 problem. */
export interface FieldError {
  field: string
  message: string
}

export class DomainError extends Error {
  readonly code: ErrorCode
  readonly detail: string
  readonly fields: FieldError[] | undefined
  /** Extra members for the problem body (e.g. `current_epoch` on a 412). */
  readonly extra: Record<string, unknown> | undefined

  constructor(
    code: ErrorCode,
    detail: string,
    opts: { fields?: FieldError[]; extra?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(detail, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'DomainError'
    this.code = code
    this.detail = detail
    this.fields = opts.fields
    this.extra = opts.extra
  }
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError
}

/** Errors crossing a Durable Object RPC boundary lose their class: they travel as this plain value. */
export interface SerializedDomainError {
  code: ErrorCode
  detail: string
  fields?: FieldError[]
  extra?: Record<string, unknown>
}

/**
 * What every Durable Object RPC method returns: a value, or a domain error as data. One shape for
 * every method, so callers unwrap with one function (`unwrap`) and errors keep their code.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: SerializedDomainError }

/**
 * The one mapping from anything thrown to the closed error vocabulary: a DomainError stays itself;
 * anything else is `internal` (the caller logs the original).
 */
export function toDomainError(err: unknown): DomainError {
  // A library may wrap ours (drizzle wraps a failed query's error in its own, as `cause`).
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DomainError) return e
  }
  return new DomainError('internal', 'unexpected error; the request id identifies it in the logs', { cause: err })
}

/** A DomainError as it crosses an RPC boundary. */
export function serializeDomainError(err: DomainError): SerializedDomainError {
  return {
    code: err.code,
    detail: err.detail,
    ...(err.fields ? { fields: err.fields } : {}),
    ...(err.extra ? { extra: err.extra } : {}),
  }
}

/** The value of a Result, or its error rebuilt as a DomainError and thrown. */
export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value
  const e = r.error
  throw new DomainError(e.code, e.detail, {
    ...(e.fields ? { fields: e.fields } : {}),
    ...(e.extra ? { extra: e.extra } : {}),
  })
}
