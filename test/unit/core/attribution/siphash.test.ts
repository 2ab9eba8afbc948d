import { describe, expect, it } from 'vitest'
import { sipHash24, sipHashScratch, sipKey, sipScratchAscii } from '../../../../src/core/attribution/siphash'

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

describe('SipHash-2-4 scratch buffer', () => {
  it('gives the same tag whatever a previous, longer message left in the buffer', () => {
    const long = sipHash24(key, msg(600)) // grows the scratch buffer
    expect(long).toHaveLength(8)
    expect(hex(sipHash24(key, msg(7)))).toBe('37d1018bf50002ab')
    expect(hex(sipHash24(key, msg(0)))).toBe('310e0edd47db6f72')
  })

  it('hashes ASCII text from the scratch buffer exactly as its bytes', () => {
    const text = 'mg1~credit-risk~v2~h-~16~lx3k2j~abcdefgh'
    expect(sipScratchAscii(text)).toBe(true)
    const out = new Uint32Array(2)
    sipHashScratch(sipKey(key), text.length, out)
    const viaBytes = sipHash24(key, new TextEncoder().encode(text))
    expect(out[0]).toBe(new DataView(viaBytes.buffer).getUint32(0, true))
    expect(out[1]).toBe(new DataView(viaBytes.buffer).getUint32(4, true))
    expect(sipScratchAscii('modèle')).toBe(false)
  })
})
