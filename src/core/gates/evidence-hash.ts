/**
 * @module core/gates/evidence-hash
 * The canonical text of what an approver saw (latest verdicts + gate config), so an approval can
 * pin its SHA-256 and be refused if the evidence changed underneath it.
 *
 * Invariants:
 * - Canonical: object keys sorted at every depth, no whitespace, arrays kept in order; the same
 *   values give the same string whatever the key insertion order.
 * - Lossless for what JSON would blur: non-finite numbers become the strings "Infinity",
 *   "-Infinity" and "NaN" (JSON.stringify would turn all three into null), and -0 becomes 0.
 *   Properties whose value is undefined are dropped (as in JSON).
 * - Versioned: the output starts with {"config":…,"v":1,…}; change `DIGEST_VERSION` if the shape
 *   ever changes, so old pins fail loudly instead of matching by accident.
 * - Pure and runtime-agnostic: the caller hashes the string (crypto.subtle.digest('SHA-256')).
 */

import type { GateConfig, VerdictRecord } from './types'

/** Version of the canonical form. */
export const DIGEST_VERSION = 1

function canonical(value: unknown): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'number':
      if (Number.isFinite(value)) return JSON.stringify(value === 0 ? 0 : value)
      return JSON.stringify(String(value))
    case 'string':
    case 'boolean':
      return JSON.stringify(value)
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((v) => (v === undefined ? 'null' : canonical(v))).join(',')}]`
      }
      const rec = value as Record<string, unknown>
      const keys = Object.keys(rec)
        .filter((k) => rec[k] !== undefined)
        .sort()
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(rec[k])}`).join(',')}}`
    }
    default:
      throw new TypeError(`cannot canonicalise a ${typeof value}`)
  }
}

/**
 * The canonical JSON string of the latest verdicts and the config they were judged with. Hash it
 * with SHA-256 to pin an approval to exactly this evidence.
 *
 * @example
 * const text = canonicalEvidenceDigestInput([verdict], config)
 * const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
 */
export function canonicalEvidenceDigestInput(
  verdicts: VerdictRecord | readonly VerdictRecord[],
  config: GateConfig,
): string {
  const list = Array.isArray(verdicts) ? verdicts : [verdicts]
  return canonical({ v: DIGEST_VERSION, config, verdicts: list })
}
