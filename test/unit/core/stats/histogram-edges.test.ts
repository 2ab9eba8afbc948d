import { describe, expect, it } from 'vitest'
import {
  bucketIndex,
  downscale,
  emptyHistogram,
  mergeInto,
  quantile,
  recordValue,
  relativeError,
  snapToBucketEdge,
} from '../../../../src/core/stats/histogram'

function histogramOf(values: number[], scale = 6) {
  const h = emptyHistogram(scale)
  for (const v of values) recordValue(h, v)
  return h
}

describe('exponential histogram: edges of the contract', () => {
  it('says which scales exist', () => {
    expect(() => emptyHistogram(9)).toThrow('histogram scale must be an integer in [-4, 8]')
    expect(() => emptyHistogram(1.5)).toThrow('histogram scale must be an integer in [-4, 8]')
  })

  it('values ≤ 0 and NaN have no bucket; +∞ is past every bucket', () => {
    expect(bucketIndex(6, 0)).toBe(Number.NEGATIVE_INFINITY)
    expect(bucketIndex(6, -1)).toBe(Number.NEGATIVE_INFINITY)
    expect(bucketIndex(6, Number.NaN)).toBe(Number.NEGATIVE_INFINITY)
    expect(bucketIndex(6, Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY)
    // 2 = base^64 at scale 6, 0.5 = base^−64 (upper edges are inclusive).
    expect(bucketIndex(6, 2)).toBe(64)
    expect(bucketIndex(6, 0.5)).toBe(-64)
    expect(snapToBucketEdge(6, 0)).toBe(0)
    expect(snapToBucketEdge(6, -3)).toBe(0)
  })

  it('recording zero times changes nothing (not even min and max)', () => {
    const h = emptyHistogram()
    recordValue(h, 5, 0)
    recordValue(h, 5, -1)
    expect(h).toEqual(emptyHistogram())
  })

  it('downscaling to the same scale is a copy; upscaling is refused', () => {
    const h = histogramOf([1, 2, 3], 5)
    expect(downscale(h, 5)).toEqual(h)
    expect(downscale(h, 5)).not.toBe(h)
    expect(() => downscale(h, 6)).toThrow('cannot upscale a histogram')
  })

  it('merging an empty but coarser histogram coarsens the target and keeps its numbers', () => {
    const target = histogramOf([5, 6, 7], 6)
    mergeInto(target, emptyHistogram(4))
    expect(target.scale).toBe(4)
    expect(target).toMatchObject({ count: 3, min: 5, max: 7, sum: 18, zeroCount: 0 })
  })

  it('merging adds zero counts', () => {
    const target = histogramOf([0, 0, 4])
    mergeInto(target, histogramOf([0, 0, 0, 9]))
    expect(target).toMatchObject({ count: 7, zeroCount: 5, min: 0, max: 9, sum: 13 })
  })

  it('a rank at the end of the zero bucket is 0', () => {
    // Sorted: 0, 0, 0, 10, 10, 10; q = 0.5 → rank ceil(3) = 3, the last zero.
    expect(quantile(histogramOf([0, 0, 0, 10, 10, 10]), 0.5)).toBe(0)
  })

  it('walks buckets in numeric order, values below 1 (negative indices) first', () => {
    // Sorted: 0.5, 1, 2, 4, 8. q = 0.4 → rank 2 → exactly 1; q = 0.6 → rank 3 → exactly 2.
    const h = histogramOf([8, 4, 2, 1, 0.5])
    const err = relativeError(6)
    expect(Math.abs(quantile(h, 0.4) / 1 - 1)).toBeLessThanOrEqual(err)
    expect(Math.abs(quantile(h, 0.6) / 2 - 1)).toBeLessThanOrEqual(err)
    expect(Math.abs(quantile(h, 0.8) / 4 - 1)).toBeLessThanOrEqual(err)
  })

  it('never answers below the minimum or above the maximum', () => {
    // Every value is 1.009, so every quantile is 1.009; the bucket (1, 1.0109] has representative
    // 2·1.0109/2.0109 ≈ 1.0054 < 1.009, which must be clamped up to the minimum.
    const low = histogramOf([1.009, 1.009, 1.009])
    expect(quantile(low, 0.5)).toBe(1.009)
    // 1.0002 lies in the same bucket; its representative 1.0054 is above the maximum: clamped down.
    const high = histogramOf([1.0002, 1.0002, 1.0002])
    expect(quantile(high, 0.5)).toBe(1.0002)
  })
})
