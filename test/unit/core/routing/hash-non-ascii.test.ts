import { describe, expect, it } from 'vitest'
import { bucketOf, fnv1a32, fnv1a32Utf8 } from '../../../../src/core/routing/hash'

describe('fnv1a32Utf8 on keys with no ASCII character at all', () => {
  // Keys that never reach an ASCII character, so the whole key is hashed from its UTF-8 bytes.
  it.each(['é', 'üñï', '€€€', '\u{1F600}', 'ключ-пользователя'.replace('-', 'ж')])('%j hashes its UTF-8 bytes', (s) => {
    expect(fnv1a32Utf8(s)).toBe(fnv1a32(new TextEncoder().encode(s)))
  })
})

describe('bucketOf', () => {
  it('refuses a hash version it does not know instead of bucketing with another algorithm', () => {
    expect(() => bucketOf(3 as never, 'salt', 'key')).toThrow('unknown hash version 3')
  })
})
