/**
 * @module core/case
 * JSON the API and webhooks show is snake_case; the core's free-form details (event and alert
 * details that embed core records) are camelCase. `snakeKeys` converts them at that boundary.
 * Only keys with an upper-case letter change: every name a user gives (models, versions, metrics,
 * headers) is lower-case by validation, so user data used as a key is never touched.
 */

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/** A deep copy of `value` with every object key in snake_case. */
export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[snake(k)] = snakeKeys(v)
  return out
}
