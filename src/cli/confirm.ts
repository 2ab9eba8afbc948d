/**
 * @module cli/confirm
 * Deciding that a rollback took: the stable version carries the traffic under the new epoch, and
 * its error rate and latency are back to baseline.
 *
 * Two sources, in order of preference:
 * - the rollout's own record: when the rollback ended an exposed rollout, the controller confirms
 *   it on a cron tick (src/core/rollout/confirmation.ts, exact by epoch);
 * - otherwise the metrics API. Its series are per minute and not per epoch, so the CLI only
 *   counts the minutes after the rollback minute from which on no other version served, and asks
 *   for as many requests as the controller does. Same thresholds as the controller's CONFIRM.
 */
import { CONFIRM, confirmationQuantile, errorRateRecovered, latencyRecovered } from '../core/rollout/confirmation'
import type { MetricsSeries, RollbackConfirmationDetails, RolloutView } from './api-types'
import { formatDuration } from './duration'
import { ms, pct, time } from './format'
import { totals, type ArmTotals } from './metrics'

export { CONFIRM }

const MINUTE = 60_000

export interface Confirmation {
  ok: boolean
  /** Who decided: the gateway's controller (exact, by epoch) or the CLI from per-minute metrics. */
  source: 'controller' | 'metrics'
  version: string
  epoch: number
  /** Share of traffic the stable version gets in the published routing. */
  weight: number
  requests: number | null
  otherRequests: number | null
  errorRate: number | null
  p99Ms: number | null
  baselineErrorRate: number | null
  baselineP99Ms: number | null
  timeToConfirmMs: number
  /** Metrics source: the first whole minute counted. */
  since?: string
  reason?: string
}

/** The controller's confirmation from the rollout view, or null while it has not decided. */
export function fromRollout(r: RolloutView, fallback: { epoch: number; weight: number }): Confirmation | null {
  const c = r.rollback?.confirmation
  if (!r.rollback || !c) return null
  const d: RollbackConfirmationDetails = (c.details ?? {}) as RollbackConfirmationDetails
  return {
    ok: c.ok,
    source: 'controller',
    version: d.stable_version ?? r.rollback.version,
    epoch: d.epoch ?? fallback.epoch,
    weight: fallback.weight,
    requests: d.requests_since_rollback ?? null,
    otherRequests: d.challenger_requests_since_rollback ?? null,
    errorRate: d.error_rate ?? null,
    p99Ms: d.p99_ms ?? null,
    baselineErrorRate: d.baseline_error_rate ?? null,
    baselineP99Ms: d.baseline_p99_ms ?? null,
    timeToConfirmMs: c.time_to_confirm_ms,
    ...(d.reason ? { reason: d.reason } : {}),
  }
}

export interface TrafficWindow {
  /** Start (ms) of the first whole minute after the rollback with no other version serving since. */
  cleanFrom: number
  /** Requests the stable version answered from cleanFrom on. */
  stableRequests: number
  /** Other versions that served at or after the rollback minute, with their requests then. */
  others: Array<{ version: string; requests: number; lastMinute: string }>
  ready: boolean
}

/** Reads per-minute series (step 60) that start at the rollback minute. */
export function trafficSince(series: MetricsSeries[], stable: string, rollbackAt: number): TrafficWindow {
  const rollbackMinute = Math.floor(rollbackAt / MINUTE) * MINUTE
  let lastDirty = -Infinity
  const others: TrafficWindow['others'] = []
  for (const s of series) {
    if (s.arm === 'shadow' || s.version === stable) continue
    // Routed to, not only answered by: a version whose every call fails over still gets traffic.
    const served = s.points.filter(
      (p) => (p.requests > 0 || (p.exposures ?? 0) > 0) && Date.parse(p.t) >= rollbackMinute,
    )
    if (served.length === 0) continue
    const last = Math.max(...served.map((p) => Date.parse(p.t)))
    lastDirty = Math.max(lastDirty, last)
    others.push({
      version: s.version,
      requests: served.reduce((a, p) => a + Math.max(p.requests, p.exposures ?? 0), 0),
      lastMinute: new Date(last).toISOString(),
    })
  }
  // The rollback minute itself mixes both routings; a minute with other versions is not clean either.
  const cleanFrom = Math.max(rollbackMinute + MINUTE, lastDirty + MINUTE)
  const stableRequests = series
    .filter((s) => s.arm !== 'shadow' && s.version === stable)
    .reduce((a, s) => a + totals(s, (p) => Date.parse(p.t) >= cleanFrom).requests, 0)
  return { cleanFrom, stableRequests, others, ready: stableRequests >= CONFIRM.minRequests }
}

