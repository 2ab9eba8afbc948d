/**
 * @module core/gates/metric-tests
 * One always-valid test per gated metric, each reported as a `MetricVerdict`.
 *
 * Invariants:
 * - Pure functions of cumulative evidence; every test is time-uniform (always valid), so the
 *   caller may evaluate at every tick with no penalty (docs/statistics.md §3).
 * - `alpha` in a verdict is the FAIL level of that test (α_fail/K, Bonferroni); every PASS test
 *   runs at the configured α_pass with no correction (intersection–union, docs/statistics.md §2.4).
 * - Signed boundaries for the contrast-type tests (ni_*, tail_exceedance, divergence_rate): the
 *   contrast is oriented so that positive is good; PASS needs contrast > boundary (> 0), FAIL
 *   needs contrast < boundary (< 0). The side shown is the FAIL side when the estimate leans bad,
 *   else the PASS side. For `event_split` the contrast is the challenger's share of the events and
 *   the boundary the share at the (fail) margin; larger is worse.
 *
 * Source: docs/statistics.md §5 (non-inferiority tests), §6 (event split). Rate tests: ./rate-tests.
 */

import { type EventSplitResult, eventSplitTest } from '../stats/event-split'
import type { Moments } from '../stats/moments'
import { oneSampleRateTest } from '../stats/rate-test'
import { nonInferiorityTest } from '../stats/sequential'
import { marginProblem, rateProblem } from './config-check'
import { int, num, pct, signedPct } from './format'
import type { MetricDirection, MetricVerdict } from './types'

/** The levels shared by every test of one evaluation. */
export interface TestLevels {
  alphaPass: number
  /** Per-test FAIL level α_fail/K. */
  alphaFail: number
  minSamplePerArm: number
}

/**
 * Floor of the relative prior scale τ_rel (see `marginScaleTau2`): a zero margin would put no
 * prior mass anywhere and make the boundary infinite.
 */
export const MIN_TAU_REL = 0.01

/**
 * Below this many pooled events (successes or failures, whichever is rarer) a proportion test
 * (conversion, exceedance) makes no claim: the CLT plug-in variance is unreliable with a handful
 * of events (docs/statistics.md §5.4: 50 pooled rather than 50–100 per arm; pooling keeps a challenger with zero bad
 * events from being blocked forever).
 */
export const MIN_POOLED_EVENTS = 50

/**
 * Mixing variance by margin scale (docs/statistics.md §4.4): τ = τ_rel·μ_A with τ_rel = max(m, 1%).
 *
 * Why this choice: the config fixes τ on the relative scale (prior mass on effects the size of
 * the margin), so τ needs no traffic forecast, and it tunes the boundary to the moment a
 * margin-sized effect becomes detectable, whatever the traffic. The conversion to the contrast's
 * units uses the champion's running mean, the most precise number in the stage (about 90% of the
 * traffic in a 10% canary); it converges within minutes, so τ is constant up to a plug-in of the
 * same kind as the variance estimate V̂. The benchmark (docs/statistics.md §13.4) measures false rates ≤ α with this choice.
 */
export function marginScaleTau2(margin: number, championMean: number): number {
  const tau = Math.max(margin, MIN_TAU_REL) * championMean
  return tau * tau
}

export type Base = Pick<MetricVerdict, 'metric' | 'test' | 'champion' | 'challenger' | 'margin' | 'alpha'>

/**
 * The verdict as one explicit literal: this runs every tick for every test, and building it with
 * object spread measured several times the cost of the statistical test itself.
 */
export function verdict(
  b: Base,
  contrast: number | null,
  boundary: number | null,
  pValue: number | null,
  decision: MetricVerdict['decision'],
  reason: string,
): MetricVerdict {
  return {
    metric: b.metric,
    test: b.test,
    champion: b.champion,
    challenger: b.challenger,
    contrast,
    boundary,
    pValue,
    margin: b.margin,
    alpha: b.alpha,
    decision,
    reason,
  }
}

