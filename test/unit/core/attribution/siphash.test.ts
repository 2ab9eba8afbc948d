import { describe, expect, it } from 'vitest'
import { sipHash24 } from '../../../../src/core/attribution/siphash'

const key = Uint8Array.from({ length: 16 }, (_, i) => i)
const msg = (n: number) => Uint8Array.from({ length: n }, (_, i) => i)
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, '0')).join('')

describe('SipHash-2-4 reference vectors (key 00..0f, message 00..n-1)', () => {
  it.each([
    [0, '310e0edd47db6f72'],
    [1, 'fd67dc93c539f874'],
    [7, '37d1018bf50002ab'],
    [8, '6224939a79f5f593'],
    [15, 'e545be4961ca29a1'],
  ])('length %i → %s', (n, expected) => {
    expect(hex(sipHash24(key, msg(n)))).toBe(expected)
  })
})
