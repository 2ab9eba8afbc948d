/**
 * @module ui/format
 * Number and time formatting for the dashboard. Deterministic (no locale, UTC), so what the server
 * renders does not depend on where it runs, and the tests can pin exact strings.
 */
import { formatDuration } from '../core/duration'

/** Up to `digits` significant digits, without trailing zeros: 0.12345 → "0.123", 1200 → "1200". */
export function formatNumber(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–'
  if (x === 0) return '0'
  const abs = Math.abs(x)
  if (abs >= 10 ** digits) return String(Math.round(x))
  return String(Number(x.toPrecision(digits)))
}

/** 1234 → "1.23k", 2500000 → "2.5M"; small counts stay exact. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–'
  const abs = Math.abs(n)
  if (abs >= 1e9) return `${formatNumber(n / 1e9)}G`
  if (abs >= 1e6) return `${formatNumber(n / 1e6)}M`
  if (abs >= 1e4) return `${formatNumber(n / 1e3)}k`
  return formatNumber(n, 4)
}

/** A rate in [0, 1] as a percentage: 0.0123 → "1.23%", 0 → "0%". */
export function formatPercent(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–'
  return `${formatNumber(x * 100, digits)}%`
}

/** Milliseconds: 12.34 → "12.3 ms", 1500 → "1.5 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–'
  if (Math.abs(ms) >= 1000) return `${formatNumber(ms / 1000)} s`
  return `${formatNumber(ms)} ms`
}

const pad = (n: number) => String(n).padStart(2, '0')

/** "10:05" (UTC); with `withDate`, "11-26 10:05". */
export function formatClock(t: number, withDate = false): string {
  const d = new Date(t)
  const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
  return withDate ? `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${hm}` : hm
}

/** "2026-11-26 10:05:09 UTC" from epoch ms or an ISO string; "–" when absent or invalid. */
export function formatTime(t: number | string | null | undefined): string {
  if (t === null || t === undefined) return '–'
  const ms = typeof t === 'number' ? t : Date.parse(t)
  if (!Number.isFinite(ms)) return '–'
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC')
}

/** "11-26 10:05:09" (UTC), compact for tables; pair it with the full time in a title. */
export function formatShortTime(t: number | string | null | undefined): string {
  const full = formatTime(t)
  return full === '–' ? full : full.slice(5, 19)
}

/** "just now", "42 s ago", "5 min ago", "1 h 5 min ago"; "in 5 min" for future times (`core/duration.ts`). */
export function formatAgo(t: number | string | null | undefined, now: number): string {
  if (t === null || t === undefined) return '–'
  const ms = typeof t === 'number' ? t : Date.parse(t)
  if (!Number.isFinite(ms)) return '–'
  const delta = now - ms
  const abs = Math.abs(delta)
  if (abs < 5_000) return 'just now'
  const text = formatDuration(abs)
  return delta >= 0 ? `${text} ago` : `in ${text}`
}

/** Weights as "v1 90% · v2 10%" in descending order of weight (then name). */
export function formatWeights(weights: Record<string, number> | null | undefined): string {
  if (!weights) return '–'
  const entries = Object.entries(weights).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  return entries.length === 0 ? '–' : entries.map(([v, w]) => `${v} ${formatNumber(w, 4)}%`).join(' · ')
}