export function insufficient(b: Base, why: string): MetricVerdict {
  return verdict(b, null, null, null, 'insufficient_data', `${b.metric}: insufficient data: ${why}.`)
}

/** Input of `niVerdict`: one business metric, or the latency exceedance rate. */
export interface NiVerdictInput {
  metric: string
  test: 'ni_proportion' | 'ni_mean' | 'tail_exceedance'
  direction: MetricDirection
  margin: number
  failMargin: number
  champion: Moments
  challenger: Moments
  /** Proportions also need MIN_POOLED_EVENTS pooled events (x = n·mean). */
  proportion: boolean
  /** How to print an estimate (percent for rates, number for means). */
  show: (x: number) => string
  /** Words after the metric name, e.g. "> 318 ms". */
  label?: string
}

/** Non-inferiority of the challenger on a relative margin (docs/statistics.md §5). */
export function niVerdict(input: NiVerdictInput, levels: TestLevels): MetricVerdict {
  const { champion: a, challenger: b, show } = input
  const base: Base = {
    metric: input.metric,
    test: input.test,
    champion: { n: a.n, estimate: a.n > 0 ? a.mean : null },
    challenger: { n: b.n, estimate: b.n > 0 ? b.mean : null },
    margin: input.margin,
    alpha: levels.alphaFail,
  }
  const arms = `challenger ${show(b.mean)} (n = ${int(b.n)}) vs ` + `champion ${show(a.mean)} (n = ${int(a.n)})`
  const name = input.label === undefined ? input.metric : `${input.metric} ${input.label}`
  const bad = marginProblem(input.margin, input.failMargin, input.direction === 'higher_is_better')
  if (bad !== null) return insufficient(base, `invalid gate configuration: ${bad}`)
  const min = levels.minSamplePerArm
  if (a.n < min || b.n < min) return insufficient(base, `${arms}; need n ≥ ${int(min)} per arm`)
  if (input.proportion) {
    // The rarer side counts: 99% success rates have few failures.
    const x = a.n * a.mean + b.n * b.mean
    const events = Math.round(Math.min(x, a.n + b.n - x))
    if (events < MIN_POOLED_EVENTS) {
      return insufficient(base, `${int(events)} pooled events, need ≥ ${MIN_POOLED_EVENTS}`)
    }
  }
  if (!(a.mean > 0)) return insufficient(base, 'a relative margin needs a positive champion mean')
  const tau2 = marginScaleTau2(input.margin, a.mean)
  const r = nonInferiorityTest({
    direction: input.direction,
    marginKind: 'relative',
    margin: input.margin,
    failMargin: input.failMargin,
    champion: a,
    challenger: b,
    alphaPass: levels.alphaPass,
    alphaFail: levels.alphaFail,
    tau2Pass: tau2,
    tau2Fail: tau2,
    minSamplePerArm: min,
  })
  if (r.decision === 'insufficient_data') return insufficient(base, `degenerate variance (${arms})`)
  const failSide = r.decision === 'fail' || (r.decision !== 'pass' && r.failContrast < 0)
  const contrast = failSide ? r.failContrast : r.passContrast
  const boundary = failSide ? -r.failBoundary : r.passBoundary
  const pValue = failSide ? r.pValueFail : r.pValuePass
  const lift = signedPct(b.mean / a.mean - 1)
  const worse = input.direction === 'higher_is_better' ? '−' : '+'
  const m = failSide ? input.failMargin : input.margin
  const head = `${name} ${arms}, ${lift} (margin ${worse}${pct(m)})`
  const test = `D̂ = ${num(contrast)} vs ${num(boundary)}, always-valid p = ${num(pValue)}`
  const reason =
    r.decision === 'fail'
      ? `FAIL: ${head}: worse than the margin shown, ${test} < ${num(levels.alphaFail)}.`
      : r.decision === 'pass'
        ? `PASS: ${head}: within the margin shown, ${test} < ${num(levels.alphaPass)}.`
        : `CONTINUE: ${head}: ${test}, no claim yet.`
  return verdict(base, contrast, boundary, pValue, r.decision, reason)
}

