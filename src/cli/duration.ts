/**
 * @module cli/duration
 * Durations as operators type them ("90s", "5m", "24h", "2d", "250ms"; a bare number is seconds)
 * and as the CLI prints them ("1 min 12 s", the same text as the gateway's reasons).
 */
import { UsageError } from './exit'

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** Milliseconds; throws a UsageError naming the option when the text is not a duration. */
export function parseDuration(text: string, option = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text)
  if (!m) throw new UsageError(`--${option}: "${text}" is not a duration; use e.g. 90s, 5m, 24h or 2d`)
  const unit = (m[2]?.toLowerCase() ?? 's') as keyof typeof UNIT_MS
  const ms = Number(m[1]) * UNIT_MS[unit]
  if (!(ms > 0)) throw new UsageError(`--${option}: must be longer than zero`)
  return ms
}

/** "850 ms", "45 s", "1 min 12 s", "2 h 5 min": the gateway's own wording (`core/duration.ts`). */
export { formatDuration } from '../core/duration'
