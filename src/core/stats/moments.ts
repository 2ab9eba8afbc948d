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

/**
 * Count, mean and sum of squared deviations from the mean (Welford's M2). `x`, when present, holds
 * a pre-exposure covariate over the same n units (docs/statistics.md §5.8).
 */
export interface Moments {
  n: number
  mean: number
  m2: number
  x?: CovariateMoments
}

/** The covariate's mean and M2 over the same units, and the co-moment c = Σ(x − x̄)(y − ȳ). */
export interface CovariateMoments {
  mean: number
  m2: number
  c: number
}

/** The moments of no observations. */
export function emptyMoments(): Moments {
  return { n: 0, mean: 0, m2: 0 }
}

/**
 * Add one observation (Welford). Pure: returns a new object. Drops a covariate (its n would no
 * longer match): use `addPair` (./cuped) to add a unit with its covariate.
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
  // An empty sample is the identity, with or without a covariate.
  if (b.n === 0) return copyMoments(a)
  if (a.n === 0) return copyMoments(b)
  const n = a.n + b.n
  const delta = b.mean - a.mean
  // Weighted mean rather than `a.mean + delta * b.n / n`: symmetric in a and b, so the merge
  // result does not depend on argument order.
  const mean = (a.n * a.mean + b.n * b.mean) / n
  const merged: Moments = { n, mean, m2: a.m2 + b.m2 + ((delta * delta * a.n) / n) * b.n }
  // The covariate survives only when both sides carry it: otherwise its n would not be the metric's n.
  if (a.x !== undefined && b.x !== undefined) {
    const dx = b.x.mean - a.x.mean
    const w = (a.n / n) * b.n
    merged.x = {
      mean: (a.n * a.x.mean + b.n * b.x.mean) / n,
      m2: a.x.m2 + b.x.m2 + dx * dx * w,
      c: a.x.c + b.x.c + dx * delta * w,
    }
  }
  return merged
}

function copyMoments(m: Moments): Moments {
  return m.x === undefined ? { n: m.n, mean: m.mean, m2: m.m2 } : { n: m.n, mean: m.mean, m2: m.m2, x: { ...m.x } }
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
