/**
 * @module core/shadow/comparator
 * How a champion/shadow output pair is judged (label, numeric tolerance, text similarity), the
 * check of a comparator config, and how outputs are read as labels, numbers or text.
 */

/** How a champion/shadow output pair is judged. */
export type ComparatorConfig =
  // Divergent if labels differ: strings, numbers and booleans compared exactly after String().
  | { kind: 'label' }
  // Divergent if |a − b| > tol_abs + tol_rel·|a|, a = champion (numpy.isclose style).
  | { kind: 'numeric'; tol_abs: number; tol_rel: number }
  // Divergent if normalized edit similarity < min_similarity; `normalize` defaults to true.
  | { kind: 'text'; min_similarity: number; normalize?: boolean }

/** Which response made a pair fail (`ShadowComparison.side` is `null` when neither did). */
/** Exact equality of the whole JSON answer (keys order-insensitive) when a model sets nothing. */
export const DEFAULT_SHADOW_COMPARE: { pointer: string; comparator: ComparatorConfig } = {
  pointer: '',
  comparator: { kind: 'text', min_similarity: 1, normalize: false },
}

export interface CompareOptions {
  /** Text comparator: code points compared per side (default 4096, see `editSimilarity`). */
  maxCodePoints?: number
}

/** Input of {@link extractAndCompare}: both raw responses plus the rollout's pointer/comparator. */
const KIND_FIELDS: Record<ComparatorConfig['kind'], readonly string[]> = {
  label: ['kind'],
  numeric: ['kind', 'tol_abs', 'tol_rel'],
  text: ['kind', 'min_similarity', 'normalize'],
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/** Short rendering of an arbitrary value for reasons; never throws, never huge. */
export function preview(v: unknown): string {
  let s: string
  // JSON.stringify would print NaN and Infinity as null and throws on BigInt: say what it is.
  if (typeof v === 'number' && !Number.isFinite(v)) s = String(v)
  else if (typeof v === 'bigint') s = `${v}n`
  else if (v === undefined) s = 'undefined'
  else {
    try {
      s = JSON.stringify(v) ?? String(v)
    } catch {
      s = String(v)
    }
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}

/**
 * Rounds for display only (the exact numbers are in the verdict's fields). 12 digits hides binary
 * noise like 0.10000000000000009 yet still separates a gap from a tolerance it narrowly exceeds.
 */
export function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(12)))
}

/**
 * Checks a comparator config without zod, returning one `field: problem` message per issue
 * (empty when valid). Unknown fields are problems too: a typo like `normalise` must not silently
 * fall back to the default.
 */
export function validateComparator(x: unknown): string[] {
  if (!isRecord(x)) return [`comparator: must be an object, got ${preview(x)}`]
  const kind = x['kind']
  if (kind !== 'label' && kind !== 'numeric' && kind !== 'text') {
    return [`kind: must be one of 'label', 'numeric', 'text', got ${preview(kind)}`]
  }
  const problems: string[] = []
  const allowed = KIND_FIELDS[kind]
  for (const key of Object.keys(x)) {
    if (!allowed.includes(key)) problems.push(`${key}: unknown field for kind '${kind}'`)
  }
  const nonNegative = (field: string): void => {
    const v = x[field]
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      problems.push(`${field}: must be a finite number >= 0, got ${preview(v)}`)
    }
  }
  if (kind === 'numeric') {
    nonNegative('tol_abs')
    nonNegative('tol_rel')
  } else if (kind === 'text') {
    const min = x['min_similarity']
    if (typeof min !== 'number' || !(min >= 0 && min <= 1)) {
      problems.push(`min_similarity: must be a number in [0, 1], got ${preview(min)}`)
    }
    const normalize = x['normalize']
    if (normalize !== undefined && typeof normalize !== 'boolean') {
      problems.push(`normalize: must be a boolean if present, got ${preview(normalize)}`)
    }
  }
  return problems
}

/** Type guard over {@link validateComparator}. */
export function isComparatorConfig(x: unknown): x is ComparatorConfig {
  return validateComparator(x).length === 0
}

/**
 * A label as compared: strings as-is, numbers and booleans through String() (so `1` and `"1"`
 * agree). Anything else is not a label, so `null`.
 */
export function labelOf(v: unknown): string | null {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return null
}

/**
 * A finite number from a JSON number or a numeric string (via Number()). Blank strings are
 * rejected because Number('') is 0, and booleans because a true/false output is not a regression
 * value.
 */
export function numberOf(v: unknown): number | null {
  let n: number
  if (typeof v === 'number') n = v
  else if (typeof v === 'string' && v.trim() !== '') n = Number(v)
  else return null
  return Number.isFinite(n) ? n : null
}

/**
 * JSON with object keys sorted, so two models that emit the same object with different key order
 * are textually identical.
 */
function canonicalJson(v: unknown): string | undefined {
  return JSON.stringify(v, (_key, val: unknown) => {
    if (!isRecord(val)) return val
    const sorted: Record<string, unknown> = {}
    for (const k of Object.keys(val).sort()) sorted[k] = val[k]
    return sorted
  })
}

/** The text a text comparator sees: strings as-is, other JSON values as canonical JSON. */
export function textOf(v: unknown): string | null {
  if (typeof v === 'string') return v
  try {
    return canonicalJson(v) ?? null
  } catch {
    return null // BigInt or a cycle: cannot come from JSON.parse, but compareOutputs takes unknown
  }
}
