import { describe, expect, it } from 'vitest'
import { pagedByMinute } from '../../../../src/core/metrics/paged'

/** A table of rows (minute, id) in minute order, read like D1 would: a range, then LIMIT. */
function table(minutes: number[]) {
  const rows = minutes.map((minute, id) => ({ minute, id }))
  const reads: Array<[number, number, number | undefined]> = []
  const read = async (from: number, to: number, limit?: number) => {
    reads.push([from, to, limit])
    const hit = rows.filter((r) => r.minute >= from && r.minute <= to)
    return limit === undefined ? hit : hit.slice(0, limit)
  }
  return { rows, reads, read }
}

async function collect(t: ReturnType<typeof table>, from: number, to: number, pageRows: number) {
  const taken: number[] = []
  await pagedByMinute(t.read, from, to, (rows) => taken.push(...rows.map((r) => r.id)), pageRows)
  return taken
}

describe('pagedByMinute', () => {
  it('takes every row once when pages end inside a minute', async () => {
    // Minutes with 1..4 rows each, in pages of 5.
    const t = table([0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 5, 5])
    const taken = await collect(t, 0, 10, 5)
    expect(taken.sort((a, b) => a - b)).toEqual(t.rows.map((r) => r.id))
    expect(t.reads.length).toBeGreaterThan(1)
  })

  it('reads a minute holding more rows than a page in one piece and moves on', async () => {
    const t = table([7, 7, 7, 7, 7, 7, 8])
    const taken = await collect(t, 0, 10, 3)
    expect(taken.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(t.reads).toContainEqual([7, 7, undefined])
  })

  it('needs one read for a range with fewer rows than a page, however long the range', async () => {
    const t = table([100, 5_000_000])
    expect(await collect(t, 0, 10_000_000, 2_000)).toEqual([0, 1])
    expect(t.reads).toHaveLength(1)
  })

  it('takes nothing from an empty range', async () => {
    const t = table([])
    expect(await collect(t, 5, 4, 10)).toEqual([])
    expect(t.reads).toHaveLength(0)
  })
})
