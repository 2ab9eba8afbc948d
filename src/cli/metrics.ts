/**
 * @module cli/metrics
 * Reading the metrics API's per-(version, arm) series: totals over a window. Counts add up;
 * quantiles do not, so a window that spans several points reports the worst point's p99 (an upper
 * bound) — callers ask for one point per window where they can (step = window length).
 */
import type { MetricsPoint, MetricsSeries } from './api-types'

export interface ArmTotals {
  version: string
  arm: string
  requests: number
  /** Requests routed to the arm (the error rate's denominator; see the API's `exposures`). */
  exposures: number
  errors: number
  errorRate: number | null
  /** Time to first byte. */
  p50Ms: number | null
  p95Ms: number | null
  p99Ms: number | null
  /** Total duration (to the body's last byte). */
  durationP50Ms: number | null
  durationP95Ms: number | null
  durationP99Ms: number | null
  shadowPairs: number
  /** Shadow arm: copies skipped (in-flight cap, oversized or timed-out inputs). */
  shadowSkipped: number
  divergenceRate: number | null
}

export function totals(series: MetricsSeries, keep: (p: MetricsPoint) => boolean = () => true): ArmTotals {
  // A server from before `exposures` existed: its requests are the nearest denominator. One from
  // before durations and skipped shadow copies has neither (none shown).
  const exposuresOf = (p: MetricsPoint) => p.exposures ?? p.requests
  const skippedOf = (p: MetricsPoint) => p.shadow_skipped ?? 0
  const points = series.points.filter(
    (p) => keep(p) && (p.requests > 0 || exposuresOf(p) > 0 || p.errors > 0 || p.shadow_pairs > 0 || skippedOf(p) > 0),
  )
  const requests = sum(points.map((p) => p.requests))
  const exposures = sum(points.map(exposuresOf))
  const errors = sum(points.map((p) => p.errors))
  const pairs = sum(points.map((p) => p.shadow_pairs))
  const diverged = sum(points.map((p) => (p.divergence_rate ?? 0) * p.shadow_pairs))
  const worst = (pick: (p: MetricsPoint) => number | null) => {
    const xs = points.map(pick).filter((x): x is number => x !== null)
    return xs.length ? Math.max(...xs) : null
  }
  return {
    version: series.version,
    arm: series.arm,
    requests,
    exposures,
    errors,
    // The server's rule: errors over routed requests. A challenger whose every call failed over to
    // the champion answered nothing, yet its error rate is 100%, not "no data".
    errorRate: exposures > 0 ? errors / exposures : null,
    p50Ms: worst((p) => p.p50_ms),
    p95Ms: worst((p) => p.p95_ms),
    p99Ms: worst((p) => p.p99_ms),
    durationP50Ms: worst((p) => p.duration_p50_ms ?? null),
    durationP95Ms: worst((p) => p.duration_p95_ms ?? null),
    durationP99Ms: worst((p) => p.duration_p99_ms ?? null),
    shadowPairs: pairs,
    shadowSkipped: sum(points.map(skippedOf)),
    divergenceRate: pairs > 0 ? diverged / pairs : null,
  }
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0)
}

/** "from=…&to=…&step=…" for the metrics API; `step` in seconds, a multiple of 60 in [60, 86400]. */
export function metricsQuery(q: { from: string; to?: string; stepS?: number }): string {
  const step = Math.min(86_400, Math.max(60, Math.ceil((q.stepS ?? 60) / 60) * 60))
  const params = new URLSearchParams({ from: q.from, ...(q.to ? { to: q.to } : {}), step: String(step) })
  return params.toString()
}
