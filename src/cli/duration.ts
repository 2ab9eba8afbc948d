/**
 * @module cli/duration
 * Durations as operators type them ("90s", "5m", "24h", "2d", "250ms"; a bare number is seconds)
 * and as the CLI prints them ("1 m 12 s").
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

/** "850 ms", "45 s", "1 m 12 s", "2 h 5 m", "3 d 4 h": two units at most, for humans. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1_000) return `${Math.round(ms)} ms`
  const s = Math.round(ms / 1_000)
  if (s < 60) return `${s} s`
  if (s < 3_600) return pair(Math.floor(s / 60), 'm', s % 60, 's')
  if (s < 86_400) return pair(Math.floor(s / 3_600), 'h', Math.floor((s % 3_600) / 60), 'm')
  return pair(Math.floor(s / 86_400), 'd', Math.floor((s % 86_400) / 3_600), 'h')
}

function pair(a: number, ua: string, b: number, ub: string): string {
  return b === 0 ? `${a} ${ua}` : `${a} ${ua} ${b} ${ub}`
}
