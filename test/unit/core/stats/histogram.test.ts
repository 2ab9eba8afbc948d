import { describe, expect, it } from 'vitest'
import {
  type ExpHistogram,
  bucketIndex,
  bucketUpperEdge,
  countAbove,
  downscale,
  emptyHistogram,
  histogramBase,
  mergeHistograms,
  mergeInto,
  quantile,
  recordValue,
  relativeError,
  snapToBucketEdge,
} from '../../../../src/core/stats/histogram'
import { createRng, exactNearestRank, sampleLognormal } from './helpers/prng'

function histogramOf(values: ArrayLike<number>, scale = 6): ExpHistogram {
  const h = emptyHistogram(scale)
  for (let i = 0; i < values.length; i++) recordValue(h, values[i] as number)
  return h
}

describe('bucket indexing', () => {
  it('uses base 2^(2^−scale) and error (base−1)/(base+1)', () => {
    expect(histogramBase(6)).toBeCloseTo(1.0108892860517005, 15)
    expect(relativeError(6)).toBeCloseTo(0.005415, 6)
    expect(relativeError(5)).toBeCloseTo(0.01083, 5)
    expect(histogramBase(0)).toBe(2)
    expect(histogramBase(-2)).toBe(16)
  })

  it('puts exact powers of two on the upper edge of their bucket (Prometheus convention)', () => {
    for (const scale of [-4, -1, 0, 1, 3, 6, 8]) {
      const perOctave = 2 ** scale
      for (const e of [-20, -1, 0, 1, 10, 50]) {
        // 2^e = base^(e·2^scale); for negative scales only every 2^−scale-th octave is an edge.
        const idx = e * perOctave
        if (!Number.isInteger(idx)) continue
        expect(bucketIndex(scale, 2 ** e)).toBe(idx)
        expect(bucketIndex(scale, 2 ** e * (1 + 2 ** -52))).toBe(idx + 1)
      }
    }
    expect(bucketIndex(0, 1)).toBe(0)
    expect(bucketIndex(0, 1.5)).toBe(1)
    expect(bucketIndex(0, 2)).toBe(1)
    expect(bucketIndex(0, 0.75)).toBe(0)
    expect(bucketIndex(-1, 4)).toBe(1)
    expect(bucketIndex(-1, 2)).toBe(1)
    expect(bucketIndex(-1, 1.0001)).toBe(1)
    expect(bucketIndex(-1, 4.0001)).toBe(2)
  })

  it('is consistent with bucketUpperEdge on and next to every edge', () => {
    for (const scale of [-2, 0, 2, 5, 6, 8]) {
      for (let i = -300; i <= 300; i += 7) {
        if (Math.abs(i * 2 ** -scale) > 1000) continue // beyond the double range
        const edge = bucketUpperEdge(scale, i)
        expect(bucketIndex(scale, edge)).toBe(i)
        const up = edge * (1 + 2 ** -51)
        const down = edge * (1 - 2 ** -52)
        expect(bucketIndex(scale, up)).toBe(i + 1)
        expect(bucketIndex(scale, down)).toBe(i)
        expect(bucketIndex(scale, bucketUpperEdge(scale, i - 1) * (1 + 2 ** -51))).toBe(i)
      }
    }
  })

  it('agrees with ceil(log_base v) away from edges', () => {
    const rng = createRng(3)
    for (let k = 0; k < 2000; k++) {
      const v = Math.exp((rng.uniform() - 0.5) * 60)
      const exact = Math.log2(v) * 64
      if (Math.abs(exact - Math.round(exact)) < 1e-6) continue
      expect(bucketIndex(6, v)).toBe(Math.ceil(exact))
    }
  })

  it('handles subnormal and huge values', () => {
    expect(bucketIndex(0, 2 ** -1074)).toBe(-1074)
    expect(bucketIndex(3, 2 ** -1070)).toBe(-1070 * 8)
    expect(bucketIndex(6, Number.MAX_VALUE)).toBe(1024 * 64)
  })

  it('rejects unsupported scales', () => {
    expect(() => emptyHistogram(9)).toThrow(RangeError)
    expect(() => emptyHistogram(1.5)).toThrow(RangeError)
  })
})

