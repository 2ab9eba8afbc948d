/**
 * @module core/metrics/aggregate
 * Mergeable per-arm aggregates of what the gateway observed. Every field is a count, a sum or a
 * mergeable structure (exponential histogram, Welford moments), so merging shards and minutes is
 * exact and order-independent. Rows are keyed by (minute, epoch, version, arm, segment); a stage's
 * evidence is the merge of its epochs' rows.
 */
import type { LatencyMeasure } from '../registry/types'
import { emptyHistogram, mergeInto, recordValue, type ExpHistogram } from '../stats/histogram'
import { addValue, emptyMoments, mergeMoments, type Moments } from '../stats/moments'
import {
  addDuration,
  addLatency,
  emptyDurationCounts,
  emptyLatencyCounts,
  type BucketCounts,
  type DroppedCounts,
  type LatencyCounts,
} from './prometheus'
import { addResponseValues, mergeResponseSums, type ResponseSums, type ResponseValues } from './response-metrics'
import { addCovariate, mergeCovariate, type CovariateSums } from './covariate'

/** Arm of a measurement: the routing arm, or `shadow` for copies sent to a shadow target. */
export type MeasuredArm = 'champion' | 'challenger' | 'cohort' | 'shadow'

/** Requests that matched a cohort rule (treatment or control) carry segment `cohort`. */
export type Segment = '' | 'cohort'

/** Latency precision: scale 6 bounds the relative quantile error by 0.54% (the measurement-accuracy acceptance in the README is ≤ 1.1%; docs/statistics.md §11.2). */
export const LATENCY_SCALE = 6

export interface AggKey {
  minute: number
  epoch: number
  version: string
  arm: MeasuredArm
  segment: Segment
}

export interface Agg {
  requests: number
  s2xx: number
  s3xx: number
  s4xx: number
  s5xx: number
  timeouts: number
  unreachable: number
  /**
   * Answers whose body broke off after the head (a reset or transport error) or went silent longer than the
   * backend's `stream_idle_timeout_ms`: errors of the version, counted instead of their status class (absent: none).
   */
  streamErrors?: number
  streamStalls?: number
  /** Answers given by this version after another version's attempt failed (fallback). */
  fallbackAnswers: number
  /**
   * Of those, the ones that failed too (5xx, timeout, connect error): the assigned arm's error already (its failed
   * attempt), so this version's error rate leaves them out. Rows stored before it lack it: read it as `?? 0`.
   */
  fallbackErrors: number
  /** Attempts of this version that failed and were answered by the champion instead. */
  failedAttempts: number
  /** Time to first byte (the response head) of answered requests, ms. */
  latency: ExpHistogram
  latencyMoments: Moments
  /** Answered requests' total duration (ms) to the body's end (last byte, error, stall, cancel); see `durationOf`. */
  duration?: ExpHistogram
  /** Shadow arm only: copies attempted, comparable pairs, divergent pairs, failed copies, skipped. */
  shadowAttempts: number
  shadowPairs: number
  shadowDiverged: number
  shadowErrors: number
  shadowSkipped: number
  /** Response metrics' sums by metric (see core/metrics/response-metrics); absent: none. */
  response?: Record<string, ResponseSums>
  /** The covariate's Σx, Σx² over the row's exposures (./covariate); absent: none declared. */
  covariate?: CovariateSums
  /** Exposures routed by the unit key (sticky), counted like `exposuresOf`; absent (older rows): 0. */
  stickyExposures?: number
}

export function emptyAgg(): Agg {
  return {
    requests: 0,
    s2xx: 0,
    s3xx: 0,
    s4xx: 0,
    s5xx: 0,
    timeouts: 0,
    unreachable: 0,
    fallbackAnswers: 0,
    fallbackErrors: 0,
    failedAttempts: 0,
    streamErrors: 0,
    streamStalls: 0,
    latency: emptyHistogram(LATENCY_SCALE),
    latencyMoments: emptyMoments(),
    duration: emptyHistogram(LATENCY_SCALE),
    shadowAttempts: 0,
    shadowPairs: 0,
    shadowDiverged: 0,
    shadowErrors: 0,
    shadowSkipped: 0,
  }
}

/** How the answering attempt ended: answered (body ended or cancelled), timeout, unreachable, broke off, stalled. */
export type RequestOutcome = 'response' | 'timeout' | 'unreachable' | 'stream_error' | 'stream_stalled'

/** Whether the upstream's response head arrived (the outcomes that carry latencies). */
export function headArrived(outcome: RequestOutcome): boolean {
  return outcome !== 'timeout' && outcome !== 'unreachable'
}

