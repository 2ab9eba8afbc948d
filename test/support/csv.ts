/**
 * A deliberately plain RFC 4180 reader for tests: records end at CRLF (or LF) outside quotes, a
 * quoted cell keeps commas, CR and LF, and `""` inside it is one quote. It shares no code with the
 * exporter (src/core/audit/csv), so a quoting bug cannot hide in both. Throws on a stray quote.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let cell = ''
  let quoted = false
  let i = 0
  const endCell = () => {
    record.push(cell)
    cell = ''
  }
  while (i < text.length) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"'
        i += 2
      } else if (ch === '"') {
        quoted = false
        i++
        const next = text[i]
        if (next !== undefined && next !== ',' && next !== '\r' && next !== '\n') {
          throw new Error(`text after a closing quote at ${i}`)
        }
      } else {
        cell += ch
        i++
      }
    } else if (ch === '"') {
      if (cell !== '') throw new Error(`a quote inside an unquoted cell at ${i}`)
      quoted = true
      i++
    } else if (ch === ',') {
      endCell()
      i++
    } else if (ch === '\r' || ch === '\n') {
      endCell()
      records.push(record)
      record = []
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1
    } else {
      cell += ch
      i++
    }
  }
  if (quoted) throw new Error('unterminated quoted cell')
  if (cell !== '' || record.length > 0) {
    endCell()
    records.push(record)
  }
  return records
}
