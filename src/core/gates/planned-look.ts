/**
 * @module core/gates/planned-look
 * The planned FAIL look of the business non-inferiority tests (docs/statistics.md §5.6).
 *
 * Invariants:
 * - Only when the caller passes the looks it recorded for the stage (`evaluateGates(e, c, looks)`).
 *   Without them a business test is the plain mixture at its full level α_k (§5.3), so unplanned
 *   callers and extensions stay valid under any number of looks.
 * - With them, the FAIL level α_k of the test is split (Bonferroni): α_k/4 to the mixture, checked
 *   every tick, and 3α_k/4 to ONE fixed-sample z-look, taken at the first evaluation where the
 *   contrast's variance V̂(m_f) ≤ V_plan (information-based, not clock-based: traffic varies).
 * - A look is taken at most once per metric: a recorded look is never re-taken; a recorded FAIL
 *   stays FAIL. The looks taken by this evaluation are returned for the caller to record before it
 *   acts on the verdict.
 */

import { niContrast } from '../stats/contrast'
import { normalCdf, normalQuantile } from '../stats/special'
import { num } from './format'
import { type NiVerdictInput, type TestLevels, niVerdict, verdict } from './metric-tests'
import type { MetricVerdict, PlannedLook } from './types'

/** The default fail margin of a business gate, as a share of its margin (docs/statistics.md §5.6). */
export const FAIL_MARGIN_FACTOR = 0.55
/** The harm h the look is planned to detect, as a multiple of the margin (2.5·m: −5% at m = 2%). */
export const HARM_FACTOR = 2.5
/** The probability that the look FAILs a challenger exactly h worse (docs/statistics.md §5.6). */
export const LOOK_POWER = 0.65
/** The share of α_k left to the mixture checked every tick; the look spends the rest. */
export const MIXTURE_SHARE = 0.25

/** The looks recorded for the stage, and the ones this evaluation takes (filled in place). */
export interface LookBook {
  recorded: readonly PlannedLook[]
  taken: PlannedLook[]
}

/**
 * V_plan: the contrast's variance at which a challenger h worse than the champion is FAILed by the
 * look with probability LOOK_POWER, √V_plan = (h − m_f)·ȳ_A / (z_{1−α_look} + z_{power}).
 */
export function lookVariance(margin: number, failMargin: number, championMean: number, alphaLook: number): number {
  const gap = (HARM_FACTOR * margin - failMargin) * championMean
  const sd = gap / (normalQuantile(1 - alphaLook) + normalQuantile(LOOK_POWER))
  return sd * sd
}

function lookFail(base: MetricVerdict, look: PlannedLook): MetricVerdict {
  const reason =
    `FAIL: ${base.metric}: worse than the fail margin at the planned look ` +
    `(V̂ = ${num(look.variance)} ≤ V_plan = ${num(look.vPlan)}): z = ${num(look.z)} < ${num(look.boundary)}.`
  return verdict(base, look.contrast, look.boundary * Math.sqrt(look.variance), normalCdf(look.z), 'fail', reason)
}

/** A business NI test with the planned look (docs/statistics.md §5.6); `levels.alphaFail` is α_k. */
export function niWithLook(input: NiVerdictInput, levels: TestLevels, book: LookBook, now: number): MetricVerdict {
  const alphaLook = (1 - MIXTURE_SHARE) * levels.alphaFail
  // A zero margin leaves no room between m_f and h: no look, the mixture keeps the whole level.
  if (!(HARM_FACTOR * input.margin - input.failMargin > 0)) return niVerdict(input, levels)
  const mixture = niVerdict(input, { ...levels, alphaFail: MIXTURE_SHARE * levels.alphaFail })
  const base = { ...mixture, alpha: levels.alphaFail }
  if (base.decision === 'fail') return base
  const recorded = book.recorded.find((l) => l.metric === input.metric)
  if (recorded !== undefined) return recorded.decision === 'fail' ? lookFail(base, recorded) : base
  if (base.decision === 'insufficient_data') return base
  const a = input.champion
  const c = niContrast({
    direction: input.direction,
    marginKind: 'relative',
    margin: input.failMargin,
    champion: a,
    challenger: input.challenger,
  })
  const vPlan = lookVariance(input.margin, input.failMargin, a.mean, alphaLook)
  if (!(c.variance <= vPlan)) return base
  const z = c.estimate / Math.sqrt(c.variance)
  const boundary = -normalQuantile(1 - alphaLook)
  const decision = z < boundary ? 'fail' : 'continue'
  const look: PlannedLook = {
    metric: input.metric,
    at: now,
    variance: c.variance,
    vPlan,
    contrast: c.estimate,
    z,
    boundary,
    decision,
  }
  book.taken.push(look)
  return decision === 'fail' ? lookFail(base, look) : base
}
