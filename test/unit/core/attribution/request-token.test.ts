import { describe, expect, it } from 'vitest'
import { readySigningKey, signRequestId, signRequestIdWith, verifyRequestId, type RequestClaims } from '../../../../src/core/attribution/request-token'

const claims: RequestClaims = { model: 'credit-risk', version: 'v2', arm: 'challenger', cohort: false, epoch: 42, at: 1_790_000_000_000 }
const fixed = (n: number) => new Uint8Array(n).fill(7)

describe('signed request ids', () => {
  it('round-trips the claims', async () => {
    const id = await signRequestId('s3cret', claims, fixed)
    expect(id).toMatch(/^mg1~credit-risk~v2~h-~16~[0-9a-z]+~[0-9a-z]{8}~[A-Za-z0-9_-]{11}$/)
    expect(await verifyRequestId('s3cret', id)).toEqual({ ok: true, claims })
  })

  it('carries the cohort flag and the arm', async () => {
    const id = await signRequestId('s', { ...claims, arm: 'cohort', cohort: true }, fixed)
    const v = await verifyRequestId('s', id)
    expect(v.ok && v.claims).toMatchObject({ arm: 'cohort', cohort: true })
  })

  it.each([
    ['another secret', (id: string) => id, 'other-secret', 'invalid_signature'],
    ['a changed version', (id: string) => id.replace('~v2~', '~v1~'), 's3cret', 'invalid_signature'],
    ['a changed time', (id: string) => id.replace(/~([0-9a-z]+)~([0-9a-z]{8})~/, (_m, t, n) => `~${t.slice(0, -1)}0~${n}~`), 's3cret', 'invalid_signature'],
    ['a flipped tag', (id: string) => id.slice(0, -1) + (id.endsWith('A') ? 'B' : 'A'), 's3cret', 'invalid_signature'],
    ['a truncated tag', (id: string) => id.slice(0, -3), 's3cret', 'malformed_request_id'],
    ['a plain id', () => 'req_0123456789', 's3cret', 'malformed_request_id'],
    ['an unknown arm code', (id: string) => id.replace('~h-~', '~x-~'), 's3cret', 'malformed_request_id'],
  ])('rejects %s', async (_label, mutate, secret, reason) => {
    const id = mutate(await signRequestId('s3cret', claims, fixed))
    expect(await verifyRequestId(secret, id)).toEqual({ ok: false, reason })
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
    const nonces = new Set(Array.from({ length: 2_000 }, () => signRequestIdWith(key, claims).split('~')[6]))
    expect(nonces.size).toBe(2_000)
  })

  it('rejects an id with non-ASCII text as a bad signature, not a crash', async () => {
    const id = await signRequestId('s3cret', claims, fixed)
    expect(await verifyRequestId('s3cret', id.replace('~v2~', '~vé~'))).toEqual({ ok: false, reason: 'invalid_signature' })
  })
})
