/**
 * The audit log's CSV export through the route: reasons with commas, quotes, CRLF and LF, and the
 * JSON `before`/`after` columns come back, read by an independent RFC 4180 reader
 * (test/support/csv), as the same entries the JSON export lists, one record each.
 */
import { describe, expect, inject, it } from 'vitest'
import { admin, adminOk, setupModel, uniqueModel } from './helpers/harness'
import { parseCsv } from '../support/csv'

const REASONS = [
  'v1 down, v2 up',
  'shift 10%, then "watch" it',
  'first line\r\nsecond line',
  'a\nb, c',
  '"quoted", start',
  '=SUM(A1:A9)',
]

describe('GET /admin/audit?format=csv', () => {
  it('has one record per entry whose cells are the JSON export’s values', async () => {
    const model = uniqueModel('csv')
    await setupModel(model, {
      risk: 'low',
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
    })
    for (const [i, reason] of REASONS.entries()) {
      await adminOk('PUT', `/models/${model}/routing`, { weights: { v1: 90 - i, v2: 10 + i }, reason })
    }
    const { entries } = await adminOk('GET', `/audit?model=${model}&limit=100`)
    const res = await admin('GET', `/audit?model=${model}&limit=100&format=csv`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    const [header, ...records] = parseCsv(await res.text())
    expect(records).toHaveLength(entries.length)
    expect(entries.filter((e: any) => REASONS.includes(e.reason))).toHaveLength(REASONS.length)
    const col = (name: string) => header!.indexOf(name)
    records.forEach((record, i) => {
      const e = entries[i]
      expect(record).toHaveLength(header!.length)
      expect(record[col('id')]).toBe(e.id)
      expect(Number(record[col('seq')])).toBe(e.seq)
      // A formula is defused with an apostrophe; any other reason is as written.
      expect(record[col('reason')]).toBe(e.reason.startsWith('=') ? `'${e.reason}` : e.reason)
      expect(JSON.parse(record[col('before')]!)).toEqual(e.before)
      expect(JSON.parse(record[col('after')]!)).toEqual(e.after)
      expect(record[col('hash')]).toBe(e.hash)
    })
  })
})
