/**
 * The `mg4` layout: a request id that carries the unit's pre-exposure covariate (core/metrics/covariate)
 * under the MAC, while ids without one keep the `mg3` layout byte for byte.
 */
import { describe, expect, it } from 'vitest'
import { signRequestId, verifyRequestId, type SignedClaims } from '../../../../src/core/attribution/request-token'

const claims: SignedClaims = {
  model: 'credit-risk',
  version: 'v2',
  arm: 'challenger',
  cohort: false,
  epoch: 42,
  at: 1_790_000_000_000,
  shards: 8,
}
const fixed = (n: number) => new Uint8Array(n).fill(7)
/** What the code before covariates minted for `claims`, secret `s3cret` and the fixed nonce. */
const MG3_ID = 'mg3~credit-risk~v2~h-~16~8~mubbs7i8~0w3ge1r7~kntag~Mp7aRk7kluY'
const MG2_ID = 'mg2~credit-risk~v2~h-~16~8~mubbs7i8~0w3ge1r7~ZUgjSkEgAN8'
const MG1_ID = 'mg1~credit-risk~v2~h-~16~mubbs7i8~0w3ge1r7~4NV7ZN0S19U'

/** The id with its covariate field (the 7th) replaced, tag kept. */
const withCovariate = (id: string, x: string) => {
  const parts = id.split('~')
  parts[6] = x
  return parts.join('~')
}

describe('request ids with a covariate', () => {
  it('mints the unchanged mg3 id when there is no covariate, or a covariate of 0', async () => {
    expect(await signRequestId('s3cret', claims, fixed)).toBe(MG3_ID)
    expect(await signRequestId('s3cret', { ...claims, covariate: 0 }, fixed)).toBe(MG3_ID)
  })

  it('still verifies every earlier layout, with no covariate in the claims', async () => {
    for (const id of [MG3_ID, MG2_ID]) {
      const v = await verifyRequestId('s3cret', id)
      expect(v).toEqual({ ok: true, claims })
      expect(v.ok && 'covariate' in v.claims).toBe(false)
    }
    expect(await verifyRequestId('s3cret', MG1_ID)).toEqual({ ok: true, claims: { ...claims, shards: null } })
  })

  it.each([0.37, -12.5, 1.5e-7, 123457000000, 3])('round-trips covariate %s in an mg4 id', async (x) => {
    const id = await signRequestId('s3cret', { ...claims, covariate: x }, fixed)
    expect(id.startsWith(`mg4~credit-risk~v2~h-~16~8~${String(x)}~`)).toBe(true)
    // The cost per request: the value and one separator.
    expect(id.length - MG3_ID.length).toBe(String(x).length + 1)
    expect(await verifyRequestId('s3cret', id)).toEqual({ ok: true, claims: { ...claims, covariate: x } })
  })

  it.each([
    ['another value', '0.38', 'invalid_signature'],
    ['the same value spelled otherwise', '0.370', 'invalid_signature'],
    ['a negated value', '-0.37', 'invalid_signature'],
    ['text', 'abc', 'malformed_request_id'],
    ['NaN', 'NaN', 'malformed_request_id'],
    ['Infinity', 'Infinity', 'malformed_request_id'],
    ['an overflowing exponent', '1e400', 'malformed_request_id'],
    ['hex', '0x10', 'malformed_request_id'],
    ['an empty field', '', 'malformed_request_id'],
  ])('rejects an id whose covariate is %s', async (_label, x, reason) => {
    const id = await signRequestId('s3cret', { ...claims, covariate: 0.37 }, fixed)
    expect(await verifyRequestId('s3cret', id)).toMatchObject({ ok: true })
    expect(await verifyRequestId('s3cret', withCovariate(id, x))).toEqual({ ok: false, reason })
  })

  it('rejects a covariate dropped from the id, or an mg3 id relabelled mg4', async () => {
    const id = await signRequestId('s3cret', { ...claims, covariate: 0.37 }, fixed)
    const dropped = id.replace('~0.37~', '~').replace(/^mg4/, 'mg3')
    expect(await verifyRequestId('s3cret', dropped)).toEqual({ ok: false, reason: 'invalid_signature' })
    expect(await verifyRequestId('s3cret', MG3_ID.replace(/^mg3/, 'mg4'))).toEqual({
      ok: false,
      reason: 'malformed_request_id',
    })
  })
})
