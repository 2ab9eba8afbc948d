/**
 * The simulated world of `npm run simulate` (docs/statistics.md §13.1): traffic, base rates, scenarios
 * and the gate configs they are judged with.
 *
 * Traffic: 6,000 req/min split 10/90 (600 challenger req/min), 1-minute ticks, a 24 h cap.
 * Conversion 5%, errors 0.5%, latency lognormal (median 100 ms, σ 0.5), latency threshold at the
 * champion's p99. Outcomes are treated as immediately matured (no attribution delay). Constant
 * traffic (no diurnal profile) and per-request randomisation.
 */

import { defaultGateConfig } from '../../src/core/gates/defaults'
import type { GateConfig } from '../../src/core/gates/types'
import { normalQuantile } from '../../src/core/stats/special'

export const MINUTE_MS = 60_000
export const TICKS = 24 * 60
export const REQUESTS_PER_MINUTE = 6_000
export const DESIGN_SHARE = 0.1
export const CONVERSION_BASE = 0.05
export const ERROR_BASE = 0.005
export const LATENCY_MEDIAN_MS = 100
export const LATENCY_SIGMA = 0.5
/** The champion's historical p99 = median·e^(σ·z₀.₉₉) ≈ 320 ms: the latency threshold. */
export const CHAMPION_P99_MS = LATENCY_MEDIAN_MS * Math.exp(LATENCY_SIGMA * normalQuantile(0.99))
/** Business margin m. */
export const MARGIN = 0.02
/** Correlation of the pre-exposure covariate with the conversion in the covariate scenarios. */
export const COVARIATE_RHO = 0.5
/** Histogram scale of the simulated arms (the production default, ±0.54%). */
export const HISTOGRAM_SCALE = 6

/** The naive rule: thresholds on point estimates, checked every tick after n_min per arm. */
export const NAIVE = {
  minPerArm: 1000,
  conversionWithin: MARGIN,
  errorWithin: 0.25,
  p99Within: 0.1,
}

export type SimMetric = 'business' | 'errors' | 'latency'

/** One scenario: how the challenger differs, and which metrics the gate evaluates. */
export interface Scenario {
  name: string
  title: string
  metrics: SimMetric[]
  /** Relative change of the challenger's conversion rate (−0.05 = 5% lower). */
  conversionEffect: number
  /** Challenger error rate / champion error rate. */
  errorRatio: number
  /** Challenger latency multiplier − 1 (0.2 = 20% slower at every quantile). */
  latencySlowdown: number
  /** The challenger's actual traffic share (the design share is 10%). */
  actualShare: number
  /**
   * A pre-exposure covariate on the conversion gate (docs/statistics.md §5.8, §13.2): each unit's
   * x is its pre-period conversion, correlated `covariateRho` with its conversion in the champion
   * arm (see `covariateCells`). Absent: no covariate (the plain test).
   */
  covariateRho?: number
}

const ALL: SimMetric[] = ['business', 'errors', 'latency']
const base = { conversionEffect: 0, errorRatio: 1, latencySlowdown: 0, actualShare: DESIGN_SHARE }

