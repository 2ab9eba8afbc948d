/**
 * @module cli/exit
 * Exit codes scripts can rely on, and the errors that carry them. Every failure path of the CLI
 * ends in one of these classes, so `exitCodeOf` is the single place that decides the code.
 */

export const EXIT = {
  ok: 0,
  /** Unexpected error, or the gateway could not be reached. */
  unexpected: 1,
  /** Bad command line (unknown command or option, missing argument, bad value). */
  usage: 2,
  /** The API refused the request (4xx), or the state does not allow it (nothing to approve). */
  refused: 3,
  /** The gateway failed (5xx). */
  server: 4,
  /** Waiting for rollback confirmation timed out, or the gateway gave up on it (its final verdict). */
  timeout: 5,
  /** `audit verify` found a broken hash chain. */
  auditBroken: 6,
} as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** One field error of a problem document. */
export interface ProblemField {
  field: string
  message: string
}

/** The RFC 9457 problem the admin API sends (src/problem/problem.ts), as far as the CLI reads it. */
export interface Problem {
  type?: string
  title: string
  status: number
  detail?: string
  code?: string
  request_id?: string
  errors?: ProblemField[]
}

export class UsageError extends Error {
  override name = 'UsageError'
  /** The command whose usage to point at, when known. */
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message)
  }
}

/** A non-2xx answer from the admin API. */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly status: number,
    readonly problem: Problem,
    /** The raw body, printed under --json so scripts can read the problem's code. */
    readonly body: string,
  ) {
    super(`${problem.title} (${status})`)
  }
}

/** The gateway could not be reached, or did not answer in time. */
export class NetworkError extends Error {
  override name = 'NetworkError'
}

/** Waited for something that did not happen: the rollback confirmation. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError'
}

/** A refusal decided by the CLI from the API's state (e.g. no pending approval). */
export class RefusedError extends Error {
  override name = 'RefusedError'
}

export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof UsageError) return EXIT.usage
  if (err instanceof ApiError) return err.status >= 500 ? EXIT.server : EXIT.refused
  if (err instanceof RefusedError) return EXIT.refused
  if (err instanceof WaitTimeoutError) return EXIT.timeout
  return EXIT.unexpected
}
