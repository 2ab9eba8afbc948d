/**
 * @module core/metrics/shard-data
 * The data a metrics shard answers with: cumulative evidence for gates (`ShardSummary`, for a
 * `StageQuery`) and changed rows for the D1 history rollup (`ExportBatch`).
 */
import type { Agg, AggKey } from './aggregate'
import type { CounterfactualRow, MaturedRow } from './outcomes'
import type { DroppedCounts, Totals } from './prometheus'

/** Which evidence a gate reads: epochs in [minEpoch, maxEpoch], outcomes matured by `now`. */
export interface StageQuery {
  minEpoch: number
  maxEpoch?: number
  now: number
  metrics: Array<{ name: string; windowMs: number }>
}

export interface ShardSummary {
  cumulative: Array<{ epoch: number; version: string; arm: string; segment: string; agg: Agg }>
  matured: MaturedRow[]
  counterfactual: CounterfactualRow[]
  /** Outcomes accepted and contradicted per arm (docs/statistics.md §10.6); absent from older shards. */
  reports?: ReportRow[]
}

/** Outcome reports for one (epoch, version, arm, segment, metric), counted as they arrive (not matured). */
export interface ReportRow {
  epoch: number
  version: string
  arm: string
  segment: string
  metric: string
  /** Outcomes counted (the first report of each request). */
  accepted: number
  /** Requests whose outcome a later report contradicted (counted once per request). */
  conflicts: number
}

/** Requests with contradicted outcomes since the shard began, per (version, arm, metric): Prometheus. */
export interface ConflictTotal {
  version: string
  arm: string
  metric: string
  conflicts: number
}

/** A shard's Prometheus counters: totals per (version, arm), and the measurements lost before it. */
export interface ShardTotals {
  rows: Array<{ version: string; arm: string; totals: Totals }>
  /** Reported by isolates in batches that landed here (see data-plane/recorder). */
  dropped: DroppedCounts
  /** Absent from shards deployed before conflicts were counted. */
  conflicts?: ConflictTotal[]
}

export interface ExportedMinute {
  key: AggKey
  agg: Agg
  /** The shard's revision of this row: D1 keeps the newest copy when rollups overlap. */
  rev: number
}

export interface ExportedOutcome {
  minute: number
  epoch: number
  version: string
  arm: string
  segment: string
  metric: string
  n: number
  sum: number
  sumSq: number
  /** As ExportedMinute.rev. */
  rev: number
}

export interface ShadowSample {
  at: number
  requestId: string
  version: string
  verdict: string
  championOutput: unknown
  shadowOutput: unknown
}

export interface ExportBatch {
  minutes: ExportedMinute[]
  outcomes: ExportedOutcome[]
  samples: ShadowSample[]
  cursor: number
}
