/**
 * Sample ratio mismatch (SRM): the sequential Dirichlet-multinomial Bayes factor for k arms, plus
 * the fixed-horizon χ² test for display.
 *
 * Invariant: the Bayes factor telescopes, so it depends only on the cumulative counts and may be
 * checked at every tick; P(ever alarm | shares as designed) ≤ α. The χ² p-value is NOT
 * sequentially valid (repeated looks inflate it) and is for display only. In the gates an alarm
 * means HALT (no PASS) unless a metric FAILs (docs/statistics.md §9.2). Counts must be in
 * assignment units (requests, or first exposures of users under sticky routing).
 *
 * Source: docs/statistics.md §9 (Lindon & Malek 2022; Optimizely ssrm-test, concentration 10,000).
 */

import { fmt, pct } from './format'
import { chiSquareSurvival, lgamma } from './special'

/** Input of `sequentialSrm`. Shares are normalised, so weights like [1, 9] work. */
export interface SrmInput {
  counts: number[]
  expectedShares: number[]
  /** Default 0.001. */
  alpha?: number
  /** Dirichlet concentration k (prior α_i = k·p_i). Default 10,000. */
  concentration?: number
}

/** Result of `sequentialSrm`. */
export interface SrmResult {
  alarm: boolean
  logBayesFactor: number
  /** Per-look min(1, 1/BF); keep the running minimum yourself. */
  pValue: number
  observedShares: number[]
  reason: string
}

/** Result of `chiSquareSrm`. */
export interface ChiSquareSrmResult {
  statistic: number
  df: number
  pValue: number
}

function normalisedShares(counts: number[], shares: number[]): number[] {
  if (counts.length < 2 || counts.length !== shares.length) {
    throw new RangeError('need ≥ 2 arms and one expected share per count')
  }
  if (counts.some((c) => !(c >= 0))) throw new RangeError('counts must be ≥ 0')
  if (shares.some((p) => !(p > 0) || !Number.isFinite(p))) {
    throw new RangeError('expected shares must be finite and > 0')
  }
  const total = shares.reduce((s, p) => s + p, 0)
  return shares.map((p) => p / total)
}

/**
 * log BF_N = lnΓ(Σα) − lnΓ(Σα + N) + Σ_i [lnΓ(α_i + n_i) − lnΓ(α_i)] − Σ_i n_i ln p_i,
 * α_i = k·p_i; alarm when log BF ≥ ln(1/α).
 */
export function sequentialSrm(input: SrmInput): SrmResult {
  const { counts } = input
  const shares = normalisedShares(counts, input.expectedShares)
  const alpha = input.alpha ?? 0.001
  const k = input.concentration ?? 10_000
  if (!(alpha > 0 && alpha < 1)) throw new RangeError('alpha must be in (0, 1)')
  if (!(k > 0)) throw new RangeError('concentration must be > 0')
  const n = counts.reduce((s, c) => s + c, 0)
  let logBf = lgamma(k) - lgamma(k + n)
  counts.forEach((c, i) => {
    const p = shares[i] as number
    const a = k * p
    if (c > 0) logBf += lgamma(a + c) - lgamma(a) - c * Math.log(p)
  })
  const threshold = Math.log(1 / alpha)
  const alarm = logBf >= threshold
  const observedShares = counts.map((c) => (n > 0 ? c / n : 0))
  const obs = observedShares.map(pct).join(', ')
  const exp = shares.map(pct).join(', ')
  const shareText = `observed shares [${obs}] vs expected [${exp}] over N = ${n}`
  const bfText = `log BF = ${fmt(logBf)} ${alarm ? '≥' : '<'} ln(1/${alpha}) = ${fmt(threshold)}`
  const reason = alarm
    ? `SRM alarm: ${shareText}; ${bfText}. Halt the gate and check assignment.`
    : `No SRM: ${shareText}; ${bfText}.`
  const pValue = Math.min(1, Math.exp(-logBf))
  return { alarm, logBayesFactor: logBf, pValue, observedShares, reason }
}

/**
 * Fixed-horizon Pearson χ² = Σ (n_i − N p_i)²/(N p_i) with df = k − 1 and its p-value. For display
 * only: it is not valid under repeated looks.
 */
export function chiSquareSrm(counts: number[], shares: number[]): ChiSquareSrmResult {
  const p = normalisedShares(counts, shares)
  const n = counts.reduce((s, c) => s + c, 0)
  const df = counts.length - 1
  if (n === 0) return { statistic: 0, df, pValue: 1 }
  let statistic = 0
  counts.forEach((c, i) => {
    const e = n * (p[i] as number)
    statistic += ((c - e) * (c - e)) / e
  })
  return { statistic, df, pValue: chiSquareSurvival(statistic, df) }
}