/** Input of `eventSplitVerdict`: two event counts and the exposures they happened in. */
export interface EventSplitVerdictInput {
  metric: string
  championEvents: number
  championExposures: number
  challengerEvents: number
  challengerExposures: number
  margin: number
  failMargin: number
  /** Absolute rate the challenger may PASS below when the relative test cannot decide (0 = off). */
  floor?: number
}

/**
 * The exact event-split test (docs/statistics.md §6; this choice of λ: §6.5) with λ = the observed challenger share of the
 * exposures: conditioning on the realised exposures is what the Poisson argument needs, and the
 * SRM check guards the split itself.
 */
export function eventSplitVerdict(input: EventSplitVerdictInput, levels: TestLevels): MetricVerdict {
  const { championEvents: eA, challengerEvents: eB } = input
  const nA = input.championExposures
  const nB = input.challengerExposures
  const base: Base = {
    metric: input.metric,
    test: 'event_split',
    champion: { n: nA, estimate: nA > 0 ? eA / nA : null },
    challenger: { n: nB, estimate: nB > 0 ? eB / nB : null },
    margin: input.margin,
    alpha: levels.alphaFail,
  }
  const bad = marginProblem(input.margin, input.failMargin, false) ?? rateProblem('floor', input.floor ?? 0, true)
  if (bad !== null) return insufficient(base, `invalid gate configuration: ${bad}`)
  if (!(nA > 0) || !(nB > 0)) return insufficient(base, 'no exposures in one arm')
  const r: EventSplitResult = eventSplitTest({
    championEvents: eA,
    challengerEvents: eB,
    challengerShare: nB / (nA + nB),
    margin: input.margin,
    failMargin: input.failMargin,
    alphaPass: levels.alphaPass,
    alphaFail: levels.alphaFail,
  })
  const q = r.qHat
  const failSide = r.decision === 'fail' || (r.decision !== 'pass' && q !== null && q > r.qFailMargin)
  const boundary = failSide ? r.qFailMargin : r.qMargin
  const pValue = failSide ? r.pValueFail : r.pValuePass
  const m = failSide ? input.failMargin : input.margin
  const counts = `${int(eB)} vs ${int(eA)} events`
  const share =
    q === null
      ? 'no events yet'
      : `event share ${num(q)} ${q > boundary ? '>' : '≤'} ${num(boundary)} ` + `at +${pct(m)}; ${counts}`
  const head = `${input.metric} challenger ${pct(eB / nB)} vs champion ${pct(eA / nA)} (${share})`
  const p = `always-valid p = ${num(pValue)}`
  const reason =
    r.decision === 'fail'
      ? `FAIL: ${head}, ${p} < ${num(levels.alphaFail)}.`
      : r.decision === 'pass'
        ? `PASS: ${head}, ${p} < ${num(levels.alphaPass)}.`
        : `CONTINUE: ${head}, ${p}, no claim yet.`
  const floor = input.floor ?? 0
  if (floor > 0 && r.decision !== 'fail' && r.decision !== 'pass') {
    // Errors too rare for a relative verdict: a challenger shown below the absolute floor is fine.
    const f = oneSampleRateTest({
      events: eB,
      n: nB,
      maxRate: floor,
      alphaPass: levels.alphaPass,
      alphaFail: levels.alphaFail,
      minSample: 1,
    })
    if (f.decision === 'pass') {
      const why =
        `PASS: ${input.metric} challenger ${pct(eB / nB)} shown below the absolute floor of ${pct(floor)} ` +
        `(${int(eB)} events in ${int(nB)}; always-valid p = ${num(f.pValuePass)} < ${num(levels.alphaPass)}); ` +
        `too few events (${int(eA + eB)}) for the relative test.`
      return verdict({ ...base, margin: floor }, eB / nB, floor, f.pValuePass, 'pass', why)
    }
  }
  return verdict(base, q, boundary, pValue, r.decision, reason)
}