/** The scenarios of docs/statistics.md §13.2, in report order. */
export const SCENARIOS: Scenario[] = [
  { ...base, name: 'aa', title: 'A/A: identical challenger, all metrics combined', metrics: ALL },
  {
    ...base,
    name: 'conv-half-margin',
    title: `conversion −m/2 (−${(MARGIN * 50).toFixed(0)}%), inside the margin`,
    metrics: ['business'],
    conversionEffect: -MARGIN / 2,
  },
  {
    ...base,
    name: 'conv-at-margin',
    title: `conversion −m (−${(MARGIN * 100).toFixed(0)}%), exactly at the margin`,
    metrics: ['business'],
    conversionEffect: -MARGIN,
  },
  {
    ...base,
    name: 'conv-half-margin-cuped',
    title: `conversion −m/2 with a pre-exposure covariate (ρ = ${COVARIATE_RHO})`,
    metrics: ['business'],
    conversionEffect: -MARGIN / 2,
    covariateRho: COVARIATE_RHO,
  },
  {
    ...base,
    name: 'conv-at-margin-cuped',
    title: `conversion −m exactly at the margin, with the covariate (ρ = ${COVARIATE_RHO})`,
    metrics: ['business'],
    conversionEffect: -MARGIN,
    covariateRho: COVARIATE_RHO,
  },
  {
    ...base,
    name: 'conv-5pct',
    title: `conversion −2.5m (−${(MARGIN * 250).toFixed(0)}%), a real degradation`,
    metrics: ['business'],
    conversionEffect: -2.5 * MARGIN,
  },
  {
    ...base,
    name: 'errors-3x',
    title: 'catastrophic: 3× error rate',
    metrics: ['errors'],
    errorRatio: 3,
  },
  { ...base, name: 'latency-0', title: 'latency: same speed', metrics: ['latency'] },
  {
    ...base,
    name: 'latency-5',
    title: 'latency: 5% slower (inside a "p99 within 10%" policy)',
    metrics: ['latency'],
    latencySlowdown: 0.05,
  },
  {
    ...base,
    name: 'latency-20',
    title: 'latency: 20% slower',
    metrics: ['latency'],
    latencySlowdown: 0.2,
  },
  {
    ...base,
    name: 'srm',
    title: 'SRM: challenger gets 9.7% of traffic instead of 10% (conversion gate)',
    metrics: ['business'],
    actualShare: 0.097,
  },
]

/** The canary defaults with a conversion gate, capped at the simulated 24 h. */
export function fullConfig(): GateConfig {
  const config = defaultGateConfig({
    stage: 'canary',
    championP99Ms: CHAMPION_P99_MS,
    business: [{ metric: 'conversion', kind: 'proportion', direction: 'higher_is_better' }],
  })
  return { ...config, divergence: null, maxDurationMs: TICKS * MINUTE_MS }
}

/**
 * The config a scenario is judged with: only its metrics are evaluated (for speed), each at the
 * per-test FAIL level it has in the full 3-metric config (α_fail/3), so per-metric numbers are
 * those of the combined gate. `anytime` drops the minimum duration (PASS as soon as shown).
 */
export function scenarioConfig(s: Scenario, anytime = false): GateConfig {
  const full = fullConfig()
  const k = s.metrics.length
  const business = s.covariateRho === undefined ? full.business : full.business.map((g) => ({ ...g, covariate: true }))
  return {
    ...full,
    business: s.metrics.includes('business') ? business : [],
    errorRate: s.metrics.includes('errors') ? full.errorRate : null,
    latency: s.metrics.includes('latency') ? full.latency : null,
    // Exactly α_fail when all metrics run (no rounding), else the same per-test share of it.
    alphaFail: k === ALL.length ? full.alphaFail : (full.alphaFail * k) / ALL.length,
    minDurationMs: anytime ? 0 : full.minDurationMs,
  }
}

/**
 * The joint law of (x, y) for one unit: cell probabilities [p₁₁, p₁₀, p₀₁] of (x = 1, y = 1),
 * (1, 0), (0, 1); (0, 0) takes the rest. Each unit has a latent propensity q with mean p₀ and
 * variance ρ·p₀(1 − p₀); x ~ Bernoulli(q) is drawn before exposure (its law is the same in both
 * arms) and y ~ Bernoulli(k·q), k = 1 + conversion effect. So P(x = 1) = p₀ in both arms,
 * P(y = 1) = k·p₀, P(x = 1, y = 1) = k·E[q²], and corr(x, y) = ρ exactly in the champion arm (k = 1).
 * Such a q exists for k ≤ 1, e.g. Beta(p₀·s, (1 − p₀)·s) with s = 1/ρ − 1; the runs only need the cells.
 */
export function covariateCells(rho: number, effect: number): [number, number, number] {
  const p = CONVERSION_BASE
  const eq2 = rho * p * (1 - p) + p * p
  const k = 1 + effect
  const p11 = k * eq2
  return [p11, p - p11, k * p - p11]
}
