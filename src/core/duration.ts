/**
 * @module core/duration
 * The one way a duration is written for people: verdict reasons, event reasons, the CLI and the
 * dashboard all use it, so "43 s" in a gate reason reads the same as "43 s" in `modelgate status`.
 *
 * Invariant: pure and deterministic (no locale, no clock): approvals hash the reasons they were
 * shown (`core/gates/evidence-hash.ts`), so the same milliseconds always give the same text.
 */

const SECOND = 1_000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/**
 * "850 ms", "43 s", "1 min 30 s", "12 min", "1 h 5 min", "72 h", "3 d 4 h": whole numbers, two
 * units at most (the second dropped when zero), rounded to the second above one second. Hours
 * stay hours up to three days, the way the default durations are written ("48 h", "72 h"). "—" for a negative or
 * non-finite input rather than a misleading number.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms < SECOND) return ms === 0 ? '0 s' : `${Math.round(ms)} ms`
  const total = Math.round(ms / SECOND) * SECOND
  if (total < MINUTE) return `${total / SECOND} s`
  if (total < HOUR) return pair(total, MINUTE, 'min', SECOND, 's')
  if (total <= 3 * DAY) return pair(total, HOUR, 'h', MINUTE, 'min')
  return pair(total, DAY, 'd', HOUR, 'h')
}

function pair(ms: number, big: number, bigUnit: string, small: number, smallUnit: string): string {
  const a = Math.floor(ms / big)
  const b = Math.floor((ms % big) / small)
  return b === 0 ? `${a} ${bigUnit}` : `${a} ${bigUnit} ${b} ${smallUnit}`
}
