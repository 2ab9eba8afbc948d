/**
 * @module core/audit/csv
 * The audit log's CSV export (RFC 4180): one cell per value, records ended by CRLF. Text is kept as
 * written; any other value (numbers, objects, null) is its JSON. A cell holding a comma, a quote,
 * CR or LF is quoted, its quotes doubled, so JSON and multi-line reasons stay one cell.
 */

/**
 * One CSV cell. Text a spreadsheet would run as a formula (leading =, +, -, @, tab or CR: a reason
 * or root cause typed by anyone with the operator token) gets a leading apostrophe (OWASP's CSV
 * injection advice); the JSON and JSONL exports keep every value as written.
 */
export function csvCell(v: unknown): string {
  let s = typeof v === 'string' ? v : JSON.stringify(v ?? null)
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** A CSV document: the header, then one record per row, each ended by CRLF. */
export function csvDocument<K extends string>(columns: readonly K[], rows: ReadonlyArray<Record<K, unknown>>): string {
  const records = rows.map((row) => columns.map((k) => csvCell(row[k])).join(','))
  return [columns.join(','), ...records].join('\r\n') + '\r\n'
}
