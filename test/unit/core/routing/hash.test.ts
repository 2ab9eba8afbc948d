import { describe, expect, it } from 'vitest'
import vectors from '../../../vectors/routing-hash-v1.json'
import { BUCKETS, bucketOf, fmix32, fnv1a32, fnv1a32Utf8 } from '../../../../src/core/routing/hash'

const enc = new TextEncoder()

describe('hash v1 building blocks match their published definitions', () => {
  it.each([
    ['', 0x811c9dc5],
    ['\u0000', 0x050c5d1f],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('fnv1a32(%j) = %i (FNV reference values)', (s, expected) => {
    expect(fnv1a32(enc.encode(s))).toBe(expected)
  })

  it.each([
    [0, 0],
    [1, 0x514e28b7],
  ])('fmix32(%i) = %i (MurmurHash3 finaliser)', (x, expected) => {
    expect(fmix32(x)).toBe(expected)
  })
})

describe('published test vectors (test/vectors/routing-hash-v1.json)', () => {
  it('names spec version 1', () => {
    expect(vectors.specVersion).toBe('1')
    expect(vectors.cases.length).toBeGreaterThan(40)
  })

  it.each(vectors.cases.map((c) => [c.salt, c.key.slice(0, 20), c] as const))('salt %j key %j', (_s, _k, c) => {
    const f = fnv1a32(enc.encode(`${c.salt}\u0000${c.key}`))
    expect(f).toBe(c.fnv1a32)
    expect(fmix32(f)).toBe(c.fmix32)
    expect(bucketOf(1, c.salt, c.key)).toBe(c.bucket)
  })
})

describe('fnv1a32Utf8', () => {
  it.each(['', 'user-42', 'req_0123', 'ünïcødé', 'mixed ascii then é', '\u{1F600} emoji'])(
    'equals FNV-1a over the UTF-8 bytes of %j',
    (s) => {
      expect(fnv1a32Utf8(s)).toBe(fnv1a32(new TextEncoder().encode(s)))
    },
  )
})

describe('bucket distribution', () => {
  it('is uniform over 10,000 buckets (chi-square over 100 bins of 200k keys)', () => {
    const bins = new Array(100).fill(0)
    const n = 200_000
    for (let i = 0; i < n; i++) bins[Math.floor(bucketOf(1, 'salt-x', `user-${i}`) / 100)]++
    const expected = n / 100
    const chi2 = bins.reduce((s, o) => s + (o - expected) ** 2 / expected, 0)
    // df = 99: the 99.9% quantile is about 148.2.
    expect(chi2).toBeLessThan(148.2)
  })

  it('depends on the salt: another model reshuffles units independently', () => {
    let same = 0
    for (let i = 0; i < 10_000; i++) if (bucketOf(1, 'a', `u${i}`) < 5000 === bucketOf(1, 'b', `u${i}`) < 5000) same++
    expect(same / 10_000).toBeGreaterThan(0.47)
    expect(same / 10_000).toBeLessThan(0.53)
  })

  it('always returns an integer bucket in range', () => {
    for (let i = 0; i < 1000; i++) {
      const b = bucketOf(1, 's', String(i))
      expect(Number.isInteger(b) && b >= 0 && b < BUCKETS).toBe(true)
    }
  })
})
