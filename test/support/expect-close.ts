import { expect } from 'vitest'

/**
 * Deep comparison for published test vectors: numbers to a relative tolerance, everything else
 * exactly. Only the keys of `expected` are compared, so a vector can pin part of a result.
 */
export function expectClose(actual: unknown, expected: unknown, tol: number, path = '$'): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number')
    const a = actual as number
    const scale = Math.max(Math.abs(expected), 1e-300)
    expect(a === expected || Math.abs(a - expected) / scale <= tol, `${path}: ${a} vs ${expected}`).toBe(true)
  } else if (expected !== null && typeof expected === 'object') {
    for (const [k, v] of Object.entries(expected)) {
      expectClose((actual as Record<string, unknown>)[k], v, tol, `${path}.${k}`)
    }
  } else {
    expect(actual, path).toEqual(expected)
  }
}
