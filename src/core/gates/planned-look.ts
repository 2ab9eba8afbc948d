/**
 * @module core/gates/planned-look
 * The planned looks of the business non-inferiority tests: FAIL (docs/statistics.md §5.6) and PASS (§5.7).
 *
 * Invariants:
 * - Only when the caller passes the looks it recorded for the stage (`evaluateGates(e, c, looks)`).
 *   Without them a business test is the plain mixture at its full level α_k (§5.3), so unplanned
 *   callers and extensions stay valid under any number of looks.
 * - With them, the FAIL level α_k of the test is split (Bonferroni): α_k/4 to the mixture, checked
 *   every tick, and 3α_k/4 to ONE fixed-sample z-look, taken at the first evaluation where the
 *   contrast's variance V̂(m_f) ≤ V_plan (information-based, not clock-based: traffic varies).
 * - The PASS level α_pass is split the same way: α_pass/4 to the mixture and 3α_pass/4 to ONE
 *   z-look at the first evaluation after the stage's minimum duration (§5.7).
 * - A look is taken at most once per metric and side: a recorded look is never re-taken; a
 *   recorded FAIL stays FAIL and a recorded PASS stays PASS (a FAIL still wins over it). The
 *   looks taken by this evaluation are returned for the caller to record before it acts.
 */

import { niContrast } from '../stats/contrast'
import { normalCdf, normalQuantile } from '../stats/special'
import { num } from './format'
import { type NiVerdictInput, type TestLevels, niVerdict, verdict } from './metric-tests'
import type { LookSide, MetricVerdict, PlannedLook } from './types'

/** The default fail margin of a business gate, as a share of its margin (docs/statistics.md §5.6). */
export const FAIL_MARGIN_FACTOR = 0.55
/** The harm h the look is planned to detect, as a multiple of the margin (2.5·m: −5% at m = 2%). */
export const HARM_FACTOR = 2.5
/** The probability that the look FAILs a challenger exactly h worse (docs/statistics.md §5.6). */
export const LOOK_POWER = 0.65
/** The share of α_k left to the mixture checked every tick; the look spends the rest. */
export const MIXTURE_SHARE = 0.25

/**
 * The looks recorded for the stage, and the ones this evaluation takes (filled in place).
 * `passReady`: the stage's minimum duration has elapsed, so this is when the PASS look is due.
 */
export interface LookBook {
  recorded: readonly PlannedLook[]
  taken: PlannedLook[]
  passReady: boolean
  /**
   * The sides the stage was planned with (docs/statistics.md §5.7): a stage that began before its
   * PASS or SRM look existed spent those levels on the mixture alone, so it keeps doing so.
   */
  sides: ReadonlySet<LookSide>
}

/** Every side: a stage planned with all its looks. */
export const ALL_SIDES: ReadonlySet<LookSide> = new Set<LookSide>(['fail', 'pass', 'srm'])

