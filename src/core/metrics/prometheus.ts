/**
 * @module core/metrics/prometheus
 * Monotonic totals per (version, arm), per-model loss counters, outcome conflicts, and their
 * Prometheus text exposition (format 0.0.4). Classic `le` buckets are counted exactly at ingest
 * (not derived from the exponential histogram), so every exposed number is a true counter. Names
 * follow Prometheus' conventions (counters end in `_total`, durations in seconds), which
 * test/support/promlint.ts checks.
 */

/**
 * Upper bounds (ms) of the latency histogram buckets. Counted in ms, exposed in seconds: Prometheus
 * names carry base units (README, "Prometheus and Grafana").
 */
export const LATENCY_LE_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000] as const

/**
 * Upper bounds (ms) of the exposed duration histogram buckets, exposed in seconds: a streamed
 * answer can last minutes (up to the longest head timeout plus streaming).
 */
export const DURATION_LE_MS = [
  5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000,
] as const

/** Exact classic-histogram counts (cumulative per bound, as Prometheus `le` buckets are). */
export interface BucketCounts {
  le: number[]
  count: number
  sumMs: number
}

/** Exact classic-histogram counts of a set of latencies (what a Prometheus histogram exposes). */
export interface LatencyCounts {
  /** Cumulative counts for each LATENCY_LE_MS bound (classic Prometheus semantics: ≤ le). */
  latencyLe: number[]
  latencyCount: number
  latencySumMs: number
}

export interface Totals extends LatencyCounts {
  requests: number
  /**
   * Responses by status class ('2xx'…'5xx'), plus gateway-generated 'timeout' and 'unreachable',
   * and 'stream_error' / 'stream_stalled' for bodies that broke off or went silent after the head.
   */
  byClass: Record<string, number>
  failedAttempts: number
  shadowPairs: number
  shadowDiverged: number
  /** Shadow copies skipped (in-flight cap, oversized or timed-out inputs); absent in older totals. */
  shadowSkipped?: number
  /** Durations (to the body's end) of answered requests; absent in totals stored before them. */
  duration?: BucketCounts
}

/** Measurements lost on their way to a shard: records and the batches that held them. */
export interface DroppedCounts {
  records: number
  batches: number
}

/** Requests whose business outcome a later report contradicted (docs/statistics.md §10.6). */
export interface ConflictSeries {
  model: string
  version: string
  arm: string
  metric: string
  conflicts: number
}

/** A model's measurements lost before reaching a shard, as reported by the isolates that lost them. */
export interface ModelLoss extends DroppedCounts {
  model: string
}

export function emptyLatencyCounts(): LatencyCounts {
  return { latencyLe: LATENCY_LE_MS.map(() => 0), latencyCount: 0, latencySumMs: 0 }
}

export function emptyDurationCounts(): BucketCounts {
  return { le: DURATION_LE_MS.map(() => 0), count: 0, sumMs: 0 }
}

export function emptyTotals(): Totals {
  return {
    requests: 0,
    byClass: {},
    failedAttempts: 0,
    ...emptyLatencyCounts(),
    shadowPairs: 0,
    shadowDiverged: 0,
    shadowSkipped: 0,
    duration: emptyDurationCounts(),
  }
}

export function addLatency(t: LatencyCounts, ms: number): void {
  t.latencyCount++
  t.latencySumMs += ms
  for (let i = 0; i < LATENCY_LE_MS.length; i++)
    if (ms <= (LATENCY_LE_MS[i] as number)) t.latencyLe[i] = (t.latencyLe[i] as number) + 1
}

export function addDuration(t: BucketCounts, ms: number): void {
  t.count++
  t.sumMs += ms
  for (let i = 0; i < DURATION_LE_MS.length; i++)
    if (ms <= (DURATION_LE_MS[i] as number)) t.le[i] = (t.le[i] as number) + 1
}

/** `a` plus `b` (exact); either may be absent (totals stored before durations). */
export function sumDurationCounts(a: BucketCounts | undefined, b: BucketCounts | undefined): BucketCounts {
  const out = emptyDurationCounts()
  for (const src of [a, b]) {
    if (src === undefined) continue
    out.count += src.count
    out.sumMs += src.sumMs
    for (let i = 0; i < DURATION_LE_MS.length; i++) out.le[i] = (out.le[i] as number) + (src.le[i] ?? 0)
  }
  return out
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
    shadowSkipped: (a.shadowSkipped ?? 0) + (b.shadowSkipped ?? 0),
    duration: sumDurationCounts(a.duration, b.duration),
  }
}

/** The classes `modelgate_errors_total` counts (with failed attempts). */
const ERROR_CLASSES = ['5xx', 'timeout', 'unreachable', 'stream_error', 'stream_stalled'] as const

