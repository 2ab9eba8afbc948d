/**
 * One-sample always-valid test of a rate against a fixed threshold r₀: shadow divergence rate
 * (docs/statistics.md §8.3), the latency tail when the champion has no exceedance (§7.4, at most the 1% a p99 allows) and the error-rate floor (§6.6).
 *
 * Invariant: the variance is the KNOWN variance at the null boundary, V = r₀(1−r₀)/n, not a plug-in
 * estimate, so there is no zero-variance degeneracy. PASS (rate shown below r₀) and FAIL (rate
 * shown above r₀) are the two one-sided normal-mixture tests of docs/statistics.md §4.2 on r₀ − r̂ and r̂ − r₀.
 *
 * Source: docs/statistics.md §8 (rate test, divergence gate), §7.4 (latency cap), §6.6 (error floor), §4.2–4.4 (boundary, τ²).
 */

import { fmt, pct } from './format'
import { alwaysValidPValue, cAlpha, mixtureBoundary } from './mixture'
import type { TestDecision } from './types'

/**
 * Default planned horizon N_plan for τ² = c_α·r₀(1−r₀)/N_plan: the boundary is tightest around
 * 10,000 observations, the 10,000-pair minimum of shadow steps (docs/statistics.md §2.6), and within ~20%
 * of its best width from ~10,000 to ~1,000,000, ~32% wider at ~1,000 (docs/statistics.md §4.5).
 */
export const DEFAULT_RATE_PLAN_N = 10_000

/** Input of `oneSampleRateTest`. */
export interface RateTestInput {
  /** Number of events (divergences, SLA exceedances). */
  events: number
  /** Number of observations. */
  n: number
  /** Threshold r₀ ∈ (0, 1). */
  maxRate: number
  alphaPass: number
  alphaFail: number
  /** Mixing variance for both sides; default c_α·r₀(1−r₀)/planN per side. */
  tau2?: number
  /** Planned horizon used when `tau2` is omitted (default `DEFAULT_RATE_PLAN_N`). */
  planN?: number
  /** No claim before n reaches this. */
  minSample: number
}

/** Result of `oneSampleRateTest`. */
export interface RateTestResult {
  decision: TestDecision
  estimate: number
  maxRate: number
  variance: number
  /** PASS when maxRate − estimate > passBoundary. */
  passBoundary: number
  /** FAIL when estimate − maxRate > failBoundary. */
  failBoundary: number
  pValuePass: number
  pValueFail: number
  reason: string
}

/**
 * Evaluate the rate test on cumulative counts. PASS if r₀ − r̂ > B_αpass(V); FAIL if
 * r̂ − r₀ > B_αfail(V); V = r₀(1−r₀)/n; `insufficient_data` while n < max(1, minSample).
 */
export function oneSampleRateTest(input: RateTestInput): RateTestResult {
  const { events, n, maxRate: r0 } = input
  if (!(r0 > 0 && r0 < 1)) throw new RangeError('maxRate must be in (0, 1)')
  if (!(events >= 0) || !(n >= 0) || events > n) throw new RangeError('need 0 ≤ events ≤ n')
  const planN = input.planN ?? DEFAULT_RATE_PLAN_N
  if (!(planN > 0)) throw new RangeError('planN must be > 0')
  const nullVar = r0 * (1 - r0)
  const tau2Pass = input.tau2 ?? (cAlpha(input.alphaPass) * nullVar) / planN
  const tau2Fail = input.tau2 ?? (cAlpha(input.alphaFail) * nullVar) / planN
  const estimate = n > 0 ? events / n : 0
  const variance = n > 0 ? nullVar / n : Number.POSITIVE_INFINITY
  const passBoundary = n > 0 ? mixtureBoundary(variance, tau2Pass, input.alphaPass) : Infinity
  const failBoundary = n > 0 ? mixtureBoundary(variance, tau2Fail, input.alphaFail) : Infinity
  const result = {
    estimate,
    maxRate: r0,
    variance,
    passBoundary,
    failBoundary,
    pValuePass: n > 0 ? alwaysValidPValue(r0 - estimate, variance, tau2Pass) : 1,
    pValueFail: n > 0 ? alwaysValidPValue(estimate - r0, variance, tau2Fail) : 1,
  }
  const obs = `${events} of ${n} = ${pct(estimate)} vs max ${pct(r0)}`
  if (n === 0 || n < input.minSample) {
    const reason = `Insufficient data: ${obs}; need n ≥ ${Math.max(1, input.minSample)}.`
    return { decision: 'insufficient_data', ...result, reason }
  }
  // FAIL and PASS mirror each other: the rate shown above or below r₀ by more than that side's boundary.
  const shown = (decision: 'fail' | 'pass', amount: number, boundary: number, alpha: number, p: number) => {
    const [side, what] = decision === 'fail' ? ['above', 'excess'] : ['below', 'gap']
    const reason =
      `${decision.toUpperCase()}: rate shown ${side} ${pct(r0)}: ${obs}, ${what} ${fmt(amount)} > ` +
      `${fmt(boundary)} at α = ${alpha} (always-valid p = ${fmt(p)}).`
    return { decision, ...result, reason }
  }
  if (estimate - r0 > failBoundary)
    return shown('fail', estimate - r0, failBoundary, input.alphaFail, result.pValueFail)
  if (r0 - estimate > passBoundary)
    return shown('pass', r0 - estimate, passBoundary, input.alphaPass, result.pValuePass)
  const reason =
    `CONTINUE: ${obs}; pass needs a gap > ${fmt(passBoundary)}, ` + `fail an excess > ${fmt(failBoundary)}.`
  return { decision: 'continue', ...result, reason }
}