describe('recordValue', () => {
  it('tracks count, sum, min, max, zero count and sparse buckets', () => {
    const h = emptyHistogram(0)
    recordValue(h, 3)
    recordValue(h, 0)
    recordValue(h, -2)
    recordValue(h, 4, 2)
    recordValue(h, Number.NaN)
    expect(h).toEqual({
      scale: 0,
      buckets: { '2': 3 },
      zeroCount: 2,
      count: 5,
      sum: 9,
      min: -2,
      max: 4,
    })
  })

  it('survives a JSON round trip unchanged', () => {
    const h = histogramOf([0.5, 12, 300, 300.5, 7e4])
    expect(JSON.parse(JSON.stringify(h))).toEqual(h)
    expect(JSON.parse(JSON.stringify(emptyHistogram()))).toEqual(emptyHistogram())
  })
})

describe('quantile accuracy (200k lognormal draws)', () => {
  const rng = createRng(20240601)
  const n = 200_000
  const values = new Float64Array(n)
  for (let i = 0; i < n; i++) values[i] = sampleLognormal(rng, Math.log(100), 0.5)
  const sorted = Float64Array.from(values).sort()

  it.each([5, 6])('stays within (base−1)/(base+1) of the exact nearest-rank quantile at scale %s', (scale) => {
    const h = histogramOf(values, scale)
    const bound = relativeError(scale) * (1 + 1e-12)
    for (const q of [0, 0.5, 0.9, 0.99, 0.999, 1]) {
      const exact = exactNearestRank(sorted, q)
      const est = quantile(h, q)
      expect(Math.abs(est - exact) / exact, `q = ${q}`).toBeLessThanOrEqual(bound)
    }
    expect(quantile(h, 0)).toBe(sorted[0])
    expect(quantile(h, 1)).toBe(sorted[n - 1])
  })

  it('never exceeds the bound at any percentile', () => {
    const h = histogramOf(values, 6)
    const bound = relativeError(6) * (1 + 1e-12)
    let worst = 0
    for (let k = 1; k <= 1000; k++) {
      const q = k / 1000
      const exact = exactNearestRank(sorted, q)
      worst = Math.max(worst, Math.abs(quantile(h, q) - exact) / exact)
    }
    expect(worst).toBeLessThanOrEqual(bound)
    expect(worst).toBeGreaterThan(bound / 4) // the bound is nearly attained: the test has teeth
  })

  it('merges shards to exactly the histogram of the union, in any order', () => {
    const whole = histogramOf(values)
    const shards = [0, 1, 2, 3].map((s) => histogramOf(values.subarray(s * 50_000, (s + 1) * 50_000)))
    const [a, b, c, d] = shards as [ExpHistogram, ExpHistogram, ExpHistogram, ExpHistogram]
    const leftFold = mergeHistograms(mergeHistograms(mergeHistograms(a, b), c), d)
    const tree = mergeHistograms(mergeHistograms(d, c), mergeHistograms(b, a))
    for (const merged of [leftFold, tree]) {
      expect(merged.buckets).toEqual(whole.buckets)
      expect(merged.count).toBe(whole.count)
      expect(merged.zeroCount).toBe(whole.zeroCount)
      expect(merged.min).toBe(whole.min)
      expect(merged.max).toBe(whole.max)
      expect(merged.sum / whole.sum).toBeCloseTo(1, 12)
    }
  })
})

