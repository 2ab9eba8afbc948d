/**
 * @module core/metrics/covariate
 * A pre-exposure covariate for CUPED (docs/statistics.md §5.8): a number known about the unit before
 * it was exposed (its conversion rate over the last 30 days, say), sent by the client in the header
 * the model's business metric names (`"covariate": {"header": …}`; README, "Business metrics").
 *
 * - The data plane reads it with the request (`covariateOf`, synchronous) and adds x and x² to the
 *   row that counts the request's exposure (its assigned arm), so matured exposures carry Σx, Σx².
 * - The value also travels in the signed request id (core/attribution/request-token, layout `mg4`):
 *   when an outcome y comes back, the shard adds x·y to Σxy from the id, never from the report,
 *   so a reporter cannot alter x.
 * - A missing or unreadable value counts as 0 (imputed). CUPED stays unbiased with any imputation
 *   that does not depend on the arm: the header is read before routing has any effect on the unit,
 *   so whether it is missing cannot depend on the random assignment.
 *
 * Values are rounded to 6 significant digits, once, here: the id stays short (a few characters),
 * and the exposure sums and the outcome's x·y use the very same number.
 */
import type { BusinessMetric } from '../registry/types'

/** Largest |x| counted: shards keep sums of squares (see MAX_OUTCOME_MAGNITUDE in ./outcomes). */
export const MAX_COVARIATE_MAGNITUDE = 1e15

/** Significant digits a covariate keeps (plenty for a regression adjustment; short in an id). */
export const COVARIATE_DIGITS = 6

/** A plain decimal number: no hex, no `Infinity`, no empty string (which Number() reads as 0). */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** Σx and Σx² of the covariate over a row's exposures (missing values count as 0 and add nothing). */
export interface CovariateSums {
  sum: number
  sumSq: number
}

/** The header carrying the model's covariate, or null when no metric declares one (one header per model). */
export function covariateHeader(metrics: readonly BusinessMetric[]): string | null {
  for (const m of metrics) if (m.covariate !== undefined) return m.covariate.header
  return null
}

/** A header's value as a covariate: a finite decimal within bounds, rounded; anything else null (missing). */
export function parseCovariate(raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined) return null
  const text = raw.trim()
  if (text.length > 40 || !DECIMAL.test(text)) return null
  const x = Number(text)
  if (!Number.isFinite(x) || Math.abs(x) > MAX_COVARIATE_MAGNITUDE) return null
  // `+ 0` turns -0 into 0, so the id never carries "-0".
  return Number(x.toPrecision(COVARIATE_DIGITS)) + 0
}

/**
 * The request's covariate, read from its headers (lower-cased names, see data-plane/headers):
 * undefined when the model declares none, 0 when the header is missing or unreadable.
 */
export function covariateOf(
  metrics: readonly BusinessMetric[],
  headers: Readonly<Record<string, string>>,
): number | undefined {
  const header = covariateHeader(metrics)
  if (header === null) return undefined
  return parseCovariate(headers[header]) ?? 0
}

/** A row that may hold covariate sums (core/metrics/aggregate Agg). */
interface WithCovariate {
  covariate?: CovariateSums
}

/** Adds one exposure's covariate to a row's sums. */
export function addCovariate(row: WithCovariate, x: number): void {
  const sums = (row.covariate ??= { sum: 0, sumSq: 0 })
  sums.sum += x
  sums.sumSq += x * x
}

/** Merges `src`'s sums into `target`'s (exact); a row without sums adds nothing. */
export function mergeCovariate(target: WithCovariate, src: WithCovariate): void {
  if (src.covariate === undefined) return
  const sums = (target.covariate ??= { sum: 0, sumSq: 0 })
  sums.sum += src.covariate.sum
  sums.sumSq += src.covariate.sumSq
}
