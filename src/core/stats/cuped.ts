/**
 * CUPED: variance reduction of a two-arm contrast with a pre-exposure covariate x (Deng, Xu, Kohavi
 * & Walker 2013). Each arm's outcome mean is replaced by ȳ − θ(x̄ − x̄_pooled) with one pooled θ;
 * since x is measured before assignment, E[x̄_challenger − x̄_champion] = 0 and the contrast keeps
 * its expectation while its variance shrinks by about 1 − ρ².
 *
 * Source: docs/statistics.md §5.8 (derivation, pooled θ, validity, missing covariates).
 */
import { type Moments, emptyMoments } from './moments'

/**
 * Moments with a covariate from plain sums over the same n units. For a 0/1 metric pass
 * sumYSq = sumY. Same cancellation caveat as `momentsFromSums` (./moments).
 */
export function momentsWithCovariate(
  n: number,
  sumY: number,
  sumYSq: number,
  sumX: number,
  sumXSq: number,
  sumXY: number,
): Moments {
  if (n <= 0) return emptyMoments()
  return {
    n,
    mean: sumY / n,
    m2: Math.max(0, sumYSq - (sumY * sumY) / n),
    // The co-moment may be negative: no clamp.
    x: { mean: sumX / n, m2: Math.max(0, sumXSq - (sumX * sumX) / n), c: sumXY - (sumX * sumY) / n },
  }
}

/**
 * Add one unit (outcome y, covariate x) to moments that carry a covariate (bivariate Welford).
 * Moments without a covariate are treated as carrying none only when empty; otherwise the covariate
 * stays absent (the earlier units had none).
 */
export function addPair(m: Moments, y: number, x: number): Moments {
  const n = m.n + 1
  if (m.n > 0 && m.x === undefined) {
    const dy = y - m.mean
    const mean = m.mean + dy / n
    return { n, mean, m2: m.m2 + dy * (y - mean) }
  }
  const mx = m.x ?? { mean: 0, m2: 0, c: 0 }
  const dy = y - m.mean
  const dx = x - mx.mean
  const mean = m.mean + dy / n
  const xMean = mx.mean + dx / n
  return {
    n,
    mean,
    m2: m.m2 + dy * (y - mean),
    x: { mean: xMean, m2: mx.m2 + dx * (x - xMean), c: mx.c + dx * (y - mean) },
  }
}

export interface CupedResult {
  /** Adjusted moments (no `x`): mean ȳ − θ(x̄ − x̄_pooled), M2 = M2_y − 2θc + θ²M2_x. */
  champion: Moments
  challenger: Moments
  /** Pooled regression slope Σc / ΣM2_x over both arms. */
  theta: number
  /** Pooled within-arm correlation of x and y: Σc / √(ΣM2_x · ΣM2_y); 0 when y has no spread. */
  rho: number
}

/**
 * Adjust both arms with one pooled θ. Null (use the plain test) when either arm lacks a covariate
 * or the pooled covariate has no spread (θ undefined).
 */
export function cupedAdjust(champion: Moments, challenger: Moments): CupedResult | null {
  const a = champion.x
  const b = challenger.x
  if (a === undefined || b === undefined) return null
  const n = champion.n + challenger.n
  const sxx = a.m2 + b.m2
  if (n <= 0 || !(sxx > 0) || !Number.isFinite(sxx)) return null
  const theta = (a.c + b.c) / sxx
  if (!Number.isFinite(theta)) return null
  const xPooled = (champion.n * a.mean + challenger.n * b.mean) / n
  const adjust = (m: Moments, x: NonNullable<Moments['x']>): Moments => ({
    n: m.n,
    mean: m.mean - theta * (x.mean - xPooled),
    // ≥ 0 in exact arithmetic (Cauchy–Schwarz per arm when θ is that arm's slope; a sum of squares
    // of the residuals y − θx for any θ); the clamp only absorbs rounding.
    m2: Math.max(0, m.m2 - 2 * theta * x.c + theta * theta * x.m2),
  })
  const syy = champion.m2 + challenger.m2
  const rho = syy > 0 ? (a.c + b.c) / Math.sqrt(sxx * syy) : 0
  return { champion: adjust(champion, a), challenger: adjust(challenger, b), theta, rho }
}
