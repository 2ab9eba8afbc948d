/**
 * @module core/gates/format
 * Number formatting for the human-readable `reason` strings of gate verdicts.
 *
 * Invariant: deterministic (no locale, no clock), so the same evidence always yields the same
 * reason text, which matters because approvals hash the verdicts they were shown
 * (`evidence-hash.ts`). Internal to the gates module.
 */
import { significant } from '../stats/format'

/** Three significant digits, plain notation when readable, exponent otherwise. */
export function num(x: number): string {
  return significant(x, 3)
}

/** A fraction as a percentage, e.g. 0.0193 → "1.93%". */
export function pct(x: number): string {
  return `${num(x * 100)}%`
}

/** A signed relative change, e.g. −0.05 → "−5%", 0.1 → "+10%". */
export function signedPct(x: number): string {
  return x < 0 ? `−${pct(-x)}` : `+${pct(x)}`
}

/** An integer with thousands separators, e.g. 1234567 → "1,234,567". */
export function int(n: number): string {
  if (!Number.isFinite(n)) return String(n)
  const s = String(Math.round(Math.abs(n)))
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return n < 0 ? `-${grouped}` : grouped
}

/** A duration as people read it ("43 s", "12 min", "1 h 5 min"): the one wording in `core/duration.ts`. */
export { formatDuration as duration } from '../duration'
