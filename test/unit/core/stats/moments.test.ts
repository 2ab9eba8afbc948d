import { describe, expect, it } from 'vitest'
import {
  type Moments,
  addValue,
  emptyMoments,
  mergeMoments,
  momentsFromProportion,
  momentsFromSums,
  variance,
  varianceOfMean,
} from '../../../../src/core/stats/moments'
import { createRng, sampleLognormal } from './helpers/prng'

function fromValues(xs: number[]): Moments {
  return xs.reduce(addValue, emptyMoments())
}

function twoPass(xs: number[]): { mean: number; m2: number } {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length
  return { mean, m2: xs.reduce((s, x) => s + (x - mean) ** 2, 0) }
}

describe('Welford moments', () => {
  it('computes mean and M2 of a small sample', () => {
    const m = fromValues([2, 4, 4, 4, 5, 5, 7, 9])
    expect(m).toEqual({ n: 8, mean: 5, m2: 32 })
    expect(variance(m)).toBeCloseTo(32 / 7, 14)
    expect(varianceOfMean(m)).toBeCloseTo(32 / 7 / 8, 14)
  })

  it('is pure: addValue does not mutate its input', () => {
    const m = emptyMoments()
    const next = addValue(m, 3)
    expect(m).toEqual({ n: 0, mean: 0, m2: 0 })
    expect(next).toEqual({ n: 1, mean: 3, m2: 0 })
  })

  it('has zero variance below two observations', () => {
    expect(variance(emptyMoments())).toBe(0)
    expect(variance(fromValues([3]))).toBe(0)
    expect(varianceOfMean(fromValues([3]))).toBe(0)
  })

  it('stays accurate with a large offset where naive sums cancel', () => {
    const xs = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]
    const m = fromValues(xs)
    expect(m.mean).toBe(1e9 + 10)
    expect(m.m2).toBeCloseTo(90, 6)
  })
})

describe('mergeMoments', () => {
  const rng = createRng(7)
  const xs = Array.from({ length: 3000 }, () => sampleLognormal(rng, 0, 1.2))

  it('equals the moments of the union (exact up to rounding)', () => {
    const whole = twoPass(xs)
    const merged = mergeMoments(fromValues(xs.slice(0, 1000)), fromValues(xs.slice(1000)))
    expect(merged.n).toBe(3000)
    expect(merged.mean).toBeCloseTo(whole.mean, 12)
    expect(merged.m2 / whole.m2).toBeCloseTo(1, 12)
  })

  it('is associative and commutative up to rounding', () => {
    const [a, b, c] = [xs.slice(0, 500), xs.slice(500, 2100), xs.slice(2100)].map(fromValues)
    const left = mergeMoments(mergeMoments(a!, b!), c!)
    const right = mergeMoments(a!, mergeMoments(b!, c!))
    const swapped = mergeMoments(c!, mergeMoments(b!, a!))
    for (const other of [right, swapped]) {
      expect(other.n).toBe(left.n)
      expect(other.mean / left.mean).toBeCloseTo(1, 13)
      expect(other.m2 / left.m2).toBeCloseTo(1, 12)
    }
  })

  it('treats the empty state as the identity', () => {
    const a = fromValues([1, 2, 3])
    expect(mergeMoments(a, emptyMoments())).toEqual(a)
    expect(mergeMoments(emptyMoments(), a)).toEqual(a)
  })
})

describe('alternative constructors', () => {
  it('momentsFromSums matches Welford', () => {
    const xs = [1.5, 2.5, 10, -3, 4]
    const sum = xs.reduce((s, x) => s + x, 0)
    const sumSq = xs.reduce((s, x) => s + x * x, 0)
    const m = momentsFromSums(xs.length, sum, sumSq)
    const w = fromValues(xs)
    expect(m.mean).toBeCloseTo(w.mean, 14)
    expect(m.m2).toBeCloseTo(w.m2, 12)
    expect(momentsFromSums(0, 0, 0)).toEqual(emptyMoments())
  })

  it('momentsFromProportion gives s² = p̂(1−p̂)·n/(n−1), matching 0/1 data', () => {
    const m = momentsFromProportion(30, 200)
    const ones = Array.from({ length: 200 }, (_, i) => (i < 30 ? 1 : 0))
    const w = fromValues(ones)
    expect(m.mean).toBe(0.15)
    expect(m.m2).toBeCloseTo(w.m2, 12)
    expect(variance(m)).toBeCloseTo((0.15 * 0.85 * 200) / 199, 14)
  })
})
