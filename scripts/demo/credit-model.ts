/**
 * A small, real model for the demo: a logistic-regression credit scorer. Two weight sets play the
 * champion (v1) and a challenger (v2) — v2 was "retrained" with a stronger utilisation effect.
 * A third (v3) is the bad challenger of `npm run demo`: trained on a biased sample, it barely
 * weighs delinquencies and debt and approves almost everyone.
 * Features are standardised with fixed means/scales so the coefficients are comparable.
 */

export interface Applicant {
  income_k: number
  debt_to_income: number
  credit_history_years: number
  delinquencies_2y: number
  utilization: number
}

export interface WeightSet {
  intercept: number
  coef: Record<keyof Applicant, number>
  threshold: number
}

const MEAN: Applicant = {
  income_k: 60,
  debt_to_income: 0.3,
  credit_history_years: 8,
  delinquencies_2y: 0.5,
  utilization: 0.35,
}
const SCALE: Applicant = {
  income_k: 25,
  debt_to_income: 0.12,
  credit_history_years: 5,
  delinquencies_2y: 1,
  utilization: 0.2,
}

export type ScorerVersion = 'v1' | 'v2' | 'v3'

export const WEIGHTS: Record<ScorerVersion, WeightSet> = {
  v1: {
    intercept: -2.2,
    coef: { income_k: -0.55, debt_to_income: 0.7, credit_history_years: -0.4, delinquencies_2y: 0.9, utilization: 0.5 },
    threshold: 0.2,
  },
  v2: {
    intercept: -2.25,
    coef: {
      income_k: -0.5,
      debt_to_income: 0.75,
      credit_history_years: -0.35,
      delinquencies_2y: 0.95,
      utilization: 0.75,
    },
    threshold: 0.2,
  },
  v3: {
    intercept: -2.5,
    coef: {
      income_k: -0.6,
      debt_to_income: 0.25,
      credit_history_years: -0.45,
      delinquencies_2y: 0.2,
      utilization: 0.15,
    },
    threshold: 0.22,
  },
}

export const FEATURES = Object.keys(MEAN) as Array<keyof Applicant>

export function validateApplicant(x: unknown): string[] {
  if (typeof x !== 'object' || x === null) return ['features must be an object']
  const o = x as Record<string, unknown>
  return FEATURES.filter((f) => typeof o[f] !== 'number' || !Number.isFinite(o[f] as number)).map(
    (f) => `${f} must be a finite number`,
  )
}

export interface Prediction {
  probability_default: number
  label: 'approve' | 'decline'
  score: number
}

/** P(default) = σ(b + Σ w·z), z the standardised feature; decline above the threshold. */
export function predict(w: WeightSet, a: Applicant): Prediction {
  let logit = w.intercept
  for (const f of FEATURES) logit += w.coef[f] * ((a[f] - MEAN[f]) / SCALE[f])
  const p = 1 / (1 + Math.exp(-logit))
  return {
    probability_default: Math.round(p * 1e6) / 1e6,
    label: p >= w.threshold ? 'decline' : 'approve',
    // A FICO-like score: 300-850, higher is better.
    score: Math.round(850 - 550 * p),
  }
}
