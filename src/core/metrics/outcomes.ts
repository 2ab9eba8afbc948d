/**
 * @module core/metrics/outcomes
 * Turning a business outcome into the number that gates aggregate, and the shapes shards return.
 */
import type { BusinessMetric } from '../registry/types'
import type { RequestClaims } from '../attribution/request-token'
import type { Moments } from '../stats/moments'

export type OutcomeValue = number | string | boolean

/** Largest |value| a mean metric counts (see outcomeNumber). */
export const MAX_OUTCOME_MAGNITUDE = 1e15

/** The value counted for a metric, or a reason it cannot be counted. */
export function outcomeNumber(
  metric: BusinessMetric,
  raw: OutcomeValue,
): { ok: true; value: number } | { ok: false; reason: string } {
  if (metric.kind === 'proportion') {
    if (typeof raw === 'boolean') return { ok: true, value: raw ? 1 : 0 }
    if (typeof raw === 'number') {
      if (raw === 0 || raw === 1) return { ok: true, value: raw }
      return { ok: false, reason: `proportion metric ${metric.name} takes 0/1, true/false or a label` }
    }
    return { ok: true, value: metric.positive_labels.includes(raw) ? 1 : 0 }
  }
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN
  if (!Number.isFinite(n)) return { ok: false, reason: `mean metric ${metric.name} takes a finite number` }
  // Winsorise at bounds fixed in advance (docs/statistics.md §10.3): heavy tails would otherwise
  // inflate variance and false rollbacks.
  let v = n
  if (metric.cap !== undefined && v > metric.cap) v = metric.cap
  if (metric.floor !== undefined && v < metric.floor) v = metric.floor
  // Shards keep sums of squares: a value near 1e154 would make them infinite and the arm's variance
  // NaN for good. Far beyond any business value; a cap or floor brings larger raw values within it.
  if (Math.abs(v) > MAX_OUTCOME_MAGNITUDE) {
    return {
      ok: false,
      reason: `mean metric ${metric.name} takes values within ±${MAX_OUTCOME_MAGNITUDE} (after its cap and floor)`,
    }
  }
  return { ok: true, value: v }
}

/** One authenticated outcome, routed to the shard that saw its request. */
export interface OutcomeItem {
  requestId: string
  claims: RequestClaims
  metric: string
  value: number
  raw: OutcomeValue
  /** For counterfactual scoring of shadow pairs. */
  comparator: unknown
}

/**
 * What a shard answers per outcome: counted (`accepted`); already counted with the same value
 * (`duplicate`, idempotent); already counted with a different value (`conflict`: the first value
 * stays, and the contradiction is counted, see docs/statistics.md §10.6); or for a request minute
 * already folded into the gate statistics (`expired`).
 */
export const OUTCOME_STATUSES = ['accepted', 'duplicate', 'conflict', 'expired'] as const
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number]

/**
 * A repeated report for a request and metric, judged against the value counted first: the counted
 * numbers are compared (after label mapping, cap and floor), so `true`, `1` and a positive label
 * are the same report. `first` null = unknown (stored before shards kept the value): `duplicate`,
 * as every repeat was answered before.
 */
export function repeatStatus(first: number | null, value: number): 'duplicate' | 'conflict' {
  if (first === null || first === value) return 'duplicate'
  return 'conflict'
}

/** Matured outcome sums for one (epoch, version, arm, segment, metric). */
export interface MaturedRow {
  epoch: number
  version: string
  arm: string
  segment: string
  metric: string
  /** Exposures of requests whose attribution window has passed. */
  exposures: number
  /** Outcomes received for those requests, with the sum and sum of squares of their values. */
  n: number
  sum: number
  sumSq: number
  /**
   * The pre-exposure covariate (./covariate), 0 where missing: Σx and Σx² over the matured exposures,
   * and over the outcomes Σx, Σx² and Σxy (x from each outcome's request id, y its value). Absent
   * from shards deployed before covariates (read as 0).
   */
  sumX?: number
  sumXSq?: number
  outSumX?: number
  outSumXSq?: number
  sumXY?: number
}

export interface CounterfactualRow {
  epoch: number
  version: string
  metric: string
  n: number
  championCorrect: number
  shadowCorrect: number
  championLoss: Moments
  shadowLoss: Moments
}
