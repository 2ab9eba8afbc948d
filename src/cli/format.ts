/**
 * @module cli/format
 * Plain-text output: an aligned table and the few value formats every command shares. No colours
 * and no terminal probing, so output is the same in a pipe, a log file and a test.
 */

export type Cell = string | number | null | undefined
export interface Column {
  header: string
  align?: 'left' | 'right'
}

/** A right-aligned column (numbers). */
export function right(header: string): Column {
  return { header, align: 'right' }
}

/** Shown for absent values, so that a column never silently collapses. */
export const NONE = '—'

/** Width as a terminal shows it: code points, not UTF-16 units ("—" and "→" are one column). */
export function textWidth(s: string): number {
  let n = 0
  for (const _ of s) n++
  return n
}

function cellText(c: Cell): string {
  if (c === null || c === undefined || c === '') return NONE
  return String(c)
}

/**
 * Columns separated by two spaces, headers first, every column padded to its widest cell except
 * the last (no trailing blanks). Right-aligned columns suit numbers.
 */
export function table(
  columns: ReadonlyArray<string | Column>,
  rows: ReadonlyArray<ReadonlyArray<Cell>>,
  indent = '',
): string {
  const cols: Column[] = columns.map((c) => (typeof c === 'string' ? { header: c } : c))
  const text = [cols.map((c) => c.header), ...rows.map((r) => cols.map((_, i) => cellText(r[i])))]
  const widths = cols.map((_, i) => Math.max(...text.map((r) => textWidth(r[i] as string))))
  const lines = text.map((r) =>
    r
      .map((cell, i) => {
        const pad = ' '.repeat((widths[i] as number) - textWidth(cell))
        if (cols[i]?.align === 'right') return pad + cell
        return i === r.length - 1 ? cell : cell + pad
      })
      .join('  ')
      .trimEnd(),
  )
  return lines.map((l) => indent + l).join('\n')
}

/** "label: value" lines with the values aligned. */
export function keyValues(pairs: ReadonlyArray<readonly [string, Cell]>, indent = ''): string {
  const width = Math.max(...pairs.map(([k]) => textWidth(k)))
  return pairs.map(([k, v]) => `${indent}${k}:${' '.repeat(width - textWidth(k) + 1)}${cellText(v)}`).join('\n')
}

/** A rate in [0, 1] as a percentage. */
export function pct(rate: number | null | undefined, digits = 1): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return NONE
  return `${(rate * 100).toFixed(digits)}%`
}

/** Milliseconds, rounded the way a person reads latency: "4 ms", "0.8 ms", "1250 ms". */
export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE
  return value < 1 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`
}

/** A statistic: four significant digits, no exponent for everyday magnitudes. */
export function num(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE
  if (value === 0 || Number.isInteger(value)) return String(value)
  const abs = Math.abs(value)
  if (abs >= 1e-4 && abs < 1e6) return String(Number(value.toPrecision(4)))
  return value.toExponential(3)
}

/** An instant (ISO text or epoch ms) in UTC, to the second: "2026-11-26T11:19:57Z". */
export function time(at: string | number | null | undefined): string {
  if (at === null || at === undefined) return NONE
  const d = new Date(at)
  return Number.isNaN(d.getTime()) ? String(at) : d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Routing weights as "v1 90%, v2 10%", largest first. */
export function weights(w: Readonly<Record<string, number>> | null | undefined): string {
  if (!w) return NONE
  const entries = Object.entries(w).filter(([, p]) => p > 0)
  if (entries.length === 0) return NONE
  return entries
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([v, p]) => `${v} ${p}%`)
    .join(', ')
}
