/**
 * Samplers for simulations: uniform, normal, lognormal, exponential, binomial, Poisson and
 * multinomial.
 *
 * Invariant: each sampler is a pure function of the generator state (same seed, same draws).
 * Binomial and Poisson are exact (inversion searched outward from the mode, O(sd) steps) up to
 * variance 1e7; beyond that they switch to a rounded normal approximation, whose error is
 * negligible at that size (skewness < 3e-4) but which is no longer exact.
 *
 * Source: docs/statistics.md §13.1 and §14 (exact Binomial/Poisson counts per tick; multinomial by conditional binomials).
 */

import { lgamma } from '../special'
import type { Rng } from './prng'

/** Above this variance binomial/Poisson use the normal approximation. */
export const EXACT_VARIANCE_LIMIT = 1e7

/** Uniform on [lo, hi). */
export function sampleUniform(rng: Rng, lo = 0, hi = 1): number {
  return lo + (hi - lo) * rng.uniform()
}

/** Normal(mean, sd) by Box–Muller (one draw per call; the sine partner is discarded). */
export function sampleNormal(rng: Rng, mean = 0, sd = 1): number {
  const u1 = 1 - rng.uniform() // (0, 1]: keeps log finite
  const u2 = rng.uniform()
  return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
}

/** Lognormal: exp(Normal(mu, sigma)). */
export function sampleLognormal(rng: Rng, mu: number, sigma: number): number {
  return Math.exp(sampleNormal(rng, mu, sigma))
}

/** Exponential with the given rate. */
export function sampleExponential(rng: Rng, rate: number): number {
  return -Math.log(1 - rng.uniform()) / rate
}

/**
 * Binomial(n, p). Exact by inversion searched alternately down and up from the mode (any fixed
 * order of outcomes is a valid inversion), so the cost is O(sd) per draw.
 */
export function sampleBinomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0
  if (p >= 1) return n
  const q = 1 - p
  const varNpq = n * p * q
  if (varNpq > EXACT_VARIANCE_LIMIT) {
    const x = Math.round(sampleNormal(rng, n * p, Math.sqrt(varNpq)))
    return Math.min(n, Math.max(0, x))
  }
  const mode = Math.min(n, Math.floor((n + 1) * p))
  const logF = lgamma(n + 1) - lgamma(mode + 1) - lgamma(n - mode + 1)
  const fMode = Math.exp(logF + mode * Math.log(p) + (n - mode) * Math.log1p(-p))
  const pq = p / q
  const down = (k: number) => k / (n - k + 1) / pq
  const up = (k: number) => ((n - k) / (k + 1)) * pq
  return searchFromMode(rng, mode, fMode, n, down, up)
}

/** Poisson(lambda), exact by inversion from the mode (normal approximation above 1e7). */
export function samplePoisson(rng: Rng, lambda: number): number {
  if (!(lambda > 0)) return 0
  if (lambda > EXACT_VARIANCE_LIMIT) {
    return Math.max(0, Math.round(sampleNormal(rng, lambda, Math.sqrt(lambda))))
  }
  const mode = Math.floor(lambda)
  const fMode = Math.exp(mode * Math.log(lambda) - lambda - lgamma(mode + 1))
  const down = (k: number) => k / lambda
  const up = (k: number) => lambda / (k + 1)
  return searchFromMode(rng, mode, fMode, Infinity, down, up)
}

/**
 * Exact inversion of one uniform draw, searched outward from the mode of a distribution on
 * [0, max]: the probabilities of k = mode, mode − 1, mode + 1, … are subtracted in turn until the
 * draw is used up. P(mode) is `fMode`; P(k − 1) = P(k) · `down(k)` and P(k + 1) = P(k) · `up(k)`.
 */
function searchFromMode(
  rng: Rng,
  mode: number,
  fMode: number,
  max: number,
  down: (k: number) => number,
  up: (k: number) => number,
): number {
  let u = rng.uniform() - fMode
  if (u <= 0) return mode
  let kd = mode
  let fd = fMode
  let ku = mode
  let fu = fMode
  for (;;) {
    const canDown = kd > 0 && fd > 0
    const canUp = ku < max && fu > 0
    if (!canDown && !canUp) return mode // rounding left a sliver of mass: give it to the mode
    if (canDown) {
      fd *= down(kd)
      kd--
      u -= fd
      if (u <= 0) return kd
    }
    if (canUp) {
      fu *= up(ku)
      ku++
      u -= fu
      if (u <= 0) return ku
    }
  }
}

/** Multinomial(n, probs) by conditional binomials; `probs` need not be normalised. */
export function sampleMultinomial(rng: Rng, n: number, probs: readonly number[]): number[] {
  const out: number[] = []
  let remaining = n
  let mass = probs.reduce((s, x) => s + x, 0)
  for (const pr of probs) {
    const x = remaining > 0 && mass > 0 ? sampleBinomial(rng, remaining, Math.min(1, pr / mass)) : 0
    out.push(x)
    remaining -= x
    mass -= pr
  }
  return out
}
