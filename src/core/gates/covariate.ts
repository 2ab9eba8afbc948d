/**
 * @module core/gates/covariate
 * A business gate with a pre-exposure covariate runs its NI test on CUPED-adjusted moments
 * (docs/statistics.md §5.8): same expected contrast, variance × about 1 − ρ². The verdict's reason
 * says so, with θ, ρ and the actual variance factor of the contrast at the margin.
 *
 * Without a covariate on both arms (older evidence, or a model that sends none), or with no
 * covariate spread, the input is returned unchanged: the plain test of §5.3. So it is when the
 * arms' covariate means are shown to differ (the balance check): a covariate measured before
 * assignment cannot differ between arms but by chance, so a shown difference means it was not
 * pre-exposure (e.g. a client that set it from the version it was served) and the adjustment
 * would carry that bias into the contrast.
 */
import { niContrast } from '../stats/contrast'
import { cupedAdjust } from '../stats/cuped'
import { mixtureBoundary } from '../stats/mixture'
import type { Moments } from '../stats/moments'
import { num } from './format'
import type { NiVerdictInput } from './metric-tests'
import type { MetricVerdict } from './types'

export interface CovariateInput {
  input: NiVerdictInput
  /** Appended to the verdict's reason; null when the plain test runs. */
  note: string | null
}

/** Two-sided level of the balance check; always valid, so it may run every tick (§5.8). */
export const BALANCE_ALPHA = 0.001
/** The balance check's mixture is tuned to differences of a tenth of the covariate's sd. */
const BALANCE_TAU_SD = 0.1

/**
 * The balance check: the always-valid two-sided mixture test (§4) of x̄_B − x̄_A = 0 at
 * BALANCE_ALPHA. Returns why CUPED is off, or null when no difference is shown.
 */
export function covariateImbalance(champion: Moments, challenger: Moments): string | null {
  const a = champion.x
  const b = challenger.x
  if (a === undefined || b === undefined || champion.n < 2 || challenger.n < 2) return null
  const v = a.m2 / (champion.n * (champion.n - 1)) + b.m2 / (challenger.n * (challenger.n - 1))
  const pooled = (a.m2 + b.m2) / (champion.n + challenger.n - 2)
  const tau2 = BALANCE_TAU_SD * BALANCE_TAU_SD * pooled
  if (!(v > 0) || !(tau2 > 0)) return null
  const d = b.mean - a.mean
  const bound = mixtureBoundary(v, tau2, BALANCE_ALPHA / 2)
  if (!(Math.abs(d) > bound)) return null
  return (
    `CUPED off: the covariate differs between arms (x̄ challenger ${num(b.mean)} vs champion ` +
    `${num(a.mean)}, |Δ| = ${num(Math.abs(d))} > ${num(bound)}), so it cannot be pre-exposure; the plain test runs.`
  )
}

/** The NI input with CUPED-adjusted arms when both carry a balanced covariate. */
export function withCovariate(input: NiVerdictInput): CovariateInput {
  const imbalance = covariateImbalance(input.champion, input.challenger)
  if (imbalance !== null) return { input, note: imbalance }
  const r = cupedAdjust(input.champion, input.challenger)
  if (r === null) return { input, note: null }
  const adjusted: NiVerdictInput = { ...input, champion: r.champion, challenger: r.challenger }
  const spec = { direction: input.direction, marginKind: 'relative' as const, margin: input.margin }
  const before = niContrast({ ...spec, champion: input.champion, challenger: input.challenger }).variance
  const after = niContrast({ ...spec, champion: r.champion, challenger: r.challenger }).variance
  const factor = before > 0 ? `, variance × ${num(after / before)}` : ''
  const note = `CUPED: θ = ${num(r.theta)}, ρ = ${num(r.rho)}${factor}; arm estimates adjusted.`
  return { input: adjusted, note }
}

/** The verdict with the CUPED note appended to its reason. */
export function noted(v: MetricVerdict, note: string | null): MetricVerdict {
  return note === null ? v : { ...v, reason: `${v.reason} ${note}` }
}
