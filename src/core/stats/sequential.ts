/**
 * The always-valid non-inferiority test of one metric: two one-sided normal-mixture tests on the
 * acceptability contrast, PASS at margin m and FAIL at margin m_f (0 ≤ m_f ≤ m).
 *
 * Invariants:
 * - A pure function of the cumulative per-arm moments; it may be evaluated at every tick (or every
 *   request) with no penalty: P(ever PASS | challenger worse than m) ≤ α_pass and
 *   P(ever FAIL | challenger within m_f) ≤ α_fail (asymptotically, CLT plug-in variance).
 * - Not sticky: the caller acts on (and records) the first PASS or FAIL.
 * - If both claims hold at once (possible only when m_f < m), FAIL wins: rolling back is the safe
 *   action and docs/statistics.md §2.3 lets a FAIL happen at any time.
 * - Valid only when the analysis unit is the randomization unit, outcomes are added when mature and
 *   never revised, and the split is fixed during the test (docs/statistics.md §3.3).
 *
 * Source: docs/statistics.md §3, §4 and §5.
 */

import { type Contrast, checkMargin, niContrast } from './contrast'
import { fmt, pct } from './format'
import { alwaysValidPValue, mixtureBoundary } from './mixture'
import type { Moments } from './moments'
import type { Direction, MarginKind, TestDecision } from './types'

export { cAlpha, tau2ForHorizon, mixtureBoundary, alwaysValidPValue } from './mixture'
export { niContrast, planTau2, planVariance, tau2FromMargin } from './contrast'

/** Input of `nonInferiorityTest`. τ² values are fixed before the test (see `planTau2`). */
export interface NonInferiorityInput {
  direction: Direction
  marginKind: MarginKind
  /** Acceptable margin m (relative fraction or absolute units). */
  margin: number
  /** FAIL margin m_f, 0 ≤ m_f ≤ m: m_f = m for "within m is fine", 0 for hard guardrails. */
  failMargin: number
  champion: Moments
  challenger: Moments
  alphaPass: number
  alphaFail: number
  tau2Pass: number
  tau2Fail: number
  /** No claim before both arms have this many observations (CLT plug-in; e.g. 1,000). */
  minSamplePerArm: number
}

/** Result of `nonInferiorityTest`: the decision, every number behind it, and a sentence. */
export interface NonInferiorityResult {
  decision: TestDecision
  championEstimate: number
  challengerEstimate: number
  /** D̂(m): > passBoundary means non-inferiority shown. */
  passContrast: number
  passVariance: number
  passBoundary: number
  /** D̂(m_f): < −failBoundary means inferiority (worse than m_f) shown. */
  failContrast: number
  failVariance: number
  failBoundary: number
  /** Per-look always-valid p-value for the PASS claim (keep the running minimum yourself). */
  pValuePass: number
  /** Per-look always-valid p-value for the FAIL claim (keep the running minimum yourself). */
  pValueFail: number
  reason: string
}

function marginText(kind: MarginKind, m: number): string {
  return kind === 'relative' ? pct(m) : fmt(m)
}

function checkInput(input: NonInferiorityInput): void {
  checkMargin(input)
  checkMargin({ ...input, margin: input.failMargin }, 'failMargin')
  if (input.failMargin > input.margin) throw new RangeError('failMargin must be ≤ margin')
  if (!(input.tau2Pass > 0) || !(input.tau2Fail > 0)) throw new RangeError('tau2 must be > 0')
}

/**
 * Evaluate the PASS and FAIL tests on cumulative data (docs/statistics.md §5.3):
 * PASS if D̂(m) > B_αpass(V(m)); FAIL if D̂(m_f) < −B_αfail(V(m_f)); otherwise CONTINUE.
 * Returns `insufficient_data` below `minSamplePerArm` or when a contrast variance is not positive
 * (e.g. a proportion with no events in either arm), where the normal approximation is unusable.
 */
export function nonInferiorityTest(input: NonInferiorityInput): NonInferiorityResult {
  checkInput(input)
  const { champion, challenger } = input
  const pass: Contrast = niContrast(input)
  const fail: Contrast = niContrast({ ...input, margin: input.failMargin })
  const passBoundary = mixtureBoundary(pass.variance, input.tau2Pass, input.alphaPass)
  const failBoundary = mixtureBoundary(fail.variance, input.tau2Fail, input.alphaFail)
  const numbers = {
    championEstimate: champion.mean,
    challengerEstimate: challenger.mean,
    passContrast: pass.estimate,
    passVariance: pass.variance,
    passBoundary,
    failContrast: fail.estimate,
    failVariance: fail.variance,
    failBoundary,
    pValuePass: alwaysValidPValue(pass.estimate, pass.variance, input.tau2Pass),
    pValueFail: alwaysValidPValue(-fail.estimate, fail.variance, input.tau2Fail),
  }
  const arms =
    `challenger ${fmt(challenger.mean)} (n = ${challenger.n}) vs ` +
    `champion ${fmt(champion.mean)} (n = ${champion.n})`
  const m = marginText(input.marginKind, input.margin)
  const mf = marginText(input.marginKind, input.failMargin)

  if (champion.n < input.minSamplePerArm || challenger.n < input.minSamplePerArm) {
    const reason = `Insufficient data: ${arms}; need n ≥ ${input.minSamplePerArm} per arm.`
    return { decision: 'insufficient_data', ...numbers, reason }
  }
  if (!(pass.variance > 0) || !(fail.variance > 0)) {
    const reason =
      `Insufficient data: the contrast variance is ${fmt(pass.variance)}, ` +
      `so the normal approximation is unusable (${arms}).`
    return { decision: 'insufficient_data', ...numbers, reason }
  }

  const { alphaPass, alphaFail } = input
  const passText = `D̂(m = ${m}) = ${fmt(pass.estimate)} vs ${fmt(passBoundary)} at α = ${alphaPass}`
  const failText = `D̂(m_f = ${mf}) = ${fmt(fail.estimate)} vs −${fmt(failBoundary)} at α = ${alphaFail}`
  // FAIL is checked first: it wins when both claims hold (see the module invariants).
  if (fail.estimate < -failBoundary) {
    const reason =
      `FAIL: challenger shown worse than the ${mf} margin: ${failText} ` +
      `(always-valid p = ${fmt(numbers.pValueFail)}); ${arms}.`
    return { decision: 'fail', ...numbers, reason }
  }
  if (pass.estimate > passBoundary) {
    const reason =
      `PASS: challenger shown within the ${m} margin: ${passText} ` +
      `(always-valid p = ${fmt(numbers.pValuePass)}); ${arms}.`
    return { decision: 'pass', ...numbers, reason }
  }
  const reason = `CONTINUE: neither claim shown yet: ${passText}; ${failText}; ${arms}.`
  return { decision: 'continue', ...numbers, reason }
}
