/**
 * Mergeable exponential histogram with Prometheus-native / OpenTelemetry indexing.
 *
 * Invariants:
 * - base = 2^(2^−scale); bucket index i covers (base^(i−1), base^i] (Prometheus convention; the
 *   OTel index is i − 1). Values ≤ 0 are counted in `zeroCount`.
 * - Bucket edges come from one table per scale, and `bucketIndex` is defined by comparisons
 *   against that same table, so a value equal to `bucketUpperEdge(scale, i)` always lands in
 *   bucket i (no log-rounding drift at exact powers of the base).
 * - Merging is exact bucket addition: the merge of shard histograms deep-equals the histogram of
 *   the union, in any order. Downscaling by d maps index i to ceil(i / 2^d), which equals
 *   recording at the coarser scale directly.
 * - State is plain JSON: empty histograms store min = max = 0 (not ±Infinity, which JSON drops).
 *
 * Source: docs/statistics.md §11.1–11.3 (exponential histogram, relative error (base−1)/(base+1), merging by
 * downscaling) and §11.4 (exceedance counts exact on bucket edges).
 */

/** Sparse exponential histogram; `buckets` maps a bucket index (as a string) to its count. */
export interface ExpHistogram {
  scale: number
  buckets: Record<string, number>
  zeroCount: number
  count: number
  sum: number
  min: number
  max: number
}

/** Supported scales: the Prometheus native-histogram schema range. */
export const MIN_SCALE = -4
export const MAX_SCALE = 8

// Scratch buffer for reading the IEEE-754 exponent without allocating (hot path).
const F64 = new Float64Array(1)
const U32 = new Uint32Array(F64.buffer)
F64[0] = 1
const HI = U32[1] === 0x3ff00000 ? 1 : 0
const TWO_POW_64 = 2 ** 64
const MIN_NORMAL = 2 ** -1022

// EDGES[scale][j] = 2^(j / 2^scale) for j = 0..2^scale. Built lazily, once per scale. Entry
// 2j at scale s is computed from the same double j/2^(s−1) as entry j at scale s − 1, so edges
// coincide across scales and downscaling is exact.
const EDGES: (Float64Array | undefined)[] = []

function edgeTable(scale: number): Float64Array {
  let t = EDGES[scale]
  if (t === undefined) {
    checkScale(scale)
    const size = 2 ** scale
    t = new Float64Array(size + 1)
    for (let j = 0; j <= size; j++) t[j] = 2 ** (j / size)
    t[0] = 1
    t[size] = 2
    EDGES[scale] = t
  }
  return t
}

function checkScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < MIN_SCALE || scale > MAX_SCALE) {
    throw new RangeError(`histogram scale must be an integer in [${MIN_SCALE}, ${MAX_SCALE}]`)
  }
}

/** The bucket growth factor base = 2^(2^−scale) (1.0109 at scale 6). */
export function histogramBase(scale: number): number {
  checkScale(scale)
  return scale > 0 ? (edgeTable(scale)[1] as number) : 2 ** (2 ** -scale)
}

/** The guaranteed relative error of `quantile`: (base − 1)/(base + 1) (0.54% at scale 6). */
export function relativeError(scale: number): number {
  const base = histogramBase(scale)
  return (base - 1) / (base + 1)
}

/** An empty histogram. Scale 6 (±0.54%) is the default; scale 5 gives ±1.08%. */
export function emptyHistogram(scale = 6): ExpHistogram {
  checkScale(scale)
  return { scale, buckets: {}, zeroCount: 0, count: 0, sum: 0, min: 0, max: 0 }
}

/**
 * The index of the bucket holding `value` (> 0): the i with base^(i−1) < value ≤ base^i.
 * Values ≤ 0 have no bucket (they go to the zero count); this returns −Infinity for them.
 */
