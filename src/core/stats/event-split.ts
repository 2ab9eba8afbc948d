/**
 * The exact event-split Beta-mixture test for rare events (errors, timeouts, 5xx).
 *
 * Invariant: conditional on the total event count, each event is the challenger's with probability
 * q = λp_B/(λp_B + (1−λ)p_A). The Beta-mixture Bayes factor against a point q₀ is a test
 * martingale, so "BF(q₀) ≥ 1/α and q̂ on one side of q₀" is an anytime-valid directional claim:
 * exact (non-asymptotic) for Poisson counts, conservative for Bernoulli counts. Only the two event
 * counts are needed.
 *
 * λ is the challenger's share of EXPOSURE (requests), fixed during the test: with n_A and n_B
 * requests per arm the caller passes λ = n_B/(n_A + n_B) from the planned split (restart the test
 * when the split changes, e.g. per ramp stage).
 *
 * Source: docs/statistics.md §6 (Lindon & Malek 2022; Netflix counting processes).
 */

import { fmt, pct } from './format'
import { lbeta } from './special'
import type { TestDecision } from './types'

/** Input of `eventSplitTest`. Margins are relative rate increases (0.25 = challenger +25%). */
export interface EventSplitInput {
  championEvents: number
  challengerEvents: number
  /** λ ∈ (0, 1): the challenger's share of traffic/exposure, n_B/(n_A + n_B). */
  challengerShare: number
  /** PASS margin m: PASS shows p_B < (1 + m)·p_A. */
  margin: number
  /** FAIL margin m_f (0 ≤ m_f ≤ m): FAIL shows p_B > (1 + m_f)·p_A. */
  failMargin: number
  alphaPass: number
  alphaFail: number
  /** Prior sd s of the log rate ratio; concentration k = 1/(λ(1−λ)s²). Default 0.3. */
  priorSd?: number
  /** Below this many total events the result is `insufficient_data` (default 0). */
  minEvents?: number
}

/** Result of `eventSplitTest`. */
export interface EventSplitResult {
  decision: TestDecision
  /** Observed challenger share of events e_B/(e_A + e_B); null before the first event. */
  qHat: number | null
  /** Estimated rate ratio p_B/p_A = (q̂/(1−q̂))·((1−λ)/λ); null while the champion has no event. */
  rateRatio: number | null
  qMargin: number
  qFailMargin: number
  logBfPass: number
  logBfFail: number
  /** min(1, 1/BF(q_m)) when q̂ < q_m (the PASS side), else 1. */
  pValuePass: number
  /** min(1, 1/BF(q_{m_f})) when q̂ > q_{m_f} (the FAIL side), else 1. */
  pValueFail: number
  reason: string
}

/** q_m = λ(1+m)/(λ(1+m) + 1 − λ): the event share of the challenger when p_B = (1+m)·p_A. */
export function eventShareAtMargin(challengerShare: number, margin: number): number {
  const w = challengerShare * (1 + margin)
  return w / (w + 1 - challengerShare)
}

/**
 * log BF(q₀) of the Beta(k·q₀, k·(1−q₀)) mixture against the point q₀, given e_B challenger and
 * e_A champion events: lnB(a+e_B, b+e_A) − lnB(a, b) − e_B ln q₀ − e_A ln(1−q₀).
 */
export function eventSplitLogBf(
  challengerEvents: number,
  championEvents: number,
  q0: number,
  concentration: number,
): number {
  const a = concentration * q0
  const b = concentration * (1 - q0)
  return (
    lbeta(a + challengerEvents, b + championEvents) -
    lbeta(a, b) -
    challengerEvents * Math.log(q0) -
    championEvents * Math.log1p(-q0)
  )
}

