/**
 * @module durable-objects/metrics-shard/reads
 * What the shard answers with: cumulative evidence for the gates, and changed rows for the D1
 * history rollup.
 */
import type { Agg, AggKey } from '../../core/metrics/aggregate'
import type { CounterfactualRow, MaturedRow } from '../../core/metrics/outcomes'
import type {
  ExportBatch,
  ExportedOutcome,
  ReportRow,
  ShadowSample,
  ShardSummary,
  StageQuery,
} from '../../core/metrics/shard-data'

/** A row type as SqlStorage returns it (columns are aliased to the core field names). */
type Row<T> = T & Record<string, SqlStorageValue>
type Keyed<K> = Row<K & { data: string }>

/** Rows of epochs in [minEpoch, maxEpoch] (the caller has folded the metrics first). */
export function readSummary(sql: SqlStorage, q: StageQuery): ShardSummary {
  const epochs = <T extends Row<object>>(select: string) =>
    sql.exec<T>(`${select} WHERE epoch BETWEEN ? AND ?`, q.minEpoch, q.maxEpoch ?? Number.MAX_SAFE_INTEGER).toArray()
  type CumKey = Omit<ShardSummary['cumulative'][number], 'agg'>
  type CfKey = Pick<CounterfactualRow, 'epoch' | 'version' | 'metric'>
  const cumulative = epochs<Keyed<CumKey>>('SELECT epoch, version, arm, segment, data FROM cum')
  const matured = epochs<Row<MaturedRow>>(
    `SELECT epoch, version, arm, segment, metric, exposures, n, sum, sum_sq AS sumSq, sum_x AS sumX, sum_x_sq AS sumXSq,
     out_sum_x AS outSumX, out_sum_x_sq AS outSumXSq, sum_xy AS sumXY FROM matured`,
  )
  const counterfactual = epochs<Keyed<CfKey>>('SELECT epoch, version, metric, data FROM cf_cum')
  const reports = epochs<Row<ReportRow>>(
    'SELECT epoch, version, arm, segment, metric, accepted, conflicts FROM outcome_cum',
  )
  return {
    cumulative: cumulative.map(({ data, ...key }) => ({ ...key, agg: JSON.parse(data) as Agg })),
    matured,
    counterfactual: counterfactual.map(({ data, ...key }) => ({
      ...key,
      ...(JSON.parse(data) as Omit<CounterfactualRow, keyof CfKey>),
    })),
    reports,
  }
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
  type MinuteRow = Keyed<AggKey & { rev: number }>
  type SampleRow = { data: string; rev: number }
  const read = (upto: number | null) => {
    const changed = <T extends Row<{ rev: number }>>(select: string, order: string) =>
      sql
        .exec<T>(
          `${select} WHERE rev > ?${upto === null ? ` ORDER BY ${order} LIMIT ?` : ` AND rev <= ? ORDER BY ${order}`}`,
          cursor,
          upto ?? limit,
        )
        .toArray()
    return {
      minutes: changed<MinuteRow>('SELECT minute, epoch, version, arm, segment, data, rev FROM agg', 'rev'),
      outcomes: changed<Row<ExportedOutcome>>(
        'SELECT minute, epoch, version, arm, segment, metric, n, sum, sum_sq AS sumSq, rev FROM outcome',
        'rev',
      ),
      samples: changed<SampleRow>('SELECT data, rev FROM samples', 'seq'),
    }
  }
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
    minutes: rows.minutes.map(({ data, rev, ...key }) => ({ key, agg: JSON.parse(data) as Agg, rev })),
    outcomes: rows.outcomes,
    samples: rows.samples.map((r) => JSON.parse(r.data) as ShadowSample),
    cursor: next,
  }
}