/** The stable version's health over a window, as the metrics API reports it. */
export interface HealthSample {
  errorRate: number | null
  p50Ms: number | null
  p95Ms: number | null
  p99Ms: number | null
  /**
   * Answers behind the latency quantiles: the smallest arm's, since each quantile is the worst
   * arm's and is only as good as the fewest answers it may come from.
   */
  latencyCount: number
}

/** Sums the stable version's non-shadow arms (it may serve as champion and as cohort control). */
export function stableTotals(series: MetricsSeries[], stable: string): (ArmTotals & { latencyCount: number }) | null {
  const mine = series.filter((s) => s.arm !== 'shadow' && s.version === stable)
  if (mine.length === 0) return null
  const all = mine.map((s) => totals(s))
  const requests = all.reduce((a, t) => a + t.requests, 0)
  const exposures = all.reduce((a, t) => a + t.exposures, 0)
  const errors = all.reduce((a, t) => a + t.errors, 0)
  const worst = (xs: Array<number | null>) => {
    const v = xs.filter((x): x is number => x !== null)
    return v.length ? Math.max(...v) : null
  }
  const served = all.filter((t) => t.requests > 0).map((t) => t.requests)
  return {
    version: stable,
    arm: mine.map((s) => s.arm).join('+'),
    requests,
    exposures,
    errors,
    errorRate: exposures > 0 ? errors / exposures : null,
    p50Ms: worst(all.map((t) => t.p50Ms)),
    p95Ms: worst(all.map((t) => t.p95Ms)),
    p99Ms: worst(all.map((t) => t.p99Ms)),
    durationP50Ms: worst(all.map((t) => t.durationP50Ms)),
    durationP95Ms: worst(all.map((t) => t.durationP95Ms)),
    durationP99Ms: worst(all.map((t) => t.durationP99Ms)),
    shadowPairs: 0,
    shadowSkipped: 0,
    divergenceRate: null,
    latencyCount: served.length ? Math.min(...served) : 0,
  }
}

/** A window with no answers: nothing to compare. */
export const NO_HEALTH: HealthSample = { errorRate: null, p50Ms: null, p95Ms: null, p99Ms: null, latencyCount: 0 }

/**
 * The controller's health test (core/rollout/confirmation): error rate and latency back within
 * slack of the baseline, latency at the highest quantile both windows support, so that the second
 * slowest of a hundred answers cannot deny a rollback that worked.
 */
export function healthBack(now: HealthSample, base: HealthSample): { ok: boolean; reason: string } {
  const baseRate = base.errorRate ?? 0
  if (now.errorRate !== null && !errorRateRecovered(now.errorRate, baseRate)) {
    return { ok: false, reason: `error rate ${pct(now.errorRate)} still above baseline ${pct(baseRate)}` }
  }
  const q = confirmationQuantile(Math.min(now.latencyCount, base.latencyCount))
  const at = (s: HealthSample) => (q === 0.99 ? s.p99Ms : q === 0.95 ? s.p95Ms : s.p50Ms)
  const latency = at(now)
  const baseline = at(base)
  if (latency !== null && baseline !== null && !latencyRecovered(latency, baseline)) {
    return { ok: false, reason: `p${Math.round(q * 100)} ${ms(latency)} still above baseline ${ms(baseline)}` }
  }
  return { ok: true, reason: 'error rate and latency within baseline' }
}

/** "confirmed: v1 carries 100% since epoch 12; error rate 0.0%, p99 4 ms; 1 m 12 s to confirm" */
export function confirmationLine(c: Confirmation): string {
  const head = c.ok ? 'confirmed' : 'NOT confirmed'
  const line = `${head}: ${c.version} carries ${c.weight}% since epoch ${c.epoch}; error rate ${pct(c.errorRate)}, p99 ${ms(c.p99Ms)}; ${formatDuration(c.timeToConfirmMs)} to ${c.ok ? 'confirm' : 'decide'}`
  return c.reason ? `${line} (${c.reason})` : line
}

/** The numbers behind the line: baseline, request counts, and who decided. */
export function confirmationDetail(c: Confirmation): string {
  const others = c.source === 'controller' ? 'the challenger' : 'other versions'
  const traffic =
    c.requests === null
      ? ''
      : `; ${c.requests} requests on ${c.version}${c.otherRequests === null ? '' : `, ${c.otherRequests} on ${others}`}`
  const source =
    c.source === 'controller'
      ? 'recorded by the gateway controller'
      : `from the metrics API, minutes from ${time(c.since)} on`
  return `  baseline: error rate ${pct(c.baselineErrorRate)}, p99 ${ms(c.baselineP99Ms)}${traffic} (${source})`
}