/** What the Worker reports for one client response (see data-plane/forward ForwardRecord). */
export interface RequestMeasurement {
  type: 'request'
  requestId: string
  at: number
  epoch: number
  version: string
  arm: MeasuredArm
  segment: Segment
  status: number
  outcome: RequestOutcome
  /** Time to first byte: from the upstream call to its response head. */
  latencyMs: number
  /** From the upstream call to the end of the body; null or absent when no head arrived. */
  durationMs?: number | null
  /** The failed first attempt, when the champion answered instead. */
  fallback: { version: string; arm: MeasuredArm } | null
  /** The model's response metrics read from the answer (absent: the model has none). */
  values?: ResponseValues | undefined
  /** The unit's pre-exposure covariate (./covariate); absent: the model declares none. */
  covariate?: number | undefined
  /** Routed by the unit key (sticky, core/routing/select) rather than at random; absent: not. */
  sticky?: boolean | undefined
}

/** One shadow copy and, when comparable, its pairing with the champion's answer. */
export interface ShadowMeasurement {
  type: 'shadow'
  requestId: string
  at: number
  epoch: number
  version: string
  verdict: 'agree' | 'diverge' | 'error' | 'skipped'
  /** Shadow call latency (ms) to its response head, when it answered. */
  latencyMs: number | null
  /** Shadow call duration (ms) to the end of its body, when it was read to the end. */
  durationMs?: number | null
  /** Extracted outputs for counterfactual scoring (kept until the attribution window ends). */
  championOutput?: unknown
  shadowOutput?: unknown
}

export type Measurement = RequestMeasurement | ShadowMeasurement

export function minuteOf(ms: number): number {
  return Math.floor(ms / 60_000)
}

export function keyString(k: AggKey): string {
  return `${k.minute}|${k.epoch}|${k.version}|${k.arm}|${k.segment}`
}

/** The row's duration histogram; empty for rows stored before it existed. */
export function durationOf(a: Agg): ExpHistogram {
  return a.duration ?? emptyHistogram(LATENCY_SCALE)
}

/** The histogram a latency gate reads: time to first byte, or total duration. */
export function latencyFor(a: Agg, measure: LatencyMeasure): ExpHistogram {
  return measure === 'duration' ? durationOf(a) : a.latency
}

function recordDuration(agg: Agg, ms: number | null | undefined): void {
  if (ms !== null && ms !== undefined) recordValue((agg.duration ??= emptyHistogram(LATENCY_SCALE)), ms)
}

/** Add one client response to the answering version's row. */
export function addRequest(agg: Agg, m: RequestMeasurement): void {
  agg.requests++
  if (m.outcome === 'timeout') agg.timeouts++
  else if (m.outcome === 'unreachable') agg.unreachable++
  else if (m.outcome === 'stream_error') agg.streamErrors = (agg.streamErrors ?? 0) + 1
  else if (m.outcome === 'stream_stalled') agg.streamStalls = (agg.streamStalls ?? 0) + 1
  else if (m.status >= 500) agg.s5xx++
  else if (m.status >= 400) agg.s4xx++
  else if (m.status >= 300) agg.s3xx++
  else agg.s2xx++
  if (headArrived(m.outcome)) {
    recordValue(agg.latency, m.latencyMs)
    agg.latencyMoments = addValue(agg.latencyMoments, m.latencyMs)
    recordDuration(agg, m.durationMs)
  }
  if (m.fallback) {
    agg.fallbackAnswers++
    if (m.outcome !== 'response' || m.status >= 500) agg.fallbackErrors = (agg.fallbackErrors ?? 0) + 1
  }
  if (m.values) addResponseValues((agg.response ??= {}), m.values)
}

export function addFailedAttempt(agg: Agg): void {
  agg.failedAttempts++
}

export function addShadow(agg: Agg, m: ShadowMeasurement): void {
  if (m.verdict === 'skipped') {
    agg.shadowSkipped++
    return
  }
  agg.shadowAttempts++
  if (m.verdict === 'error') agg.shadowErrors++
  else {
    agg.shadowPairs++
    if (m.verdict === 'diverge') agg.shadowDiverged++
  }
  if (m.latencyMs !== null) {
    recordValue(agg.latency, m.latencyMs)
    agg.latencyMoments = addValue(agg.latencyMoments, m.latencyMs)
  }
  recordDuration(agg, m.durationMs)
}

/** Merge `src` into `target` (exact). */
export function mergeAgg(target: Agg, src: Agg): void {
  target.requests += src.requests
  target.s2xx += src.s2xx
  target.s3xx += src.s3xx
  target.s4xx += src.s4xx
  target.s5xx += src.s5xx
  target.timeouts += src.timeouts
  target.unreachable += src.unreachable
  target.fallbackAnswers += src.fallbackAnswers
  target.fallbackErrors = (target.fallbackErrors ?? 0) + (src.fallbackErrors ?? 0)
  target.failedAttempts += src.failedAttempts
  target.streamErrors = (target.streamErrors ?? 0) + (src.streamErrors ?? 0)
  target.streamStalls = (target.streamStalls ?? 0) + (src.streamStalls ?? 0)
  mergeInto(target.latency, src.latency)
  target.latencyMoments = mergeMoments(target.latencyMoments, src.latencyMoments)
  target.duration ??= emptyHistogram(LATENCY_SCALE)
  if (src.duration) mergeInto(target.duration, src.duration)
  target.shadowAttempts += src.shadowAttempts
  target.shadowPairs += src.shadowPairs
  target.shadowDiverged += src.shadowDiverged
  target.shadowErrors += src.shadowErrors
  target.shadowSkipped += src.shadowSkipped
  if (src.response) mergeResponseSums((target.response ??= {}), src.response)
  mergeCovariate(target, src)
  if (src.stickyExposures) target.stickyExposures = (target.stickyExposures ?? 0) + src.stickyExposures
}

