/**
 * @module core/constant-time
 * Synchronous constant-time comparison of a caller's credential with configured ones, for the
 * data plane's hot path, where an await per request would cost (the admin and outcome routes
 * compare SHA-256 digests instead: http/middleware/auth).
 */

/**
 * Whether `given` equals `expected`. The loop runs over every character of `expected` whatever
 * `given` holds, and a length difference is folded into the result rather than returned early, so
 * the time depends on the configured value's length only, never on how much of it a caller got right.
 */
export function constantTimeEqual(given: string, expected: string): boolean {
  let diff = given.length ^ expected.length
  for (let i = 0; i < expected.length; i++) {
    // Past the end of `given`, charCodeAt is NaN, which `|` and `^` read as 0.
    diff |= expected.charCodeAt(i) ^ (given.charCodeAt(i) | 0)
  }
  return diff === 0
}

/** Whether `given` equals one of `candidates`; every candidate is compared (no early exit). */
export function equalsAny(given: string, candidates: readonly string[]): boolean {
  let found = false
  for (const c of candidates) found = constantTimeEqual(given, c) || found
  return found
}
