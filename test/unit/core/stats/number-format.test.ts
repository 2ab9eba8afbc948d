import { describe, expect, it } from 'vitest'
import { fmt, pct, significant } from '../../../../src/core/stats/format'

// Expected strings are written out by hand from the rule in src/core/stats/format.ts: plain
// notation for 1e-4 ≤ |x| < 1e7 (trailing zeros dropped), exponent with digits − 1 decimals otherwise.
describe('numbers in decision reasons', () => {
  it('writes zero as "0", not as an exponent', () => {
    expect(significant(0, 4)).toBe('0')
    expect(fmt(-0)).toBe('0')
  })

  it('keeps non-finite values readable', () => {
    expect(fmt(Number.NaN)).toBe('NaN')
    expect(fmt(Number.POSITIVE_INFINITY)).toBe('Infinity')
    expect(fmt(Number.NEGATIVE_INFINITY)).toBe('-Infinity')
  })

  it('rounds to four significant digits in plain notation inside [1e-4, 1e7)', () => {
    expect(fmt(1234.5678)).toBe('1235')
    expect(fmt(0.00389073192943893)).toBe('0.003891')
    expect(fmt(-0.5)).toBe('-0.5')
    // The lower edge is plain, the upper edge is not.
    expect(fmt(1e-4)).toBe('0.0001')
    expect(fmt(9_999_000)).toBe('9999000')
    expect(fmt(1e7)).toBe('1.000e+7')
  })

  it('switches to an exponent with digits − 1 decimals outside that range', () => {
    expect(fmt(1.5e-5)).toBe('1.500e-5')
    expect(fmt(0.00009999)).toBe('9.999e-5')
    expect(fmt(123_456_789)).toBe('1.235e+8')
    expect(significant(123_456_789, 2)).toBe('1.2e+8')
    expect(significant(2 / 3, 2)).toBe('0.67')
  })

  it('writes fractions as percentages', () => {
    expect(pct(0.0213)).toBe('2.13%')
    expect(pct(0.02)).toBe('2%')
    expect(pct(0)).toBe('0%')
    // 1/3 = 33.333…% → four significant digits.
    expect(pct(1 / 3)).toBe('33.33%')
  })
})