export function bucketIndex(scale: number, value: number): number {
  if (!(value > 0)) return Number.NEGATIVE_INFINITY
  if (value === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY
  // Split value = mant · 2^exp with mant in [1, 2), exactly, from the IEEE bits.
  let v = value
  let shift = 0
  if (v < MIN_NORMAL) {
    v *= TWO_POW_64
    shift = 64
  }
  F64[0] = v
  const hi = U32[HI] as number
  const exp = ((hi >>> 20) & 0x7ff) - 1023 - shift
  U32[HI] = (hi & 0x000fffff) | 0x3ff00000
  const mant = F64[0] as number
  if (scale <= 0) {
    checkScale(scale) // cheap, and this branch has no table lookup to catch a bad scale
    // Whole octaves per bucket: log2(value) is exactly exp when mant = 1, else in (exp, exp+1).
    const k = 2 ** -scale
    return mant === 1 ? Math.ceil(exp / k) : Math.floor(exp / k) + 1
  }
  const table = edgeTable(scale)
  const size = table.length - 1
  // Start from the log estimate, then settle against the table: table[j−1] < mant ≤ table[j].
  let j = Math.ceil(Math.log2(mant) * size)
  while (j > 0 && mant <= (table[j - 1] as number)) j--
  while (mant > (table[j] as number)) j++
  return exp * size + j
}

/** The inclusive upper edge base^index of bucket `index`. */
export function bucketUpperEdge(scale: number, index: number): number {
  checkScale(scale)
  if (scale <= 0) return 2 ** (index * 2 ** -scale)
  const table = edgeTable(scale)
  const size = table.length - 1
  const exp = Math.floor(index / size)
  return (table[index - exp * size] as number) * 2 ** exp
}

/**
 * The smallest bucket edge ≥ t (t itself when t is an edge); 0 for t ≤ 0 (the zero bucket's edge).
 * Fix tail-test thresholds with this so that exceedance counts are exact.
 */
export function snapToBucketEdge(scale: number, t: number): number {
  if (!(t > 0)) return 0
  return bucketUpperEdge(scale, bucketIndex(scale, t))
}

/**
 * Record `value` `times` times. Mutates `h` (hot path: no allocation beyond a new bucket key).
 * Non-finite values are ignored so that one NaN cannot poison `sum`, `min` and `max`.
 */
export function recordValue(h: ExpHistogram, value: number, times = 1): void {
  if (!Number.isFinite(value) || !(times > 0)) return
  if (h.count === 0) {
    h.min = value
    h.max = value
  } else if (value < h.min) {
    h.min = value
  } else if (value > h.max) {
    h.max = value
  }
  h.count += times
  h.sum += value * times
  if (value <= 0) {
    h.zeroCount += times
    return
  }
  const key = bucketIndex(h.scale, value)
  h.buckets[key] = (h.buckets[key] ?? 0) + times
}

/** A deep copy (buckets included). */
export function cloneHistogram(h: ExpHistogram): ExpHistogram {
  return { ...h, buckets: { ...h.buckets } }
}

function downscaleBuckets(buckets: Record<string, number>, by: number): Record<string, number> {
  const out: Record<string, number> = {}
  const k = 2 ** by
  for (const key in buckets) {
    // Bucket i at scale s lies inside bucket ceil(i / 2^by) at scale s − by.
    const target = Math.ceil(Number(key) / k)
    out[target] = (out[target] ?? 0) + (buckets[key] as number)
  }
  return out
}

/**
 * The same data at a coarser scale (newScale ≤ h.scale). Pure; exact (it equals recording every
 * value at `newScale` directly).
 */
export function downscale(h: ExpHistogram, newScale: number): ExpHistogram {
  checkScale(newScale)
  if (newScale > h.scale) throw new RangeError('cannot upscale a histogram')
  if (newScale === h.scale) return cloneHistogram(h)
  return { ...h, scale: newScale, buckets: downscaleBuckets(h.buckets, h.scale - newScale) }
}

/**
 * Add `src` into `target` (mutating `target`). If the scales differ the result takes the coarser
 * scale: `target` is downscaled in place when `src` is coarser.
 */
export function mergeInto(target: ExpHistogram, src: ExpHistogram): void {
  if (src.count === 0 && src.scale >= target.scale) return
  if (src.scale < target.scale) {
    target.buckets = downscaleBuckets(target.buckets, target.scale - src.scale)
    target.scale = src.scale
  }
  const by = src.scale - target.scale
  const buckets = by === 0 ? src.buckets : downscaleBuckets(src.buckets, by)
  for (const key in buckets) {
    target.buckets[key] = (target.buckets[key] ?? 0) + (buckets[key] as number)
  }
  if (src.count === 0) return
  if (target.count === 0) {
    target.min = src.min
    target.max = src.max
  } else {
    target.min = Math.min(target.min, src.min)
    target.max = Math.max(target.max, src.max)
  }
  target.count += src.count
  target.zeroCount += src.zeroCount
  target.sum += src.sum
}

/**
 * The merge of two histograms (pure, exact, commutative and associative up to the floating-point
 * `sum`). Different scales merge at the coarser one.
 */
export function mergeHistograms(a: ExpHistogram, b: ExpHistogram): ExpHistogram {
  const out = cloneHistogram(a)
  mergeInto(out, b)
  return out
}

/**
 * The nearest-rank position used by `quantile`: ceil(q·count), clamped to [1, count].
 * The exact "nearest-rank" q-quantile is the value at this (1-based) position of the sorted data.
 */
export function quantileRank(q: number, count: number): number {
  return Math.min(count, Math.max(1, Math.ceil(q * count)))
}

/**
 * The q-quantile (nearest-rank rule) with relative error ≤ (base − 1)/(base + 1) against the exact
 * nearest-rank quantile: the representative 2·base^i/(1 + base) of the bucket holding rank
 * ceil(q·count), clamped to [min, max]. Ranks in the zero bucket return 0 clamped to [min, max];
 * the first and last ranks return the exact min and max.
 * Returns NaN for an empty histogram.
 */
export function quantile(h: ExpHistogram, q: number): number {
  if (h.count === 0 || Number.isNaN(q)) return Number.NaN
  const rank = quantileRank(q, h.count)
  // The extreme ranks are known exactly.
  if (rank === 1) return h.min
  if (rank === h.count) return h.max
  if (rank <= h.zeroCount) return clamp(0, h.min, h.max)
  const keys = Object.keys(h.buckets)
    .map(Number)
    .sort((x, y) => x - y)
  const base = histogramBase(h.scale)
  let seen = h.zeroCount
  for (const key of keys) {
    seen += h.buckets[key] ?? 0
    if (seen >= rank) {
      return clamp((2 * bucketUpperEdge(h.scale, key)) / (1 + base), h.min, h.max)
    }
  }
  return h.max
}

/**
 * Number of recorded values strictly greater than `threshold`.
 *
 * Exact when `threshold` is a bucket edge (see `snapToBucketEdge`). Otherwise the threshold is
 * rounded UP to the nearest bucket edge at or above it, so the result is #{x > snapped threshold},
 * which can undercount #{x > threshold} by the values lying between the two. Thresholds ≤ 0 snap
 * to 0 (the zero bucket holds every value ≤ 0 without finer detail).
 */
export function countAbove(h: ExpHistogram, threshold: number): number {
  if (!(threshold > 0)) return h.count - h.zeroCount
  const edgeIndex = bucketIndex(h.scale, threshold)
  let above = 0
  for (const key in h.buckets) {
    if (Number(key) > edgeIndex) above += h.buckets[key] as number
  }
  return above
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x
}