export interface TotalsSeries {
  model: string
  version: string
  arm: string
  totals: Totals
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function labelText(all: Record<string, string>): string {
  return `{${Object.entries(all)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(',')}}`
}

function labels(s: TotalsSeries, extra: Record<string, string> = {}): string {
  return labelText({ model: s.model, version: s.version, arm: s.arm, ...extra })
}

/**
 * Render the exposition text. Series are sorted so the output is stable. `losses` lists every model
 * (with zeros where nothing was lost), so that its loss counters exist from the start; `conflicts`
 * every (model, version, arm, metric) with accepted outcomes, zeros included.
 */
export function renderPrometheus(
  series: TotalsSeries[],
  losses: ModelLoss[] = [],
  conflicts: ConflictSeries[] = [],
): string {
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
    '# HELP modelgate_errors_total Failed exposures: 5xx, timeouts, connect errors, bodies that broke off or stalled, and failed attempts that fell back.',
    '# TYPE modelgate_errors_total counter',
  )
  for (const s of sorted) {
    const t = s.totals
    let errors = t.failedAttempts
    for (const cls of ERROR_CLASSES) errors += t.byClass[cls] ?? 0
    out.push(`modelgate_errors_total${labels(s)} ${errors}`)
  }
  out.push(
    '# HELP modelgate_upstream_latency_seconds Upstream latency (to the response head) of answered requests; shadow arm: shadow calls.',
    '# TYPE modelgate_upstream_latency_seconds histogram',
  )
  for (const s of sorted) {
    LATENCY_LE_MS.forEach((le, i) =>
      out.push(
        `modelgate_upstream_latency_seconds_bucket${labels(s, { le: String(le / 1000) })} ${s.totals.latencyLe[i] ?? 0}`,
      ),
    )
    out.push(`modelgate_upstream_latency_seconds_bucket${labels(s, { le: '+Inf' })} ${s.totals.latencyCount}`)
    out.push(`modelgate_upstream_latency_seconds_sum${labels(s)} ${s.totals.latencySumMs / 1000}`)
    out.push(`modelgate_upstream_latency_seconds_count${labels(s)} ${s.totals.latencyCount}`)
  }
  out.push(
    "# HELP modelgate_upstream_duration_seconds Upstream duration of answered requests, from the call to the body's last byte (or its error, stall or the client's cancel); shadow arm: shadow calls read to the end.",
    '# TYPE modelgate_upstream_duration_seconds histogram',
  )
  for (const s of sorted) {
    const d = s.totals.duration ?? emptyDurationCounts()
    DURATION_LE_MS.forEach((le, i) =>
      out.push(`modelgate_upstream_duration_seconds_bucket${labels(s, { le: String(le / 1000) })} ${d.le[i] ?? 0}`),
    )
    out.push(`modelgate_upstream_duration_seconds_bucket${labels(s, { le: '+Inf' })} ${d.count}`)
    out.push(`modelgate_upstream_duration_seconds_sum${labels(s)} ${d.sumMs / 1000}`)
    out.push(`modelgate_upstream_duration_seconds_count${labels(s)} ${d.count}`)
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
  out.push(
    '# HELP modelgate_shadow_copies_skipped_total Shadow copies not run or not compared: in-flight cap reached, oversized or broken inputs, inputs slower than the shadow timeout.',
    '# TYPE modelgate_shadow_copies_skipped_total counter',
  )
  for (const s of sorted) {
    if (s.arm !== 'shadow') continue
    const l = labelText({ model: s.model, version: s.version })
    out.push(`modelgate_shadow_copies_skipped_total${l} ${s.totals.shadowSkipped ?? 0}`)
  }
  const byModel = [...losses].sort((a, b) => a.model.localeCompare(b.model))
  out.push(
    '# HELP modelgate_measurements_dropped_total Measurements an isolate dropped after every retry of their batch failed, as reported by its next batch that landed.',
    '# TYPE modelgate_measurements_dropped_total counter',
  )
  for (const m of byModel) out.push(`modelgate_measurements_dropped_total${labelText({ model: m.model })} ${m.records}`)
  out.push(
    '# HELP modelgate_measurement_batches_dropped_total Measurement batches an isolate dropped after every retry failed, as reported by its next batch that landed.',
    '# TYPE modelgate_measurement_batches_dropped_total counter',
  )
  for (const m of byModel)
    out.push(`modelgate_measurement_batches_dropped_total${labelText({ model: m.model })} ${m.batches}`)
  out.push(
    '# HELP modelgate_outcome_conflicts_total Requests whose business outcome a later report contradicted (the first value is kept; counted once per request).',
    '# TYPE modelgate_outcome_conflicts_total counter',
  )
  const key = (c: ConflictSeries) => `${c.model}|${c.version}|${c.arm}|${c.metric}`
  for (const c of [...conflicts].sort((a, b) => key(a).localeCompare(key(b)))) {
    const l = labelText({ model: c.model, version: c.version, arm: c.arm, metric: c.metric })
    out.push(`modelgate_outcome_conflicts_total${l} ${c.conflicts}`)
  }
  return `${out.join('\n')}\n`
}
