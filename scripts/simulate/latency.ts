/**
 * Simulated latency per tick, recorded into a real exponential histogram.
 *
 * Why not one lognormal draw per request: 6,000 draws a minute for a day per run is too slow for
 * thousands of runs. Every latency statistic the gates read lives in the tail (exceedance above
 * t0 ≈ p99, and p99 itself for the naive rule), so the sampler draws, per tick and arm:
 * - k ~ Binomial(n, P(X > c)) requests in the tail above a cut c (a bucket edge near the p97.5 of
 *   the champion), then the bucket of each tail request from the exact lognormal bucket
 *   probabilities (inverse CDF with a guide table), recorded at that bucket's representative value;
 * - the n − k body requests at one value below the cut.
 * So counts above any bucket edge ≥ c are exactly distributed, and p99 by the histogram's own
 * nearest-rank rule is exact too (it is decided above c). Body values (and hence `sum`, `min`)
 * are not realistic; no gate reads them.
 */

import { bucketIndex, bucketUpperEdge, histogramBase, recordValue } from '../../src/core/stats/histogram'
import type { ExpHistogram } from '../../src/core/stats/histogram'
import { sampleBinomial } from '../../src/core/stats/sim/samplers'
import type { Rng } from '../../src/core/stats/sim/prng'
import { normalCdf, normalQuantile } from '../../src/core/stats/special'

/** A precomputed tail sampler for one lognormal arm at one histogram scale. */
export interface TailSampler {
  scale: number
  /** P(X > cut edge). */
  pTail: number
  /** Value recorded for body requests (a bucket representative below the cut). */
  bodyValue: number
  /** Cumulative conditional probabilities of the tail buckets (last entry = 1). */
  cdf: Float64Array
  /** Representative value 2·edge/(1 + base) of each tail bucket, as `quantile` reports it. */
  reps: Float64Array
  /** Guide table: guide[j] = first bucket whose cdf exceeds j/GUIDE (starts each search). */
  guide: Int32Array
  /** Scratch counts per tail bucket for one tick. */
  counts: Int32Array
}

const GUIDE = 1024

const TAIL_MASS_CUTOFF = 1e-13

/**
 * Tail sampler for lognormal(ln median, σ) with the cut at the bucket edge at or above `cutMs`.
 * Buckets run from the cut up to where the remaining mass is < 1e-13 (the last one takes it).
 */
export function tailSampler(medianMs: number, sigma: number, scale: number, cutMs: number): TailSampler {
  const mu = Math.log(medianMs)
  const survival = (x: number) => normalCdf(-(Math.log(x) - mu) / sigma)
  const first = bucketIndex(scale, cutMs)
  const pTail = survival(bucketUpperEdge(scale, first))
  const base = histogramBase(scale)
  const probs: number[] = []
  const reps: number[] = []
  let prev = pTail
  for (let i = first + 1; prev > TAIL_MASS_CUTOFF; i++) {
    const upper = bucketUpperEdge(scale, i)
    const s = survival(upper)
    probs.push(prev - s)
    reps.push((2 * upper) / (1 + base))
    prev = s
  }
  probs[probs.length - 1] = (probs[probs.length - 1] as number) + prev
  const cdf = new Float64Array(probs.length)
  let acc = 0
  probs.forEach((p, j) => {
    acc += p / pTail
    cdf[j] = acc
  })
  cdf[cdf.length - 1] = 1
  const guide = new Int32Array(GUIDE)
  let g = 0
  for (let j = 0; j < GUIDE; j++) {
    while ((cdf[g] as number) <= j / GUIDE) g++
    guide[j] = g
  }
  const bodyEdge = bucketUpperEdge(scale, bucketIndex(scale, medianMs))
  return {
    scale,
    pTail,
    bodyValue: (2 * bodyEdge) / (1 + base),
    cdf,
    reps: Float64Array.from(reps),
    guide,
    counts: new Int32Array(probs.length),
  }
}

/** Cut for a lognormal family whose slowest arm is still near the champion: its p97.5. */
export function defaultCut(medianMs: number, sigma: number): number {
  return medianMs * Math.exp(sigma * normalQuantile(0.975))
}

/**
 * Record one tick of n requests into `h` (and into `mirror`, the cumulative tail counts used for
 * a fast p99). Returns the number of tail requests.
 */
export function recordTick(rng: Rng, t: TailSampler, h: ExpHistogram, n: number, mirror: Float64Array): number {
  if (n <= 0) return 0
  const k = sampleBinomial(rng, n, t.pTail)
  const { cdf, counts, guide } = t
  const last = cdf.length - 1
  for (let j = 0; j < k; j++) {
    // Inverse CDF: the guide table lands at or just below the bucket, then a short walk up.
    const u = rng.uniform()
    let i = guide[Math.floor(u * GUIDE)] as number
    while (u >= (cdf[i] as number)) i++
    counts[i] = (counts[i] as number) + 1
  }
  recordValue(h, t.bodyValue, n - k)
  for (let i = 0; i <= last; i++) {
    const c = counts[i] as number
    if (c === 0) continue
    recordValue(h, t.reps[i] as number, c)
    mirror[i] = (mirror[i] as number) + c
    counts[i] = 0
  }
  return k
}

/**
 * The nearest-rank p99 of the histogram, computed from the tail mirror in O(buckets) without
 * sorting keys; equal to `quantile(h, 0.99)` whenever the rank is above the cut and not the
 * first or last (the unit test checks this).
 */
export function p99FromMirror(t: TailSampler, h: ExpHistogram, mirror: Float64Array): number {
  const rank = Math.min(h.count, Math.max(1, Math.ceil(0.99 * h.count)))
  let seen = h.count - sumOf(mirror)
  if (rank <= seen) return t.bodyValue
  for (let i = 0; i < mirror.length; i++) {
    seen += mirror[i] as number
    if (seen >= rank) return t.reps[i] as number
  }
  return h.max
}

function sumOf(a: Float64Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] as number
  return s
}
