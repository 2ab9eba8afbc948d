/**
 * @module core/metrics/paged
 * Reading minute-ordered rows page by page (the metrics history in D1), without I/O of its own:
 * the reader is passed in.
 */

/** Rows per D1 read of a series: a page of minute rows with their histograms is a few MB. */
export const SERIES_PAGE_ROWS = 2_000

/**
 * Reads `[from, to]` in minute order, `pageRows` rows at a time, handing each page to `take`. A
 * page that comes back full may end inside a minute: that minute is read again from its start by
 * the next page, so every row is taken exactly once.
 */
export async function pagedByMinute<T extends { minute: number }>(
  read: (from: number, to: number, limit?: number) => Promise<T[]>,
  fromMinute: number,
  toMinute: number,
  take: (rows: T[]) => void,
  pageRows = SERIES_PAGE_ROWS,
): Promise<void> {
  let start = fromMinute
  while (start <= toMinute) {
    const rows = await read(start, toMinute, pageRows)
    if (rows.length < pageRows) return take(rows)
    const last = (rows[rows.length - 1] as T).minute
    const whole = rows.filter((r) => r.minute < last)
    // One minute with more rows than a page (never at these sizes): read that minute whole.
    take(whole.length > 0 ? whole : await read(last, last))
    start = whole.length > 0 ? last : last + 1
  }
}
