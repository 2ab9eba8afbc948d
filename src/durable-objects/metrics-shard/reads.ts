/**
 * @module durable-objects/metrics-shard/reads
 * What the shard answers with: cumulative evidence for the gates, and changed rows for the D1
 * history rollup.
 */
import type { Agg, AggKey } from '../../core/metrics/aggregate'
import type { CounterfactualRow } from '../../core/metrics/outcomes'
import type { ExportBatch, ShadowSample, ShardSummary, StageQuery } from '../../core/metrics/shard-data'

/** Rows of epochs in [minEpoch, maxEpoch] (the caller has folded the metrics first). */
export function readSummary(sql: SqlStorage, q: StageQuery): ShardSummary {
  const maxEpoch = q.maxEpoch ?? Number.MAX_SAFE_INTEGER
  const cumulative = sql
    .exec<{ epoch: number; version: string; arm: string; segment: string; data: string }>(
      'SELECT epoch, version, arm, segment, data FROM cum WHERE epoch BETWEEN ? AND ?',
      q.minEpoch,
      maxEpoch,
    )
    .toArray()
    .map((r) => ({
      epoch: r.epoch,
      version: r.version,
      arm: r.arm,
      segment: r.segment,
      agg: JSON.parse(r.data) as Agg,
    }))
  const matured = sql
    .exec<{
      epoch: number
      version: string
      arm: string
      segment: string
      metric: string
      exposures: number
      n: number
      sum: number
      sum_sq: number
    }>('SELECT * FROM matured WHERE epoch BETWEEN ? AND ?', q.minEpoch, maxEpoch)
    .toArray()
    .map((r) => ({
      epoch: r.epoch,
      version: r.version,
      arm: r.arm,
      segment: r.segment,
      metric: r.metric,
      exposures: r.exposures,
      n: r.n,
      sum: r.sum,
      sumSq: r.sum_sq,
    }))
  const counterfactual = sql
    .exec<{ epoch: number; version: string; metric: string; data: string }>(
      'SELECT * FROM cf_cum WHERE epoch BETWEEN ? AND ?',
      q.minEpoch,
      maxEpoch,
    )
    .toArray()
    .map((r) => ({
      epoch: r.epoch,
      version: r.version,
      metric: r.metric,
      ...(JSON.parse(r.data) as Omit<CounterfactualRow, 'epoch' | 'version' | 'metric'>),
    }))
  return { cumulative, matured, counterfactual }
}

/**
 * Rows changed since `cursor` (a revision number), for the D1 rollup. Ack with `ackExport`.
 *
 * Each table is read up to `limit` rows. When one comes back full, the batch ends at the last
 * revision it returned (the lowest such revision over the full tables), and that revision is read
 * whole: a revision is one transaction, so its rows are few, and a cursor that stopped inside it
 * would skip the rest for good. Rows of the other tables beyond that revision wait for the next
 * call, so the cursor never passes a row that was not returned.
 */
export function readExport(sql: SqlStorage, cursor: number, limit: number): ExportBatch {
  type MinuteRow = {
    minute: number
    epoch: number
    version: string
    arm: string
    segment: string
    data: string
    rev: number
  }
  type OutcomeRow = {
    minute: number
    epoch: number
    version: string
    arm: string
    segment: string
    metric: string
    n: number
    sum: number
    sum_sq: number
    rev: number
  }
  type SampleRow = { data: string; rev: number }
  const read = (upto: number | null) => ({
    minutes: sql
      .exec<MinuteRow>(
        `SELECT * FROM agg WHERE rev > ?${upto === null ? ' ORDER BY rev LIMIT ?' : ' AND rev <= ? ORDER BY rev'}`,
        cursor,
        upto ?? limit,
      )
      .toArray(),
    outcomes: sql
      .exec<OutcomeRow>(
        `SELECT * FROM outcome WHERE rev > ?${upto === null ? ' ORDER BY rev LIMIT ?' : ' AND rev <= ? ORDER BY rev'}`,
        cursor,
        upto ?? limit,
      )
      .toArray(),
    samples: sql
      .exec<SampleRow>(
        `SELECT data, rev FROM samples WHERE rev > ?${upto === null ? ' ORDER BY seq LIMIT ?' : ' AND rev <= ? ORDER BY seq'}`,
        cursor,
        upto ?? limit,
      )
      .toArray(),
  })
  let rows = read(null)
  const tables = [rows.minutes, rows.outcomes, rows.samples] as Array<Array<{ rev: number }>>
  const full = tables.filter((t) => t.length === limit)
  const lastRev = (t: Array<{ rev: number }>) => t.reduce((m, r) => Math.max(m, r.rev), cursor)
  let next = Math.max(cursor, ...tables.map(lastRev))
  if (full.length > 0) {
    next = Math.min(...full.map(lastRev))
    rows = read(next)
  }
  return {
    minutes: rows.minutes.map((r) => ({
      key: {
        minute: r.minute,
        epoch: r.epoch,
        version: r.version,
        arm: r.arm as AggKey['arm'],
        segment: r.segment as AggKey['segment'],
      },
      agg: JSON.parse(r.data) as Agg,
      rev: r.rev,
    })),
    outcomes: rows.outcomes.map((r) => ({
      minute: r.minute,
      epoch: r.epoch,
      version: r.version,
      arm: r.arm,
      segment: r.segment,
      metric: r.metric,
      n: r.n,
      sum: r.sum,
      sumSq: r.sum_sq,
      rev: r.rev,
    })),
    samples: rows.samples.map((r) => JSON.parse(r.data) as ShadowSample),
    cursor: next,
  }
}