/**
 * Errors of a row as gates count them, over the same requests as `exposuresOf`: 5xx, timeouts, connect errors,
 * bodies that broke off or stalled, and failed attempts, minus failed rescues of another arm's requests.
 */
export function errorsOf(a: Agg): number {
  return (
    a.s5xx +
    a.timeouts +
    a.unreachable +
    (a.streamErrors ?? 0) +
    (a.streamStalls ?? 0) +
    a.failedAttempts -
    (a.fallbackErrors ?? 0)
  )
}

/** Requests routed to this arm by design: answered ones, plus failed attempts, minus rescues. */
export function exposuresOf(a: Agg): number {
  return a.requests + a.failedAttempts - a.fallbackAnswers
}

/**
 * One row of a measurement batch: its key, its aggregate, and the exact Prometheus bucket counts of its latencies
 * and durations (classic `le` buckets cannot be derived from the exponential histogram; older rows lack durations).
 */
export interface AggRow {
  key: AggKey
  agg: Agg
  prom: LatencyCounts
  promDuration?: BucketCounts
}

type RowArgs = [minute: number, epoch: number, version: string, arm: MeasuredArm, segment: Segment]

function rowFor(rows: Map<string, AggRow>, ...[minute, epoch, version, arm, segment]: RowArgs): AggRow {
  const k = `${minute}|${epoch}|${version}|${arm}|${segment}`
  let row = rows.get(k)
  if (!row) {
    row = {
      key: { minute, epoch, version, arm, segment },
      agg: emptyAgg(),
      prom: emptyLatencyCounts(),
      promDuration: emptyDurationCounts(),
    }
    rows.set(k, row)
  }
  return row
}

/**
 * Add one measurement to the rows it touches (keyed by `keyString`). A fallback adds a request to
 * the champion's row and a failed attempt to the failing version's row (same minute and epoch).
 * The Worker aggregates with this before shipping a batch, so the shard merges rows, not requests.
 */
export function addMeasurement(rows: Map<string, AggRow>, m: Measurement): void {
  const minute = minuteOf(m.at)
  if (m.type === 'request') {
    const row = rowFor(rows, minute, m.epoch, m.version, m.arm, m.segment)
    addRequest(row.agg, m)
    if (headArrived(m.outcome)) {
      addLatency(row.prom, m.latencyMs)
      if (typeof m.durationMs === 'number') addDuration((row.promDuration ??= emptyDurationCounts()), m.durationMs)
    }
    // The covariate and stickiness go where the exposure counts: the assigned arm's row (see exposuresOf).
    const assigned = m.fallback ? rowFor(rows, minute, m.epoch, m.fallback.version, m.fallback.arm, m.segment) : row
    if (m.fallback) addFailedAttempt(assigned.agg)
    if (m.covariate !== undefined) addCovariate(assigned.agg, m.covariate)
    if (m.sticky === true) assigned.agg.stickyExposures = (assigned.agg.stickyExposures ?? 0) + 1
  } else {
    const row = rowFor(rows, minute, m.epoch, m.version, 'shadow', '')
    addShadow(row.agg, m)
    if (m.latencyMs !== null) addLatency(row.prom, m.latencyMs)
    if (typeof m.durationMs === 'number') addDuration((row.promDuration ??= emptyDurationCounts()), m.durationMs)
  }
}

/**
 * What the Worker ships: its measurements already aggregated into rows (so the shard merges a few
 * rows per batch, whatever the request rate), plus the shadow copies, which carry paired outputs.
 * Their counts are in `rows` already; `shadows` feeds the pairs and samples tables only.
 */
export interface MeasurementBatch {
  rows: AggRow[]
  shadows: ShadowMeasurement[]
  /**
   * Measurements of this batch's model that the sending isolate dropped after their batch's retries
   * failed, carried by the next batch that lands (see data-plane/recorder); absent when none.
   */
  dropped?: DroppedCounts
}

/** Group measurements into rows (see addMeasurement). */
export function aggregate(measurements: Measurement[]): Map<string, AggRow> {
  const rows = new Map<string, AggRow>()
  for (const m of measurements) addMeasurement(rows, m)
  return rows
}
