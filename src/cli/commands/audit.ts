/**
 * @module cli/commands/audit
 * `modelgate audit <model>`: the model's audit log, newest entries last; `--format jsonl|csv`
 * exports in the gateway's own formats. `modelgate audit verify [<model>]` checks the hash chains.
 *
 * The API pages oldest-first with a cursor and has no "newest n", so the CLI pages through and
 * keeps the last n entries (bounded memory).
 */
import { bool, booleanOption, positiveInt, str, stringOption, type CommandSpec, type Context } from '../args'
import type { AuditEntry, AuditListResponse, ChainReport } from '../api-types'
import { EXIT, UsageError } from '../exit'
import { right, table, time } from '../format'
import { eprintln, println } from '../io'
import { printJson, seg } from './shared'

const PAGE = 5_000
/** Reasons can be paragraphs; the table keeps one line per entry (--wide shows them whole). */
const REASON_WIDTH = 100
const FORMATS = ['table', 'json', 'jsonl', 'csv'] as const
type Format = (typeof FORMATS)[number]

export const auditCommand: CommandSpec = {
  name: 'audit',
  summary: "a model's audit log (table, or --format json|jsonl|csv to export)",
  args: ['<model>'],
  options: {
    limit: stringOption('<n>', 'the newest n entries (table default 50; exports default all)'),
    all: booleanOption('every entry, also in the table'),
    format: stringOption('<format>', 'table (default) | json | jsonl | csv'),
    from: stringOption('<time>', 'entries at or after this RFC 3339 time'),
    to: stringOption('<time>', 'entries at or before this RFC 3339 time'),
    wide: booleanOption('do not shorten long reasons in the table'),
  },
  details: ["jsonl and csv are the gateway's export formats (GET /admin/audit?format=…), one page after another."],
  examples: ['modelgate audit credit-risk --limit 20', 'modelgate audit credit-risk --format csv > audit.csv'],
  async run(ctx, p) {
    const model = p.positionals[0] as string
    const format = formatOf(str(p, 'format'), ctx.json)
    const limit = bool(p, 'all') ? Infinity : positiveInt(str(p, 'limit'), 'limit', format === 'table' ? 50 : Infinity)
    const range = { from: checkedTime(str(p, 'from'), 'from'), to: checkedTime(str(p, 'to'), 'to') }
    if (format === 'table' || format === 'json') {
      const entries = await newest(limit, (cursor) => jsonPage(ctx, model, range, cursor))
      if (format === 'json') printJson(ctx.io, { entries, next_cursor: null })
      else printTable(ctx, model, entries, bool(p, 'wide') ? Infinity : REASON_WIDTH)
      return EXIT.ok
    }
    const csv = { header: null as string | null }
    const records = await newest(limit, async (cursor) => {
      const page = await textPage(ctx, model, range, format, cursor)
      csv.header ??= page.header
      return page
    })
    if (csv.header !== null) ctx.io.out(`${csv.header}\r\n`)
    for (const r of records) ctx.io.out(format === 'csv' ? `${r}\r\n` : `${r}\n`)
    return EXIT.ok
  },
}

export const auditVerifyCommand: CommandSpec = {
  name: 'audit verify',
  summary: 'verify the audit hash chain of every model (or one); exit code 6 if broken',
  args: ['[<model>]'],
  options: {},
  async run(ctx, p) {
    const model = p.positionals[0]
    const report = await ctx.api.json<ChainReport>('GET', `/audit/verify${model ? `?model=${seg(model)}` : ''}`)
    if (ctx.json) printJson(ctx.io, report)
    else {
      println(
        ctx.io,
        table(
          ['STREAM', 'OK', right('CHECKED'), 'BROKEN AT'],
          report.streams.map((s) => [
            s.stream,
            s.ok ? 'yes' : 'NO',
            s.checked,
            s.broken_at ? `seq ${s.broken_at.seq}: ${s.broken_at.problem}` : null,
          ]),
        ),
      )
      const checked = report.streams.reduce((a, s) => a + s.checked, 0)
      println(
        ctx.io,
        report.ok
          ? `chain ok: ${report.streams.length} stream(s), ${checked} entries verified`
          : 'chain BROKEN: see the rows marked NO',
      )
    }
    if (!report.ok) eprintln(ctx.io, 'error: the audit chain does not verify')
    return report.ok ? EXIT.ok : EXIT.auditBroken
  },
}