describe('merging and downscaling', () => {
  const rng = createRng(11)
  const xs = Array.from({ length: 5000 }, () => sampleLognormal(rng, 0, 2))

  it('is associative with deep-equal buckets', () => {
    const [a, b, c] = [xs.slice(0, 100), xs.slice(100, 3000), xs.slice(3000)].map((s) => histogramOf(s)) as [
      ExpHistogram,
      ExpHistogram,
      ExpHistogram,
    ]
    const left = mergeHistograms(mergeHistograms(a, b), c)
    const right = mergeHistograms(a, mergeHistograms(b, c))
    expect(left.buckets).toEqual(right.buckets)
    expect({ ...left, sum: 0 }).toEqual({ ...right, sum: 0 })
  })

  it('downscale equals recording at the coarser scale directly', () => {
    const fine = histogramOf(xs, 8)
    for (const target of [7, 6, 3, 0, -3]) {
      expect(downscale(fine, target).buckets).toEqual(histogramOf(xs, target).buckets)
    }
    expect(() => downscale(fine, 9)).toThrow(RangeError)
  })

  it('merges different scales at the coarser one, either way round', () => {
    const a = histogramOf(xs.slice(0, 2000), 6)
    const b = histogramOf(xs.slice(2000), 4)
    const expected = histogramOf(xs, 4)
    for (const merged of [mergeHistograms(a, b), mergeHistograms(b, a)]) {
      expect(merged.scale).toBe(4)
      expect(merged.buckets).toEqual(expected.buckets)
      expect(merged.count).toBe(5000)
    }
  })

  it('mergeInto mutates the target, mergeHistograms does not', () => {
    const a = histogramOf([1, 2, 3])
    const b = histogramOf([4, 5])
    const snapshot = structuredClone(a)
    const merged = mergeHistograms(a, b)
    expect(a).toEqual(snapshot)
    mergeInto(a, b)
    expect(a).toEqual(merged)
    expect(a.min).toBe(1)
    expect(a.max).toBe(5)
  })

  it('merging with an empty histogram keeps min and max', () => {
    const a = histogramOf([7, 9])
    expect(mergeHistograms(emptyHistogram(), a)).toEqual(a)
    expect(mergeHistograms(a, emptyHistogram())).toEqual(a)
  })
})

describe('exceedance counts', () => {
  const rng = createRng(5)
  const xs = Array.from({ length: 20_000 }, () => sampleLognormal(rng, Math.log(100), 0.5))
  const h = histogramOf(xs)

  it('is exact at bucket edges', () => {
    for (const i of [400, 430, 450, 470, 500, 520]) {
      const t = bucketUpperEdge(6, i)
      expect(countAbove(h, t)).toBe(xs.filter((x) => x > t).length)
    }
  })

  it('rounds other thresholds up to the next edge', () => {
    const t = 320
    const snapped = snapToBucketEdge(6, t)
    expect(snapped).toBeGreaterThanOrEqual(t)
    expect(snapped / t).toBeLessThan(histogramBase(6))
    expect(snapToBucketEdge(6, snapped)).toBe(snapped)
    expect(countAbove(h, t)).toBe(xs.filter((x) => x > snapped).length)
    expect(countAbove(h, t)).toBeLessThanOrEqual(xs.filter((x) => x > t).length)
  })

  it('treats thresholds ≤ 0 as the zero-bucket edge', () => {
    const z = histogramOf([-1, 0, 0, 2, 3])
    expect(countAbove(z, 0)).toBe(2)
    expect(countAbove(z, -5)).toBe(2)
    expect(snapToBucketEdge(6, -5)).toBe(0)
  })
})

describe('quantile edge cases', () => {
  it('returns NaN when empty and clamps the zero bucket to [min, max]', () => {
    expect(quantile(emptyHistogram(), 0.5)).toBeNaN()
    expect(quantile(histogramOf([0, 0, 0, 5]), 0.5)).toBe(0)
    // The zero bucket has no resolution: its representative 0 is clamped to max = −1.
    expect(quantile(histogramOf([-4, -2, -1]), 0.5)).toBe(-1)
    expect(quantile(histogramOf([-4, -2, -1]), 0.1)).toBe(-4)
  })

  it('returns the exact value when all values are equal', () => {
    expect(quantile(histogramOf([42, 42, 42]), 0.99)).toBe(42)
  })
})
