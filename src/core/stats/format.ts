/**
 * Number formatting for the human-readable `reason` strings of the tests.
 *
 * Invariant: deterministic (no locale), short (4 significant digits). Internal to the stats core.
 * Every decision carries the reason it was made, in words an operator reads; these keep them short.
 */

/** `digits` significant digits, plain notation when readable, exponent otherwise. */
export function significant(x: number, digits: number): string {
  if (!Number.isFinite(x)) return String(x)
  if (x === 0) return '0'
  const abs = Math.abs(x)
  if (abs >= 1e-4 && abs < 1e7) return String(Number(x.toPrecision(digits)))
  return x.toExponential(digits - 1)
}

/** Four significant digits, plain notation when readable, exponent otherwise. */
export function fmt(x: number): string {
  return significant(x, 4)
}

/** A fraction as a percentage with up to 4 significant digits, e.g. 0.0213 → "2.13%". */
export function pct(x: number): string {
  return `${fmt(x * 100)}%`
}
