import { describe, expect, it } from 'vitest'
import {
  readySigningKey,
  signRequestId,
  signRequestIdWith,
  verifyRequestId,
  type SignedClaims,
} from '../../../../src/core/attribution/request-token'

const claims: SignedClaims = {
  model: 'credit-risk',
  version: 'v2',
  arm: 'challenger',
  cohort: false,
  epoch: 42,
  at: 1_790_000_000_000,
  shards: 8,
}
/** An id minted by the previous format (mg1, no shard count) with the same claims, secret and nonce. */
const LEGACY_ID = 'mg1~credit-risk~v2~h-~16~mubbs7i8~0w3ge1r7~4NV7ZN0S19U'
/** The same claims minted by the format before key ids (mg2: with the shard count, no kid). */
const MG2_ID = 'mg2~credit-risk~v2~h-~16~8~mubbs7i8~0w3ge1r7~ZUgjSkEgAN8'
const fixed = (n: number) => new Uint8Array(n).fill(7)

describe('signed request ids', () => {
  it('round-trips the claims', async () => {
    const id = await signRequestId('s3cret', claims, fixed)
    expect(id).toMatch(/^mg3~credit-risk~v2~h-~16~8~[0-9a-z]+~[0-9a-z]{8}~[0-9a-z]{5}~[A-Za-z0-9_-]{11}$/)
    expect(await verifyRequestId('s3cret', id)).toEqual({ ok: true, claims })
  })

  it('carries the cohort flag and the arm', async () => {
    const id = await signRequestId('s', { ...claims, arm: 'cohort', cohort: true }, fixed)
    const v = await verifyRequestId('s', id)
    expect(v.ok && v.claims).toMatchObject({ arm: 'cohort', cohort: true })
  })

  it.each([
    ['another secret', (id: string) => id, 'other-secret', 'unknown_key'],
    ['a changed version', (id: string) => id.replace('~v2~', '~v1~'), 's3cret', 'invalid_signature'],
    [
      'a changed time',
      (id: string) =>
        id.replace(
          /~([0-9a-z]+)~([0-9a-z]{8})~([0-9a-z]{5})~([^~]+)$/,
          (_m, t, n, kid, tag) => `~${t.slice(0, -1)}0~${n}~${kid}~${tag}`,
        ),
      's3cret',
      'invalid_signature',
    ],
    ['a flipped tag', (id: string) => id.slice(0, -1) + (id.endsWith('A') ? 'B' : 'A'), 's3cret', 'invalid_signature'],
    ['a truncated tag', (id: string) => id.slice(0, -3), 's3cret', 'invalid_signature'],
    ['an appended character', (id: string) => `${id}A`, 's3cret', 'invalid_signature'],
    ['an appended character, under a key it does not name', (id: string) => `${id}A`, 'other-secret', 'unknown_key'],
    ['a tag that is not base64url', (id: string) => `${id.slice(0, -1)}!`, 's3cret', 'malformed_request_id'],
    ['no tag at all', (id: string) => id.slice(0, id.lastIndexOf('~') + 1), 's3cret', 'malformed_request_id'],
    ['a plain id', () => 'req_0123456789', 's3cret', 'malformed_request_id'],
    ['an unknown arm code', (id: string) => id.replace('~h-~', '~x-~'), 's3cret', 'malformed_request_id'],
    ['a zero shard count', (id: string) => id.replace('~16~8~', '~16~0~'), 's3cret', 'malformed_request_id'],
    [
      'trailing text after the epoch',
      (id: string) => id.replace('~16~8~', '~16x!~8~'),
      's3cret',
      'malformed_request_id',
    ],
    ['a legacy prefix on the new layout', (id: string) => id.replace(/^mg3/, 'mg2'), 's3cret', 'malformed_request_id'],
    [
      'a kid that is not one',
      (id: string) => id.replace(/~[0-9a-z]{5}~([^~]+)$/, '~KID!!~$1'),
      's3cret',
      'malformed_request_id',
    ],
  ])('rejects %s', async (_label, mutate, secret, reason) => {
    const id = mutate(await signRequestId('s3cret', claims, fixed))
    expect(await verifyRequestId(secret, id)).toEqual({ ok: false, reason })
  })
})

