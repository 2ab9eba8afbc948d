/**
 * @module core/errors
 * The one error type of the domain. Every failure the gateway reports to a client is a
 * `DomainError` with a code from a closed vocabulary; `http/problem.ts` maps codes to HTTP
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
  'not_configured',
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

/** Errors crossing a Durable Object RPC boundary lose their class; this rebuilds them. */
export interface SerializedDomainError {
  __domainError: true
  code: ErrorCode
  detail: string
  fields?: FieldError[]
  extra?: Record<string, unknown>
}

export function serializeDomainError(err: DomainError): SerializedDomainError {
  return {
    __domainError: true,
    code: err.code,
    detail: err.detail,
    ...(err.fields ? { fields: err.fields } : {}),
    ...(err.extra ? { extra: err.extra } : {}),
  }
}

export function isSerializedDomainError(x: unknown): x is SerializedDomainError {
  return typeof x === 'object' && x !== null && (x as { __domainError?: unknown }).__domainError === true
}

export function deserializeDomainError(x: SerializedDomainError): DomainError {
  return new DomainError(x.code, x.detail, {
    ...(x.fields ? { fields: x.fields } : {}),
    ...(x.extra ? { extra: x.extra } : {}),
  })
}
