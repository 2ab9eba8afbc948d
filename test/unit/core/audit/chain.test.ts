import { describe, expect, it } from 'vitest'
import {
  GENESIS_HASH,
  canonicalJson,
  sealEntry,
  verifyChain,
  wellFormed,
  type AuditEntry,
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
    ['an edited field', (c: AuditEntry[]) => (c[2]!.reason = 'edited'), 3, 'hash does not match the entry contents'],
    [
      'a deleted row',
      (c: AuditEntry[]) => c.splice(1, 1),
      3,
      'expected seq 2, found 3 (a row is missing or duplicated)',
    ],
    [
      'a re-hashed edit',
      (c: AuditEntry[]) => (c[1]!.hash = 'f'.repeat(64)),
      2,
      'hash does not match the entry contents',
    ],
  ])('detects %s', async (_label, tamper, seq, problem) => {
    const c = await chain(5)
    tamper(c)
    const v = await verifyChain(c)
    expect(v.ok).toBe(false)
    expect(v.broken_at).toEqual({ stream: 'm', seq, problem })
  })

  it('detects a consistent rewrite of an entry by the broken link of the next one', async () => {
    const c = await chain(4)
    const { hash: _h, ...fields } = c[1]!
    c[1] = await sealEntry({ ...fields, reason: 'rewritten' })
    expect((await verifyChain(c)).broken_at).toMatchObject({
      seq: 3,
      problem: 'prev_hash does not match the previous entry',
    })
  })
})
