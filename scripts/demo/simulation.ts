/**
 * The demo's synthetic world, as pure functions of a seed (no I/O, no Date, no Math.random):
 * - applicants drawn from one fixed population (no diurnal pattern);
 * - the "true" risk of each applicant, which decides whether an approved loan is repaid;
 * - the business outcome of a decision: an approved loan is repaid (1) or defaults (0) with the
 *   true probability; a declined applicant gets no loan and therefore no outcome;
 * - a short random delay before the outcome is reported (well inside the attribution window).
 * Outcomes are noisy (Bernoulli) but stationary: no time-of-day effect.
 *
 * The true risk model is the one v2 was retrained to match (WEIGHTS.v2): v1 is the older fit,
 * v3 a model trained on a biased sample that approves far too many risky applicants.
 */
import { createRng, type Rng } from '../../src/core/stats/sim/prng'
import { sampleLognormal, sampleNormal, samplePoisson } from '../../src/core/stats/sim/samplers'
import { predict, WEIGHTS, type Applicant, type WeightSet } from './credit-model'

/** The risk model nature uses: P(default | applicant). */
export const TRUE_RISK: WeightSet = WEIGHTS.v2

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x))
const round = (x: number, step: number) => Number((Math.round(x / step) * step).toFixed(2))

/** One applicant from the fixed population (rounded like a real application form). */
export function sampleApplicant(rng: Rng): Applicant {
  return {
    income_k: round(clamp(sampleLognormal(rng, Math.log(52), 0.45), 12, 400), 0.5),
    debt_to_income: round(clamp(sampleNormal(rng, 0.3, 0.11), 0.01, 0.95), 0.01),
    credit_history_years: round(clamp(sampleLognormal(rng, Math.log(6.5), 0.6), 0, 45), 0.5),
    delinquencies_2y: Math.min(9, samplePoisson(rng, 0.45)),
    utilization: round(clamp(sampleNormal(rng, 0.35, 0.2), 0, 1), 0.01),
  }
}

/** True probability that this applicant defaults on a loan. */
export function trueDefaultProbability(a: Applicant): number {
  return predict(TRUE_RISK, a).probability_default
}

/**
 * One application as the demo replays it: the applicant, whether they would default if given a
 * loan (drawn once, with the true probability, before any model sees them — so every version is
 * judged against the same fate), and how long the lender takes to report the outcome.
 */
export interface Case {
  applicant: Applicant
  pDefault: number
  wouldDefault: boolean
  delayMs: number
}

/** Outcome report delays: uniform in [2 s, 15 s), well inside the 60 s attribution window. */
export const DELAY_MS = { min: 2_000, max: 15_000 } as const

/** The next case from a seeded stream (three draws groups per case, always in the same order). */
export function sampleCase(rng: Rng): Case {
  const applicant = sampleApplicant(rng)
  const pDefault = trueDefaultProbability(applicant)
  const wouldDefault = rng.uniform() < pDefault
  const delayMs = Math.round(DELAY_MS.min + (DELAY_MS.max - DELAY_MS.min) * rng.uniform())
  return { applicant, pDefault, wouldDefault, delayMs }
}

/**
 * The business outcome of a decision: declined → no loan, no outcome (null); approved → the
 * loan is repaid (1) or defaults (0).
 */
export function loanOutcome(c: Case, label: string | null): 0 | 1 | null {
  if (label !== 'approve') return null
  return c.wouldDefault ? 0 : 1
}

/** A scenario's case stream: the same seed and scenario always replay the same applicants. */
export function caseStream(seed: number, scenario: number): () => Case {
  const rng = createRng(seed, 1_000 + scenario)
  return () => sampleCase(rng)
}

/** Population statistics of a scorer under the true risk (offline: what the demo expects). */
export interface PopulationStats {
  approvalRate: number
  /** Share of approved loans that are repaid (the `repaid` metric's expected value). */
  repaidRate: number
  /** Expected profit per application with +1 per repaid loan and −4 per default (break-even at p = 0.2). */
  profitPerApplication: number
}

export function populationStats(w: WeightSet, n: number, seed = 1): PopulationStats {
  const rng = createRng(seed, 99)
  let approved = 0
  let repaid = 0
  for (let i = 0; i < n; i++) {
    const a = sampleApplicant(rng)
    if (predict(w, a).label !== 'approve') continue
    approved++
    repaid += 1 - trueDefaultProbability(a)
  }
  return {
    approvalRate: approved / n,
    repaidRate: approved > 0 ? repaid / approved : 0,
    profitPerApplication: (repaid - 4 * (approved - repaid)) / n,
  }
}

/** Share of applicants on which two scorers disagree (approve vs decline). */
export function labelDisagreement(a: WeightSet, b: WeightSet, n: number, seed = 1): number {
  const rng = createRng(seed, 98)
  let diff = 0
  for (let i = 0; i < n; i++) {
    const x = sampleApplicant(rng)
    if (predict(a, x).label !== predict(b, x).label) diff++
  }
  return diff / n
}