describe('one id, one spelling', () => {
  it('rejects the other spellings of a valid tag (the spare bits of its last character)', async () => {
    const id = await signRequestId('s3cret', claims, fixed)
    const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = B64URL.indexOf(id.slice(-1))
    // The 11th character carries 4 bits of the tag and 2 spare bits; the canonical encoding zeroes them.
    expect(last & 3).toBe(0)
    for (const spare of [1, 2, 3]) {
      const variant = id.slice(0, -1) + B64URL[last | spare]
      expect(await verifyRequestId('s3cret', variant)).toEqual({ ok: false, reason: 'invalid_signature' })
    }
    expect(await verifyRequestId('s3cret', id)).toMatchObject({ ok: true })
  })
})

describe('key rotation (REQUEST_ID_SECRET_PREVIOUS)', () => {
  const kidOf = (id: string) => id.split('~')[8]

  it('mints with the current key and verifies under the current or the previous one', async () => {
    const before = await signRequestId('old-secret', claims, fixed)
    const after = await signRequestId('new-secret', claims, fixed)
    expect(kidOf(before)).not.toBe(kidOf(after))
    expect(await verifyRequestId(['new-secret', 'old-secret'], before)).toEqual({ ok: true, claims })
    expect(await verifyRequestId(['new-secret', 'old-secret'], after)).toEqual({ ok: true, claims })
  })

  it('tells an id of a key no longer held (unknown_key) from an altered one (invalid_signature)', async () => {
    const retired = await signRequestId('oldest-secret', claims, fixed)
    expect(await verifyRequestId(['new-secret', 'old-secret'], retired)).toEqual({ ok: false, reason: 'unknown_key' })
    const altered = (await signRequestId('old-secret', claims, fixed)).replace('~v2~', '~v1~')
    expect(await verifyRequestId(['new-secret', 'old-secret'], altered)).toEqual({
      ok: false,
      reason: 'invalid_signature',
    })
  })

  it('verifies ids of the earlier layouts (no kid) under either key', async () => {
    expect(await verifyRequestId(['new-secret', 's3cret'], MG2_ID)).toEqual({ ok: true, claims })
    expect(await verifyRequestId(['s3cret'], MG2_ID)).toEqual({ ok: true, claims })
    expect(await verifyRequestId(['new-secret', 's3cret'], LEGACY_ID)).toEqual({
      ok: true,
      claims: { ...claims, shards: null },
    })
    // Without a kid, a retired key cannot be told from a forgery.
    expect(await verifyRequestId(['new-secret'], MG2_ID)).toEqual({ ok: false, reason: 'invalid_signature' })
  })
})

describe('ids of the previous formats (mg1, mg2)', () => {
  it('mg2 ids still verify, with their shard count', async () => {
    expect(await verifyRequestId('s3cret', MG2_ID)).toEqual({ ok: true, claims })
    expect(await verifyRequestId('s3cret', MG2_ID.replace('~v2~', '~v1~'))).toEqual({
      ok: false,
      reason: 'invalid_signature',
    })
  })

  it('still verify, with no shard count', async () => {
    expect(await verifyRequestId('s3cret', LEGACY_ID)).toEqual({ ok: true, claims: { ...claims, shards: null } })
  })

  it('are still authenticated', async () => {
    expect(await verifyRequestId('s3cret', LEGACY_ID.replace('~v2~', '~v1~'))).toEqual({
      ok: false,
      reason: 'invalid_signature',
    })
  })
})

describe('synchronous signing (the hot path)', () => {
  it('signs with a ready key exactly as the async path does, and verifies', async () => {
    const viaAsync = await signRequestId('s3cret', claims, fixed)
    const key = readySigningKey('s3cret')
    expect(key).not.toBeNull()
    expect(signRequestIdWith(key!, claims, fixed)).toBe(viaAsync)
    expect(await verifyRequestId('s3cret', signRequestIdWith(key!, claims))).toEqual({ ok: true, claims })
  })

  it('has no key before the first signature derives it', () => {
    expect(readySigningKey('a-secret-never-used')).toBeNull()
  })

  it('gives every id its own nonce from the pooled randomness', async () => {
    const key = readySigningKey('s3cret') ?? (await signRequestId('s3cret', claims), readySigningKey('s3cret')!)
    const nonces = new Set(Array.from({ length: 2_000 }, () => signRequestIdWith(key, claims).split('~')[7]))
    expect(nonces.size).toBe(2_000)
  })

  it('rejects an id with non-ASCII text as a bad signature, not a crash', async () => {
    const id = await signRequestId('s3cret', claims, fixed)
    expect(await verifyRequestId('s3cret', id.replace('~v2~', '~vé~'))).toEqual({
      ok: false,
      reason: 'invalid_signature',
    })
  })
})
