/**
 * Non-inferiority contrasts D̂(m) and their variance from per-arm running moments, and the
 * planned-horizon choice of τ².
 *
 * Invariant: D(m) > 0 ⇔ the challenger is within margin m of the champion. Relative margins use
 * the linear (Fieller-type) contrast, an exact difference of independent means (no ratio
 * approximation), and assume a positive champion mean. Margins are ≥ 0 (a relative margin for a
 * higher-is-better metric is < 1).
 *
 * Source: docs/statistics.md §5.1 (contrast table) and §4.4 (τ² by planned horizon, τ by margin).
 */

import { cAlpha } from './mixture'
import { type Moments, varianceOfMean } from './moments'
import type { Direction, MarginKind } from './types'

/** What a non-inferiority claim is about: orientation, margin kind and margin. */
export interface MarginSpec {
  direction: Direction
  marginKind: MarginKind
  margin: number
}

/** Input of `niContrast`. */
export interface ContrastInput extends MarginSpec {
  champion: Moments
  challenger: Moments
}

/** D̂(m) and its variance V(m). */
export interface Contrast {
  estimate: number
  variance: number
}

/** Check a margin; exported for the tests that take a margin and a fail margin. */
export function checkMargin(spec: MarginSpec, name = 'margin'): void {
  const { margin } = spec
  if (!(margin >= 0) || !Number.isFinite(margin)) {
    throw new RangeError(`${name} must be a finite number ≥ 0`)
  }
  if (spec.marginKind === 'relative' && spec.direction === 'higher_is_better' && margin >= 1) {
    throw new RangeError(`relative ${name} for a higher-is-better metric must be < 1`)
  }
}

/** The weight k on the champion mean: 1 − m, 1 + m (relative) or 1 (absolute). */
function championWeight(spec: MarginSpec): number {
  if (spec.marginKind === 'absolute') return 1
  return spec.direction === 'higher_is_better' ? 1 - spec.margin : 1 + spec.margin
}

/**
 * The acceptability contrast of docs/statistics.md §5.1:
 * - higher is better: D̂ = ȳ_B − (1−m)ȳ_A (relative) or ȳ_B − ȳ_A + m (absolute);
 * - lower is better:  D̂ = (1+m)ȳ_A − ȳ_B (relative) or ȳ_A − ȳ_B + m (absolute);
 * with V = v_B + k²·v_A, v = s²/n, k the champion weight.
 *
 * @example niContrast({ direction: 'higher_is_better', marginKind: 'relative', margin: 0.02,
 *   champion: momentsFromProportion(500, 10_000), challenger: momentsFromProportion(50, 1_000) })
 */
export function niContrast(input: ContrastInput): Contrast {
  checkMargin(input)
  const k = championWeight(input)
  const a = input.champion.mean
  const b = input.challenger.mean
  const offset = input.marginKind === 'absolute' ? input.margin : 0
  const estimate = input.direction === 'higher_is_better' ? b - k * a + offset : k * a - b + offset
  const variance = varianceOfMean(input.challenger) + k * k * varianceOfMean(input.champion)
  return { estimate, variance }
}

/** Historical per-observation variance s² of one arm and its planned sample size at the cap. */
export interface ArmPlan {
  variance: number
  n: number
}

/** Input of `planVariance` / `planTau2`. */
export interface PlanInput extends MarginSpec {
  champion: ArmPlan
  challenger: ArmPlan
}

/**
 * V_plan = s_B²/N_B + k²·s_A²/N_A: the variance of D̂ expected at the planned cap. Use the
 * champion's historical variance for both arms when the challenger has no history (for a
 * proportion p, s² = p(1 − p)).
 */
export function planVariance(input: PlanInput): number {
  checkMargin(input)
  const k = championWeight(input)
  return input.challenger.variance / input.challenger.n + (k * k * input.champion.variance) / input.champion.n
}

/**
 * τ² = c_α·V_plan (docs/statistics.md §4.4; a library option: the gates use the margin scale instead): the boundary is tightest at the planned cap.
 * Compute it once, before the test, with the α of the side it is for (pass or fail, and the fail
 * test with its own margin m_f).
 */
export function planTau2(input: PlanInput & { alpha: number }): number {
  return cAlpha(input.alpha) * planVariance(input)
}

/**
 * τ² = (m·μ_A)² for a relative margin, m² for an absolute one (docs/statistics.md §4.4 "margin scale"): prior mass on
 * effects of the size of the margin. An alternative to `planTau2`, not the default.
 */
export function tau2FromMargin(input: MarginSpec & { championMean: number }): number {
  checkMargin(input)
  const tau = input.marginKind === 'relative' ? input.margin * input.championMean : input.margin
  return tau * tau
}
