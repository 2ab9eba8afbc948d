import { describe, expect, it } from 'vitest'
import {
  GENESIS_HASH,
  canonicalJson,
  needsHeadAfter,
  sealEntry,
  verifyChain,
  verifyStream,
  wellFormed,
  type AuditEntry,
  type HeadsAround,
  type WriterHead,
} from '../../../../src/core/audit/chain'

async function chain(n: number): Promise<AuditEntry[]> {
  const out: AuditEntry[] = []
  let prev = GENESIS_HASH
  for (let i = 1; i <= n; i++) {
    const e = await sealEntry({
      id: `aud_${i}`,
      stream: 'm',
      seq: i,
      at: `2026-01-01T00:00:0${i}.000Z`,
      actor: 'operator',
      action: 'routing.set',
      target: 'm',
      before: { w: i - 1 },
      after: { w: i },
      reason: 'r',
      prev_hash: prev,
    })
    out.push(e)
    prev = e.hash
  }
  return out
}

describe('audit hash chain', () => {
  it('seals what UTF-8 storage gives back: lone surrogates become U+FFFD before hashing', async () => {
    const fields = {
      id: 'a1',
      stream: 's',
      seq: 1,
      at: '2026-11-26T00:00:00.000Z',
      actor: 'x',
      action: 'a',
      target: 't',
      reason: 'oops \ud800 x',
      before: null,
      after: { note: '\udc00' },
      prev_hash: '0'.repeat(64),
    }
    const sealed = await sealEntry(fields)
    expect(sealed.reason).toBe('oops \ufffd x')
    expect(sealed.after).toEqual({ note: '\ufffd' })
    // A round trip through UTF-8 (what D1 does) still verifies.
    const stored = JSON.parse(new TextDecoder().decode(new TextEncoder().encode(JSON.stringify(sealed))))
    expect((await verifyChain([stored])).ok).toBe(true)
    expect(wellFormed('ok 😀 \ud83d')).toBe('ok 😀 \ufffd')
  })

  it('canonical JSON ignores key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }))
  })

  it('verifies an intact chain', async () => {
    expect(await verifyChain(await chain(5))).toEqual({ ok: true, checked: 5, broken_at: null })
  })

  it.each([
    ['an edited field', (c: AuditEntry[]) => (c[2]!.reason = 'edited'), 3, 'hash_mismatch', 2],
    ['a deleted row', (c: AuditEntry[]) => c.splice(1, 1), 3, 'seq_gap', 1],
    ['a re-hashed edit', (c: AuditEntry[]) => (c[1]!.hash = 'f'.repeat(64)), 2, 'hash_mismatch', 1],
  ])('detects %s', async (_label, tamper, seq, problem, checked) => {
    const c = await chain(5)
    tamper(c)
    const v = await verifyChain(c)
    expect(v).toMatchObject({ ok: false, checked, broken_at: { stream: 'm', seq, problem } })
    expect(v.broken_at?.detail).toContain(String(seq))
  })

  it('detects a consistent rewrite of an entry by the broken link of the next one', async () => {
    const c = await chain(4)
    const { hash: _h, ...fields } = c[1]!
    c[1] = await sealEntry({ ...fields, reason: 'rewritten' })
    expect((await verifyChain(c)).broken_at).toMatchObject({ seq: 3, problem: 'prev_hash_mismatch' })
  })
})

/** The writer's head at the last of `c`'s first `n` entries (D1 holds them all unless `inD1` is false). */
function headAt(c: AuditEntry[], n: number, inD1 = true): WriterHead {
  return n === 0 ? { seq: 0, hash: GENESIS_HASH, inD1 } : { seq: n, hash: c[n - 1]!.hash, inD1 }
}

/** Seals an entry that continues `c` (a valid-looking chain), as a forger with write access to D1 could. */
async function forgedAfter(c: AuditEntry[]): Promise<AuditEntry> {
  const last = c.at(-1)!
  const { hash: _h, ...fields } = last
  return sealEntry({ ...fields, id: 'aud_forged', seq: last.seq + 1, reason: 'forged', prev_hash: last.hash })
}

type Case = [
  label: string,
  /** The rows D1 gives back, from a writer's chain of 6 entries. */
  rows: (c: AuditEntry[]) => AuditEntry[] | Promise<AuditEntry[]>,
  heads: (c: AuditEntry[]) => HeadsAround,
  expected: { ok: boolean; checked: number; complete: boolean; problem?: string; seq?: number },
]

