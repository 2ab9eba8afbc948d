/**
 * @module core/metrics/prometheus
 * Monotonic totals per (version, arm) and their Prometheus text exposition (format 0.0.4).
 * Classic `le` buckets are counted exactly at ingest (not derived from the exponential histogram),
 * so every exposed number is a true counter.
 */

/** Upper bounds (ms) of the exposed latency histogram buckets. */
export const LATENCY_LE_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000] as const

/** Exact classic-histogram counts of a set of latencies (what a Prometheus histogram exposes). */
export interface LatencyCounts {
  /** Cumulative counts for each LATENCY_LE_MS bound (classic Prometheus semantics: ≤ le). */
  latencyLe: number[]
  latencyCount: number
  latencySumMs: number
}

export interface Totals extends LatencyCounts {
  requests: number
  /** Responses by status class ('2xx'…'5xx'), plus gateway-generated 'timeout' and 'unreachable'. */
  byClass: Record<string, number>
  failedAttempts: number
  shadowPairs: number
  shadowDiverged: number
}

export function emptyLatencyCounts(): LatencyCounts {
  return { latencyLe: LATENCY_LE_MS.map(() => 0), latencyCount: 0, latencySumMs: 0 }
}

export function emptyTotals(): Totals {
  return { requests: 0, byClass: {}, failedAttempts: 0, ...emptyLatencyCounts(), shadowPairs: 0, shadowDiverged: 0 }
}

export function addLatency(t: LatencyCounts, ms: number): void {
  t.latencyCount++
  t.latencySumMs += ms
  for (let i = 0; i < LATENCY_LE_MS.length; i++)
    if (ms <= (LATENCY_LE_MS[i] as number)) t.latencyLe[i] = (t.latencyLe[i] as number) + 1
}

/** Adds `src`'s counts to `t` (exact). */
export function addLatencyCounts(t: LatencyCounts, src: LatencyCounts): void {
  t.latencyCount += src.latencyCount
  t.latencySumMs += src.latencySumMs
  for (let i = 0; i < LATENCY_LE_MS.length; i++) t.latencyLe[i] = (t.latencyLe[i] ?? 0) + (src.latencyLe[i] ?? 0)
}

export function mergeTotals(a: Totals, b: Totals): Totals {
  const byClass = { ...a.byClass }
  for (const [k, v] of Object.entries(b.byClass)) byClass[k] = (byClass[k] ?? 0) + v
  return {
    requests: a.requests + b.requests,
    byClass,
    failedAttempts: a.failedAttempts + b.failedAttempts,
    latencyLe: a.latencyLe.map((v, i) => v + (b.latencyLe[i] ?? 0)),
    latencyCount: a.latencyCount + b.latencyCount,
    latencySumMs: a.latencySumMs + b.latencySumMs,
    shadowPairs: a.shadowPairs + b.shadowPairs,
    shadowDiverged: a.shadowDiverged + b.shadowDiverged,
  }
}

export interface TotalsSeries {
  model: string
  version: string
  arm: string
  totals: Totals
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function labels(s: TotalsSeries, extra: Record<string, string> = {}): string {
  const all = { model: s.model, version: s.version, arm: s.arm, ...extra }
  return `{${Object.entries(all)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',')}}`
}

/** Render the exposition text. Series are sorted so the output is stable. */
export function renderPrometheus(series: TotalsSeries[]): string {
  const sorted = [...series].sort((a, b) =>
    `${a.model}|${a.version}|${a.arm}`.localeCompare(`${b.model}|${b.version}|${b.arm}`),
  )
  const out: string[] = []
  out.push(
    '# HELP modelgate_requests_total Client responses by answering version and arm.',
    '# TYPE modelgate_requests_total counter',
  )
  for (const s of sorted) if (s.arm !== 'shadow') out.push(`modelgate_requests_total${labels(s)} ${s.totals.requests}`)
  out.push(
    '# HELP modelgate_responses_total Client responses by status class (timeout and unreachable are gateway errors).',
    '# TYPE modelgate_responses_total counter',
  )
  for (const s of sorted) {
    for (const [cls, n] of Object.entries(s.totals.byClass).sort())
      out.push(`modelgate_responses_total${labels(s, { class: cls })} ${n}`)
  }
  out.push(
    '# HELP modelgate_errors_total Failed exposures: 5xx, timeouts, connect errors and failed attempts that fell back.',
    '# TYPE modelgate_errors_total counter',
  )
  for (const s of sorted) {
    const t = s.totals
    const errors = (t.byClass['5xx'] ?? 0) + (t.byClass.timeout ?? 0) + (t.byClass.unreachable ?? 0) + t.failedAttempts
    out.push(`modelgate_errors_total${labels(s)} ${errors}`)
  }
  out.push(
    '# HELP modelgate_upstream_latency_ms Upstream latency of answered requests (shadow arm: shadow calls).',
    '# TYPE modelgate_upstream_latency_ms histogram',
  )
  for (const s of sorted) {
    LATENCY_LE_MS.forEach((le, i) =>
      out.push(`modelgate_upstream_latency_ms_bucket${labels(s, { le: String(le) })} ${s.totals.latencyLe[i] ?? 0}`),
    )
    out.push(`modelgate_upstream_latency_ms_bucket${labels(s, { le: '+Inf' })} ${s.totals.latencyCount}`)
    out.push(`modelgate_upstream_latency_ms_sum${labels(s)} ${s.totals.latencySumMs}`)
    out.push(`modelgate_upstream_latency_ms_count${labels(s)} ${s.totals.latencyCount}`)
  }
  out.push(
    '# HELP modelgate_shadow_pairs_total Comparable shadow pairs.',
    '# TYPE modelgate_shadow_pairs_total counter',
  )
  for (const s of sorted)
    if (s.arm === 'shadow') out.push(`modelgate_shadow_pairs_total${labels(s)} ${s.totals.shadowPairs}`)
  out.push(
    '# HELP modelgate_shadow_diverged_total Shadow pairs whose outputs diverged.',
    '# TYPE modelgate_shadow_diverged_total counter',
  )
  for (const s of sorted)
    if (s.arm === 'shadow') out.push(`modelgate_shadow_diverged_total${labels(s)} ${s.totals.shadowDiverged}`)
  return `${out.join('\n')}\n`
}