function formatOf(text: string | undefined, json: boolean): Format {
  if (text === undefined) return json ? 'json' : 'table'
  if (!(FORMATS as readonly string[]).includes(text))
    throw new UsageError(`--format: "${text}" is not one of ${FORMATS.join(', ')}`, 'audit')
  return text as Format
}

/**
 * A time option as UTC: every time the CLI prints is UTC, so a date-time without an offset is read
 * as UTC too (Date.parse would take the machine's time zone for it, but UTC for a bare date).
 */
export function checkedTime(text: string | undefined, option: string): string | undefined {
  if (text === undefined) return undefined
  const noOffset = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)
  const t = Date.parse(noOffset ? `${text.replace(' ', 'T')}Z` : text)
  if (Number.isNaN(t))
    throw new UsageError(`--${option}: "${text}" is not a time; use RFC 3339, e.g. 2026-11-26T10:00:00Z`, 'audit')
  return new Date(t).toISOString()
}

interface Page<T> {
  items: T[]
  next: string | null
}

/** Pages until the end, keeping only the newest `keep` items. */
export async function newest<T>(keep: number, fetchPage: (cursor: string | null) => Promise<Page<T>>): Promise<T[]> {
  let kept: T[] = []
  let cursor: string | null = null
  do {
    const page: Page<T> = await fetchPage(cursor)
    kept = kept.concat(page.items)
    if (kept.length > keep) kept = kept.slice(kept.length - keep)
    cursor = page.next
  } while (cursor !== null)
  return kept
}

function query(model: string, range: { from?: string; to?: string }, format: string, cursor: string | null): string {
  const q = new URLSearchParams({ model, limit: String(PAGE), format })
  if (range.from) q.set('from', range.from)
  if (range.to) q.set('to', range.to)
  if (cursor) q.set('cursor', cursor)
  return `/audit?${q}`
}

async function jsonPage(
  ctx: Context,
  model: string,
  range: { from?: string; to?: string },
  cursor: string | null,
): Promise<Page<AuditEntry>> {
  const page = await ctx.api.json<AuditListResponse>('GET', query(model, range, 'json', cursor))
  return { items: page.entries, next: page.next_cursor }
}

async function textPage(
  ctx: Context,
  model: string,
  range: { from?: string; to?: string },
  format: 'jsonl' | 'csv',
  cursor: string | null,
): Promise<Page<string> & { header: string | null }> {
  const res = await ctx.api.request('GET', query(model, range, format, cursor))
  const next = res.headers.get('x-next-cursor')
  if (format === 'jsonl') return { items: res.text.split('\n').filter(Boolean), next, header: null }
  const [header, ...rows] = splitCsvRecords(res.text)
  return { items: rows, next, header: header ?? null }
}

/** CSV records (RFC 4180): line breaks inside quoted cells stay in their record. */
export function splitCsvRecords(text: string): string[] {
  const records: string[] = []
  let start = 0
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') quoted = !quoted
    else if (!quoted && (c === '\n' || c === '\r')) {
      if (i > start) records.push(text.slice(start, i))
      if (c === '\r' && text[i + 1] === '\n') i++
      start = i + 1
    }
  }
  if (start < text.length) records.push(text.slice(start))
  return records
}

function printTable(ctx: Context, model: string, entries: AuditEntry[], reasonWidth: number): void {
  if (entries.length === 0) {
    println(ctx.io, `no audit entries for ${model}`)
    return
  }
  println(
    ctx.io,
    table(
      [right('SEQ'), 'TIME', 'ACTOR', 'ACTION', 'TARGET', 'REASON'],
      entries.map((e) => [
        e.seq,
        time(e.at),
        e.actor,
        e.action,
        e.target,
        shorten(e.reason.replace(/\s*\n\s*/g, ' '), reasonWidth),
      ]),
    ),
  )
}

export function shorten(s: string, width: number): string {
  const chars = [...s]
  return chars.length <= width ? s : `${chars.slice(0, width - 1).join('')}…`
}
