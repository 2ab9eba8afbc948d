/**
 * Running moments (n, mean, M2) of one metric in one arm: the whole sufficient statistic the
 * sequential tests need.
 *
 * Invariant: `Moments` is plain JSON data; every function returns a new object; `mergeMoments` is
 * exact up to floating point and associative, so shards can be merged in any order. M2 is the sum
 * of squared deviations from the mean (never negative).
 *
 * Source: docs/statistics.md §5.2 (Welford updates, Chan et al. merge, sums and proportions forms).
 */

/** Count, mean and sum of squared deviations from the mean (Welford's M2). */
export interface Moments {
  n: number
  mean: number
  m2: number
}

/** The moments of no observations. */
export function emptyMoments(): Moments {
  return { n: 0, mean: 0, m2: 0 }
}

/**
 * Add one observation (Welford). Pure: returns a new object.
 *
 * @example addValue(addValue(emptyMoments(), 1), 3) // { n: 2, mean: 2, m2: 2 }
 */
export function addValue(m: Moments, x: number): Moments {
  const n = m.n + 1
  const delta = x - m.mean
  const mean = m.mean + delta / n
  return { n, mean, m2: m.m2 + delta * (x - mean) }
}

/**
 * Combine the moments of two disjoint samples (Chan, Golub & LeVeque). Exact up to rounding,
 * commutative and associative, so per-shard state merges to the state of the union.
 */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (b.n === 0) return { ...a }
  if (a.n === 0) return { ...b }
  const n = a.n + b.n
  const delta = b.mean - a.mean
  // Weighted mean rather than `a.mean + delta * b.n / n`: symmetric in a and b, so the merge
  // result does not depend on argument order.
  const mean = (a.n * a.mean + b.n * b.mean) / n
  return { n, mean, m2: a.m2 + b.m2 + ((delta * delta * a.n) / n) * b.n }
}

/**
 * Moments from plain sums (n, Σy, Σy²). Only safe when mean² is not much larger than the variance
 * (catastrophic cancellation otherwise), which is why the gate stores Welford state instead.
 */
export function momentsFromSums(n: number, sum: number, sumSq: number): Moments {
  if (n <= 0) return emptyMoments()
  return { n, mean: sum / n, m2: Math.max(0, sumSq - (sum * sum) / n) }
}

/**
 * Moments of a 0/1 metric with x successes out of n: mean = x/n, M2 = x − x²/n, so the sample
 * variance is p̂(1 − p̂)·n/(n − 1).
 */
export function momentsFromProportion(x: number, n: number): Moments {
  if (n <= 0) return emptyMoments()
  return { n, mean: x / n, m2: Math.max(0, x - (x * x) / n) }
}

/** Sample variance s² = M2/(n − 1); 0 when n < 2 (no spread can be estimated yet). */
export function variance(m: Moments): number {
  return m.n < 2 ? 0 : m.m2 / (m.n - 1)
}

/** Variance of the mean v = s²/n; 0 when n < 2. */
export function varianceOfMean(m: Moments): number {
  return m.n < 2 ? 0 : m.m2 / (m.n - 1) / m.n
}
