import { describe, expect, it } from 'vitest'
import {
  emptyMoments,
  mergeMoments,
  momentsFromProportion,
  momentsFromSums,
  variance,
  varianceOfMean,
} from '../../../../src/core/stats/moments'

describe('moments at their edges', () => {
  it('merging with an empty sample returns the other sample exactly, and two empties stay empty', () => {
    // 3 × 0.1 / 3 = 0.10000000000000002 in floating point: a weighted mean would not be exact here.
    const b = { n: 3, mean: 0.1, m2: 0.02 }
    expect(mergeMoments(emptyMoments(), b)).toEqual(b)
    expect(mergeMoments(b, emptyMoments())).toEqual(b)
    expect(mergeMoments(emptyMoments(), emptyMoments())).toEqual(emptyMoments())
  })

  it('plain sums and proportions with n = 0 give the empty state, not NaN', () => {
    expect(momentsFromSums(0, 0, 0)).toEqual(emptyMoments())
    expect(momentsFromProportion(0, 0)).toEqual(emptyMoments())
  })

  it('estimates a spread from two observations already', () => {
    // {1, 3}: mean 2, M2 = 1 + 1 = 2, s² = 2/1 = 2, variance of the mean = 2/2 = 1.
    const m = momentsFromSums(2, 4, 10)
    expect(m).toEqual({ n: 2, mean: 2, m2: 2 })
    expect(variance(m)).toBe(2)
    expect(varianceOfMean(m)).toBe(1)
    expect(variance({ n: 1, mean: 5, m2: 0 })).toBe(0)
    expect(varianceOfMean({ n: 1, mean: 5, m2: 0 })).toBe(0)
  })
})
