import { describe, expect, it } from 'vitest'
import { csvCell, csvDocument } from '../../../../src/core/audit/csv'
import { parseCsv } from '../../../support/csv'

describe('csvCell', () => {
  it.each([
    ['plain text, as written', 'routing.set', 'routing.set'],
    ['the empty string', '', ''],
    ['a comma: quoted', 'v1, then v2', '"v1, then v2"'],
    ['quotes: doubled inside quotes', 'say "hi"', '"say ""hi"""'],
    ['a newline: quoted, kept', 'line one\nline two', '"line one\nline two"'],
    ['CRLF: quoted, kept', 'a\r\nb', '"a\r\nb"'],
    ['a lone CR: quoted', 'a\rb', '"a\rb"'],
    ['a number: its JSON', 7, '7'],
    ['a negative number: its JSON, no apostrophe (not text)', -3, '-3'],
    ['null', null, 'null'],
    ['undefined: as null', undefined, 'null'],
    [
      'an object: its JSON, quoted with its quotes doubled',
      { a: 'x,y', b: '"q"' },
      '"{""a"":""x,y"",""b"":""\\""q\\""""}"',
    ],
    ['an array of numbers: JSON with commas, quoted', [1, 2], '"[1,2]"'],
    ['a formula: apostrophe first', '=1+1', "'=1+1"],
    ['text starting with -: apostrophe', '-3', "'-3"],
    ['text starting with +: apostrophe', '+cmd', "'+cmd"],
    ['text starting with @: apostrophe', '@SUM(A1)', "'@SUM(A1)"],
    ['text starting with a tab: apostrophe, not quoted', '\tx', "'\tx"],
    ['text starting with CR: apostrophe, then quoted', '\rx', '"\'\rx"'],
    ['a formula with quotes and commas', '=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
    ['a formula sign later in the text: as written', 'a=b', 'a=b'],
  ])('%s', (_label, value, cell) => {
    expect(csvCell(value)).toBe(cell)
  })
})

/** What a reader should get back for a value: text as written (apostrophe before a formula), else JSON. */
function readBack(v: unknown): string {
  if (typeof v !== 'string') return JSON.stringify(v ?? null)
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v
}

describe('csvDocument', () => {
  const columns = ['id', 'reason', 'before', 'after'] as const
  const rows = [
    { id: 'a1', reason: 'plain', before: null, after: { weights: { v1: 100 } } },
    { id: 'a2', reason: 'v1, v2 and "v3"', before: { weights: { v1: 50, v2: 50 } }, after: { note: 'x,"y"\nz' } },
    { id: 'a3', reason: 'first line\r\nsecond line\nthird', before: [1, 'two, three', null], after: 'text' },
    { id: 'a4', reason: '=cmd|" /C calc"!A0', before: '', after: { deep: [{ s: '\r\n"' }] } },
    { id: 'a5', reason: '', before: 0, after: true },
  ]

  it('reads back, with an independent RFC 4180 reader, as one record per row and one cell per value', () => {
    const text = csvDocument(columns, rows)
    expect(text.endsWith('\r\n')).toBe(true)
    const [header, ...records] = parseCsv(text)
    expect(header).toEqual([...columns])
    expect(records).toHaveLength(rows.length)
    records.forEach((record, i) => {
      const row = rows[i]!
      expect(record).toEqual(columns.map((k) => readBack(row[k])))
    })
  })

  it('keeps JSON cells parseable into the values they came from', () => {
    const [, ...records] = parseCsv(csvDocument(columns, rows))
    records.forEach((record, i) => {
      const row = rows[i]!
      for (const k of ['before', 'after'] as const) {
        if (typeof row[k] !== 'string') expect(JSON.parse(record[columns.indexOf(k)]!)).toEqual(row[k])
      }
    })
  })

  it('is just the header line for no rows', () => {
    expect(csvDocument(columns, [])).toBe('id,reason,before,after\r\n')
  })
})
