/**
 * @module core/gates/srm-look
 * The early SRM look (docs/statistics.md §9.4): one fixed-sample z-test of the challenger's count,
 * taken once, when the stage's exposures first reach the count at which a challenger share off by
 * SRM_PLANNED_SHIFT (relative) would be caught with probability LOOK_POWER.
 *
 * Invariants:
 * - Only with recorded looks (`evaluateGates(e, c, looks)`): srmAlpha is then split (Bonferroni),
 *   MIXTURE_SHARE to the sequential Dirichlet-multinomial test checked every tick and the rest to
 *   this look; without them the mixture keeps the whole srmAlpha.
 * - The trigger is a count fixed by the design share before the stage starts, never by the data.
 * - Taken at most once per stage epoch: a recorded look is never re-taken and a recorded alarm
 *   stays an alarm.
 * - Skipped under sticky routing (`srmLookSkipped`): the mixture then gets the whole srmAlpha.
 */

import { normalCdf, normalQuantile } from '../stats/special'
import { LOOK_POWER, type LookBook, MIXTURE_SHARE, recordedLook } from './planned-look'
import type { PlannedLook } from './types'

/** The relative error of the challenger's share the look is planned to catch (−3%: 10% → 9.7%). */
export const SRM_PLANNED_SHIFT = 0.03
/** The metric name SRM looks are recorded under. */
export const SRM_LOOK_METRIC = 'srm'
/** Sticky (unit-routed) exposures, as a share of N_plan, beyond which the look is skipped (§9.4). */
export const SRM_STICKY_LIMIT = 0.01

/**
 * N_plan, the total exposures at which the look is taken: a share λ(1 ± s) moves z by
 * s·√(λ/(1−λ))·√N, so N_plan = ((z_{1−α_look/2} + z_power) / (s·√(λ/(1−λ))))².
 */
export function srmLookCount(share: number, alphaLook: number): number {
  const drift = SRM_PLANNED_SHIFT * Math.sqrt(share / (1 - share))
  const z = normalQuantile(1 - alphaLook / 2) + normalQuantile(LOOK_POWER)
  return Math.ceil((z / drift) ** 2)
}

/**
 * Whether the look is off for this stage: no look recorded and the stage's sticky exposures exceed
 * SRM_STICKY_LIMIT·N_plan. Sticky routing assigns whole units, so the request counts are
 * overdispersed and N·λ(1−λ) understates their variance. Monotone: the sticky count only grows and
 * N_plan is fixed, so once off the look stays off (the mixture keeps the full srmAlpha), and a look
 * is taken only by a stage that was never off. It reads only the unit-header share, never the
 * challenger's count, so the switch cannot spend α twice (docs/statistics.md §9.4).
 */
export function srmLookSkipped(sticky: number, share: number, srmAlpha: number, book: LookBook): boolean {
  if (recordedLook(book, SRM_LOOK_METRIC, 'srm') !== undefined) return false
  return sticky > SRM_STICKY_LIMIT * srmLookCount(share, (1 - MIXTURE_SHARE) * srmAlpha)
}

/**
 * The SRM look for counts [n_A, n_B] and design share λ ∈ (0, 1): the recorded one, the one taken
 * now (pushed to `book.taken`), or null before N_plan.
 */
export function srmLook(
  nA: number,
  nB: number,
  share: number,
  srmAlpha: number,
  book: LookBook,
  now: number,
): PlannedLook | null {
  const recorded = recordedLook(book, SRM_LOOK_METRIC, 'srm')
  if (recorded !== undefined) return recorded
  const alphaLook = (1 - MIXTURE_SHARE) * srmAlpha
  const total = nA + nB
  const vPlan = srmLookCount(share, alphaLook)
  if (total < vPlan) return null
  const variance = total * share * (1 - share)
  const contrast = nB - total * share
  const z = contrast / Math.sqrt(variance)
  const boundary = normalQuantile(1 - alphaLook / 2)
  const look: PlannedLook = {
    metric: SRM_LOOK_METRIC,
    side: 'srm',
    at: now,
    variance,
    vPlan,
    contrast,
    z,
    boundary,
    decision: Math.abs(z) > boundary ? 'fail' : 'continue',
  }
  book.taken.push(look)
  return look
}

/** The look's two-sided p-value, for the verdict's reason. */
export function srmLookPValue(look: PlannedLook): number {
  return 2 * normalCdf(-Math.abs(look.z))
}
