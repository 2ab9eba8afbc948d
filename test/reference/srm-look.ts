/**
 * The SRM check of the independent gate reference (./gates): the sequential test (docs/statistics.md
 * §9.1–§9.2) and the early SRM look (§9.4), re-derived from the doc, not from src/core/stats/srm or
 * src/core/gates/srm-look. Quantiles by bisection (./planned-look).
 */
import type { PlannedLook, StageEvidence } from '../../src/core/gates/types'
import { lgamma, logNormalCdf } from '../../src/core/stats/special'
import type { RefVerdict } from './gates'
import { quantile } from './planned-look'

/**
 * §9.4: N_plan = ((z_{1−3·srmAlpha/8} + z_{0.65}) / (s·√(λ/(1−λ))))², s = 0.03: the total exposures
 * at which a share λ(1 − s) is caught with probability 0.65 by the two-sided look at 3·srmAlpha/4.
 */
export function srmPlanCount(lambda: number, srmAlpha: number): number {
  const z = quantile(1 - (3 * srmAlpha) / 8) + quantile(0.65)
  return (z / (0.03 * Math.sqrt(lambda / (1 - lambda)))) ** 2
}

/**
 * The SRM look for counts n_A, n_B at design share λ ∈ (0, 1): the recorded one (`metric: "srm",
 * side: "srm"`; a recorded alarm stays an alarm), else the one taken now at the first evaluation with
 * N ≥ N_plan (pushed to `taken`), else null. Where the doc is silent: `vPlan` records the planned
 * count as a whole number of exposures, ⌈N_plan⌉ (N ≥ N_plan ⇔ N ≥ ⌈N_plan⌉ for a count).
 */
export function srmLook(
  nA: number,
  nB: number,
  lambda: number,
  srmAlpha: number,
  now: number,
  recorded: readonly PlannedLook[],
  taken: PlannedLook[],
): PlannedLook | null {
  const before = recorded.find((l) => l.metric === 'srm' && l.side === 'srm')
  if (before !== undefined) return before
  const N = nA + nB
  if (N < srmPlanCount(lambda, srmAlpha)) return null
  // z = (n_B − N·λ) / √(N·λ(1−λ)), alarm if |z| > z_{1−3·srmAlpha/8}.
  const variance = N * lambda * (1 - lambda)
  const contrast = nB - N * lambda
  const z = contrast / Math.sqrt(variance)
  const boundary = quantile(1 - (3 * srmAlpha) / 8)
  const look: PlannedLook = {
    metric: 'srm',
    side: 'srm',
    at: now,
    variance,
    vPlan: Math.ceil(srmPlanCount(lambda, srmAlpha)),
    contrast,
    z,
    boundary,
    decision: Math.abs(z) > boundary ? 'fail' : 'continue',
  }
  taken.push(look)
  return look
}

/** The look's two-sided p-value 2·Φ(−|z|). */
export function srmLookP(look: PlannedLook): number {
  return 2 * Math.exp(logNormalCdf(-Math.abs(look.z)))
}

/**
 * §9.1–§9.2: Dirichlet-multinomial Bayes factor, κ = 10,000; skipped unless 0 < λ < 1. With recorded
 * looks (§9.4): the mixture at srmAlpha/4, and the early look at 3·srmAlpha/4 (./srm-look). Where the
 * doc is silent: a mixture alarm decides without taking the look (as a mixture FAIL does in §5.6), and
 * an alarm of the look reports the smaller of the two p-values.
 */
export function srm(
  e: StageEvidence,
  alpha: number,
  looks: readonly PlannedLook[] | undefined,
  taken: PlannedLook[],
): RefVerdict['srm'] {
  const lambda = e.expectedChallengerShare
  const counts = [e.champion.exposures, e.challenger.exposures]
  const N = counts[0]! + counts[1]!
  const observedShare = N > 0 ? counts[1]! / N : null
  if (!(lambda > 0 && lambda < 1)) return { alarm: false, pValue: 1, observedShare, expectedShare: lambda }
  const shares = [1 - lambda, lambda]
  const kappa = 10_000
  let logBf = lgamma(kappa) - lgamma(kappa + N)
  counts.forEach((c, i) => {
    const p = shares[i]!
    if (c > 0) logBf += lgamma(kappa * p + c) - lgamma(kappa * p) - c * Math.log(p)
  })
  const pValue = Math.min(1, Math.exp(-logBf))
  const mixtureAlpha = looks === undefined ? alpha : alpha / 4
  if (logBf >= Math.log(1 / mixtureAlpha) || looks === undefined) {
    return { alarm: logBf >= Math.log(1 / mixtureAlpha), pValue, observedShare, expectedShare: lambda }
  }
  const look = srmLook(counts[0]!, counts[1]!, lambda, alpha, e.now, looks, taken)
  if (look?.decision === 'fail') {
    return { alarm: true, pValue: Math.min(pValue, srmLookP(look)), observedShare, expectedShare: lambda }
  }
  return { alarm: false, pValue, observedShare, expectedShare: lambda }
}
