/**
 * @module core/rollout/canonical
 * Canonical JSON: object keys sorted at every depth, `undefined` members dropped, no whitespace.
 * Two equal values always give the same string, so the caller can hash it (SHA-256 hex) and an
 * approval can pin exactly the evidence it saw.
 */

/**
 * @example canonicalJson({ b: 1, a: [true, { d: null, c: 'x' }] })
 * // '{"a":[true,{"c":"x","d":null}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null'
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortKeys(v)))
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key]
    if (v !== undefined) out[key] = sortKeys(v)
  }
  return out
}
