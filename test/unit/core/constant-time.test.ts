import { describe, expect, it } from 'vitest'
import { constantTimeEqual, equalsAny } from '../../../src/core/constant-time'

describe('constant-time comparison of data-plane keys', () => {
  it.each([
    ['the same key', 'key-0123', 'key-0123', true],
    ['a prefix of the key', 'key-012', 'key-0123', false],
    ['the key and more', 'key-01234', 'key-0123', false],
    ['the key plus a NUL', 'key-0123\u0000', 'key-0123', false],
    ['one character changed', 'key-0124', 'key-0123', false],
    ['nothing', '', 'key-0123', false],
    ['a non-ASCII lookalike', 'kéy-0123', 'key-0123', false],
  ])('%s', (_label, given, expected, equal) => {
    expect(constantTimeEqual(given, expected)).toBe(equal)
  })

  it('finds a key anywhere in the list, and none that is not in it', () => {
    expect(equalsAny('b-key', ['a-key', 'b-key', 'c-key'])).toBe(true)
    expect(equalsAny('c-key', ['a-key', 'b-key', 'c-key'])).toBe(true)
    expect(equalsAny('d-key', ['a-key', 'b-key', 'c-key'])).toBe(false)
    expect(equalsAny('', [])).toBe(false)
  })
})