describe('verifyStream: the rows D1 has against the heads read around them', () => {
  const same = (h: WriterHead | null): HeadsAround => ({ before: h, after: h })
  const cases: Case[] = [
    ['an intact stream', (c) => c, (c) => same(headAt(c, 6)), { ok: true, checked: 6, complete: true }],
    ['no rows and no writer', () => [], () => same(null), { ok: true, checked: 0, complete: true }],
    [
      'rows whose writer has no head (coordinator answers null)',
      (c) => c,
      () => same(null),
      { ok: false, checked: 0, complete: true, problem: 'head_missing', seq: 1 },
    ],
    [
      "the head's row deleted",
      (c) => c.slice(0, 5),
      (c) => same(headAt(c, 6)),
      { ok: false, checked: 5, complete: true, problem: 'rows_missing', seq: 6 },
    ],
    [
      'the newest rows not yet in D1 (outbox pending): the prefix verifies, not complete',
      (c) => c.slice(0, 4),
      (c) => same(headAt(c, 6, false)),
      { ok: true, checked: 4, complete: false },
    ],
    [
      'a forged row at head + 1 with a valid-looking chain',
      async (c) => [...c, await forgedAfter(c)],
      (c) => ({ before: headAt(c, 6), after: headAt(c, 6) }),
      { ok: false, checked: 6, complete: true, problem: 'rows_beyond_head', seq: 7 },
    ],
    [
      'a forged row at head + 1 while the outbox is pending',
      async (c) => [...c.slice(0, 4), await forgedAfter(c.slice(0, 4))],
      (c) => same(headAt(c, 4, false)),
      { ok: false, checked: 4, complete: false, problem: 'rows_beyond_head', seq: 5 },
    ],
    [
      'a forged row far past the head (a gap before it)',
      async (c) => [...c.slice(0, 3), { ...(await forgedAfter(c.slice(0, 3))), seq: 9 }],
      (c) => same(headAt(c, 3)),
      { ok: false, checked: 3, complete: true, problem: 'rows_beyond_head', seq: 9 },
    ],
    [
      'rows the writer appended while D1 was read (between the two heads)',
      (c) => c,
      (c) => ({ before: headAt(c, 4), after: headAt(c, 6) }),
      { ok: true, checked: 6, complete: true },
    ],
    [
      'rows appended while D1 was read, and more after it',
      (c) => c.slice(0, 5),
      (c) => ({ before: headAt(c, 4), after: headAt(c, 6) }),
      { ok: true, checked: 5, complete: true },
    ],
    [
      'a model registered while D1 was read (no head before, one after)',
      (c) => c.slice(0, 1),
      (c) => ({ before: null, after: headAt(c, 1) }),
      { ok: true, checked: 1, complete: true },
    ],
    [
      'a row edited in place',
      (c) => c.map((e) => (e.seq === 3 ? { ...e, reason: 'edited' } : e)),
      (c) => same(headAt(c, 6)),
      { ok: false, checked: 2, complete: true, problem: 'hash_mismatch', seq: 3 },
    ],
    [
      'a row in the middle deleted',
      (c) => c.filter((e) => e.seq !== 3),
      (c) => same(headAt(c, 6)),
      { ok: false, checked: 2, complete: true, problem: 'seq_gap', seq: 4 },
    ],
    [
      'the tail rewritten and re-sealed consistently from seq 5',
      async (c) => {
        const out = c.slice(0, 4)
        for (const e of c.slice(4)) {
          const { hash: _h, ...fields } = e
          out.push(await sealEntry({ ...fields, reason: 'rewritten', prev_hash: out.at(-1)!.hash }))
        }
        return out
      },
      (c) => same(headAt(c, 6)),
      { ok: false, checked: 5, complete: true, problem: 'head_mismatch', seq: 6 },
    ],
    [
      'the row at the first head rewritten, only the second head past it',
      async (c) => {
        const out = c.slice(0, 3)
        for (const e of c.slice(3)) {
          const { hash: _h, ...fields } = e
          out.push(await sealEntry({ ...fields, reason: 'rewritten', prev_hash: out.at(-1)!.hash }))
        }
        return out
      },
      (c) => ({ before: headAt(c, 4), after: { ...headAt(c, 6), hash: 'e'.repeat(64) } }),
      { ok: false, checked: 3, complete: true, problem: 'head_mismatch', seq: 4 },
    ],
  ]

  it.each(cases)('%s', async (_label, rows, heads, expected) => {
    const c = await chain(6)
    const v = await verifyStream('m', await rows(c), heads(c))
    expect({ ok: v.ok, checked: v.checked, complete: v.complete }).toEqual({
      ok: expected.ok,
      checked: expected.checked,
      complete: expected.complete,
    })
    if (expected.ok) expect(v.broken_at).toBeNull()
    else {
      expect(v.broken_at).toMatchObject({ stream: 'm', seq: expected.seq, problem: expected.problem })
      // The words name the seq found wrong.
      expect(v.broken_at?.detail).toContain(`${expected.seq}`)
    }
  })

  it('says which head a row lies beyond', async () => {
    const c = await chain(3)
    const v = await verifyStream('m', [...c, await forgedAfter(c)], { before: headAt(c, 3), after: headAt(c, 3) })
    expect(v.broken_at?.detail).toBe("seq 4 lies beyond the writer's head (seq 3): the writer never sealed it")
  })

  it.each([
    ['no rows, no head', 0, null, false],
    ['rows up to the head', 3, 3, false],
    ['rows below the head (appended after it or still in the outbox)', 2, 3, false],
    ['a row past the head', 4, 3, true],
    ['rows but no head', 1, null, true],
  ])('reads the head again after D1 when needed: %s', async (_label, rows, head, again) => {
    const c = await chain(4)
    expect(needsHeadAfter(c.slice(0, rows), head === null ? null : headAt(c, head))).toBe(again)
  })
})