function checkInput(input: EventSplitInput): void {
  const { challengerShare: lambda, margin, failMargin } = input
  if (!(lambda > 0 && lambda < 1)) throw new RangeError('challengerShare must be in (0, 1)')
  if (!(margin >= 0) || !Number.isFinite(margin)) throw new RangeError('margin must be ≥ 0')
  if (!(failMargin >= 0 && failMargin <= margin)) {
    throw new RangeError('need 0 ≤ failMargin ≤ margin')
  }
  if (!(input.championEvents >= 0) || !(input.challengerEvents >= 0)) {
    throw new RangeError('event counts must be ≥ 0')
  }
  for (const alpha of [input.alphaPass, input.alphaFail]) {
    if (!(alpha > 0 && alpha < 1)) throw new RangeError('alpha must be in (0, 1)')
  }
  if (input.priorSd !== undefined && !(input.priorSd > 0)) {
    throw new RangeError('priorSd must be > 0')
  }
}

/**
 * Evaluate the event-split test on cumulative event counts:
 * FAIL if q̂ > q_{m_f} and log BF(q_{m_f}) ≥ ln(1/α_fail);
 * PASS if q̂ < q_m and log BF(q_m) ≥ ln(1/α_pass); FAIL wins if both hold; otherwise CONTINUE.
 * With zero events BF = 1 < 1/α, so the result is CONTINUE (no claim is possible yet).
 */
export function eventSplitTest(input: EventSplitInput): EventSplitResult {
  checkInput(input)
  const { championEvents: eA, challengerEvents: eB, challengerShare: lambda } = input
  const s = input.priorSd ?? 0.3
  const k = 1 / (lambda * (1 - lambda) * s * s)
  const qMargin = eventShareAtMargin(lambda, input.margin)
  const qFailMargin = eventShareAtMargin(lambda, input.failMargin)
  const logBfPass = eventSplitLogBf(eB, eA, qMargin, k)
  const logBfFail = eventSplitLogBf(eB, eA, qFailMargin, k)
  const total = eA + eB
  const qHat = total > 0 ? eB / total : null
  const rateRatio = eA > 0 ? (eB * (1 - lambda)) / (eA * lambda) : null
  const passSide = qHat !== null && qHat < qMargin
  const failSide = qHat !== null && qHat > qFailMargin
  const pValuePass = passSide ? Math.min(1, Math.exp(-logBfPass)) : 1
  const pValueFail = failSide ? Math.min(1, Math.exp(-logBfFail)) : 1
  const base = {
    qHat,
    rateRatio,
    qMargin,
    qFailMargin,
    logBfPass,
    logBfFail,
    pValuePass,
    pValueFail,
  }
  const ratioText = rateRatio === null ? '' : `, rate ratio ≈ ${fmt(rateRatio)}`
  const shareOfTraffic = pct(lambda)
  const counts = `challenger ${eB} vs champion ${eA} events at share ${shareOfTraffic}${ratioText}`

  if (total < (input.minEvents ?? 0)) {
    const reason = `Insufficient data: ${total} events, need ≥ ${input.minEvents} (${counts}).`
    return { decision: 'insufficient_data', ...base, reason }
  }
  if (qHat === null) {
    return { decision: 'continue', ...base, reason: `CONTINUE: no events yet (${counts}).` }
  }
  const share = `event share ${fmt(qHat)}`
  // FAIL is checked first: it wins when both claims hold (possible only when m_f < m).
  if (failSide && logBfFail >= Math.log(1 / input.alphaFail)) {
    const reason =
      `FAIL: challenger event rate shown above (1 + ${pct(input.failMargin)})× champion: ` +
      `${share} > ${fmt(qFailMargin)}, log BF = ${fmt(logBfFail)} ≥ ln(1/${input.alphaFail}) ` +
      `(${counts}).`
    return { decision: 'fail', ...base, reason }
  }
  if (passSide && logBfPass >= Math.log(1 / input.alphaPass)) {
    const reason =
      `PASS: challenger event rate shown below (1 + ${pct(input.margin)})× champion: ` +
      `${share} < ${fmt(qMargin)}, log BF = ${fmt(logBfPass)} ≥ ln(1/${input.alphaPass}) ` +
      `(${counts}).`
    return { decision: 'pass', ...base, reason }
  }
  const reason =
    `CONTINUE: ${share} vs pass bound ${fmt(qMargin)} (log BF ${fmt(logBfPass)}) and ` +
    `fail bound ${fmt(qFailMargin)} (log BF ${fmt(logBfFail)}) (${counts}).`
  return { decision: 'continue', ...base, reason }
}