/** The recorded look of a metric on one side (looks recorded without a side are FAIL looks). */
export function recordedLook(book: LookBook, metric: string, side: LookSide): PlannedLook | undefined {
  return book.recorded.find((l) => l.metric === metric && (l.side ?? 'fail') === side)
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

function lookVerdict(base: MetricVerdict, look: PlannedLook): MetricVerdict {
  const sign = look.decision === 'fail' ? '<' : '>'
  const what =
    look.decision === 'fail'
      ? `FAIL: ${base.metric}: worse than the fail margin at the planned look`
      : `PASS: ${base.metric}: within the margin at the planned PASS look`
  const reason =
    `${what} (V̂ = ${num(look.variance)}${look.side === 'pass' ? '' : ` ≤ V_plan = ${num(look.vPlan)}`}): ` +
    `z = ${num(look.z)} ${sign} ${num(look.boundary)}.`
  const p = look.decision === 'fail' ? normalCdf(look.z) : normalCdf(-look.z)
  return verdict(base, look.contrast, look.boundary * Math.sqrt(look.variance), p, look.decision, reason)
}

/** D̂ at `margin` (relative), with its variance, for the look's own z-test. */
function contrastAt(input: NiVerdictInput, margin: number) {
  return niContrast({
    direction: input.direction,
    marginKind: 'relative',
    margin,
    champion: input.champion,
    challenger: input.challenger,
  })
}

/** The FAIL look (docs/statistics.md §5.6): once, when V̂(m_f) first reaches V_plan. */
function failLook(input: NiVerdictInput, alphaLook: number, book: LookBook, now: number): PlannedLook | null {
  const recorded = recordedLook(book, input.metric, 'fail')
  if (recorded !== undefined) return recorded
  const c = contrastAt(input, input.failMargin)
  const vPlan = lookVariance(input.margin, input.failMargin, input.champion.mean, alphaLook)
  if (!(c.variance <= vPlan)) return null
  const z = c.estimate / Math.sqrt(c.variance)
  const boundary = -normalQuantile(1 - alphaLook)
  const look: PlannedLook = {
    metric: input.metric,
    at: now,
    variance: c.variance,
    vPlan,
    contrast: c.estimate,
    z,
    boundary,
    decision: z < boundary ? 'fail' : 'continue',
  }
  book.taken.push(look)
  return look
}

/**
 * The PASS look (docs/statistics.md §5.7): once, at the first evaluation after the stage's minimum
 * duration, a fixed-sample z-test of D(m) > 0 at 3α_pass/4. Its time is fixed before the stage
 * starts (the minimum duration, or the length planned by power), never chosen from the data.
 */
function passLook(input: NiVerdictInput, alphaLook: number, book: LookBook, now: number): PlannedLook | null {
  const recorded = recordedLook(book, input.metric, 'pass')
  if (recorded !== undefined) return recorded
  if (!book.passReady) return null
  const c = contrastAt(input, input.margin)
  if (!(c.variance > 0)) return null
  const z = c.estimate / Math.sqrt(c.variance)
  const boundary = normalQuantile(1 - alphaLook)
  const look: PlannedLook = {
    metric: input.metric,
    side: 'pass',
    at: now,
    variance: c.variance,
    vPlan: c.variance,
    contrast: c.estimate,
    z,
    boundary,
    decision: z > boundary ? 'pass' : 'continue',
  }
  book.taken.push(look)
  return look
}

/**
 * A business NI test with its planned looks (docs/statistics.md §5.6, §5.7): each side's level is
 * split, MIXTURE_SHARE to the mixture checked every tick and the rest to one z-look. FAIL wins:
 * the mixture's FAIL, then the FAIL look, then the PASS look, then the mixture's own verdict.
 */
export function niWithLook(input: NiVerdictInput, levels: TestLevels, book: LookBook, now: number): MetricVerdict {
  // A zero margin leaves no room between m_f and h: no FAIL look, the mixture keeps the FAIL level.
  const failLooks = HARM_FACTOR * input.margin - input.failMargin > 0
  const mixture = niVerdict(input, {
    ...levels,
    alphaFail: (failLooks ? MIXTURE_SHARE : 1) * levels.alphaFail,
    alphaPass: (book.sides.has('pass') ? MIXTURE_SHARE : 1) * levels.alphaPass,
  })
  const base = { ...mixture, alpha: levels.alphaFail }
  if (base.decision === 'fail') return base
  // Looks need the guards of §5.4 (minimum sample, pooled events, a positive champion mean).
  const recordedOnly = base.decision === 'insufficient_data'
  if (failLooks) {
    const alphaLook = (1 - MIXTURE_SHARE) * levels.alphaFail
    const look = recordedOnly
      ? (recordedLook(book, input.metric, 'fail') ?? null)
      : failLook(input, alphaLook, book, now)
    if (look?.decision === 'fail') return lookVerdict(base, look)
  }
  if (recordedOnly || !book.sides.has('pass')) return base
  const pass = passLook(input, (1 - MIXTURE_SHARE) * levels.alphaPass, book, now)
  if (pass?.decision === 'pass' && base.decision !== 'pass') return lookVerdict(base, pass)
  return base
}
