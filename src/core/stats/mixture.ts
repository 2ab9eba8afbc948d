/**
 * The normal-mixture martingale (mSPRT / confidence sequence) in closed form: the one-sided
 * boundary B_α(V), its tuning constant c_α, and the half-normal-mixture always-valid p-value.
 *
 * Invariant: for an asymptotically normal estimate D̂ with variance V of an effect whose true value
 * is ≤ 0, P(∃ n: D̂_n > B_α(V_n)) ≤ α, whatever the number of looks. τ² (the mixing variance) must
 * be fixed before the test; validity does not depend on it, only speed does.
 *
 * Source: docs/statistics.md §4.1 (mSPRT), §4.5 (multiplier table), §4.2–4.3 (boundary, half-normal p-value),
 * §4.4 (τ² = c_α·V_plan).
 */

import { logNormalCdf } from './special'

function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 0.5)) throw new RangeError('one-sided alpha must be in (0, 0.5)')
}

/**
 * c_α = −2 ln(2α) + ln(1 − 2 ln(2α)) for a one-sided test (6.33 at α = 0.05). With τ² = c_α·V the
 * boundary is near its tightest at variance V. For a two-sided test pass α/2.
 */
export function cAlpha(alpha: number): number {
  checkAlpha(alpha)
  const l = -2 * Math.log(2 * alpha)
  return l + Math.log(1 + l)
}

/** τ² = c_α·V_plan: the mixing variance that makes the boundary tightest at the planned horizon. */
export function tau2ForHorizon(alpha: number, vPlan: number): number {
  return cAlpha(alpha) * vPlan
}

/**
 * One-sided normal-mixture boundary
 * B_α(V) = sqrt( 2V(V+τ²)/τ² · ln(1 + sqrt((V+τ²)/V)/(2α)) ).
 *
 * Returns 0 for V = 0 (its limit) and +Infinity for τ² ≤ 0 (no mixing mass, no power). The closed
 * form is a slightly conservative inversion of `alwaysValidPValue` (p < α already at D̂ = B).
 *
 * @example mixtureBoundary(1, cAlpha(0.05), 0.05) // ≈ 2.779 (the multiplier at the optimum)
 */
export function mixtureBoundary(V: number, tau2: number, alpha: number): number {
  checkAlpha(alpha)
  if (!(tau2 > 0)) return Number.POSITIVE_INFINITY
  if (V === 0) return 0
  if (!(V > 0)) return Number.NaN
  const ratio = Math.sqrt((V + tau2) / V)
  return Math.sqrt(((2 * V * (V + tau2)) / tau2) * Math.log(1 + ratio / (2 * alpha)))
}

/**
 * ln Λ⁺: log of the half-normal mixture likelihood ratio for an effect d ≥ 0 vs d = 0,
 * Λ⁺ = 2·sqrt(V/(V+τ²))·exp(τ²d²/(2V(V+τ²)))·Φ(τd/sqrt(V(V+τ²))). Computed in logs so that large
 * evidence does not overflow.
 */
export function logHalfNormalMixture(d: number, V: number, tau2: number): number {
  const s = V * (V + tau2)
  return (
    Math.LN2 +
    0.5 * Math.log(V / (V + tau2)) +
    (tau2 * d * d) / (2 * s) +
    logNormalCdf((Math.sqrt(tau2) * d) / Math.sqrt(s))
  )
}

/**
 * One-sided always-valid p-value min(1, 1/Λ⁺) for "the effect is > 0", given the shifted estimate
 * d (e.g. D̂(m)), its variance V and the mixing variance τ². Clamped to [0, 1]; degenerate inputs
 * (V ≤ 0 or τ² ≤ 0) give 1. This is the per-look value: the running minimum over looks
 * (p_n = min(p_{n−1}, ·)) is the caller's state, like decision stickiness.
 */
export function alwaysValidPValue(d: number, V: number, tau2: number): number {
  if (!(V > 0) || !(tau2 > 0) || Number.isNaN(d)) return 1
  const p = Math.exp(-logHalfNormalMixture(d, V, tau2))
  return p > 1 ? 1 : p < 0 ? 0 : p
}
