/**
 * @module durable-objects/metrics-shard/tables
 * The shard's SQLite tables and its revision counter.
 *
 * - agg: per (minute, epoch, version, arm, segment) rows: history, exported to D1 by cron;
 * - cum: per (epoch, version, arm, segment) running totals: what gates read (no minute scans);
 * - outcome / matured / folds: outcomes per request minute, folded into `matured` once the
 *   metric's attribution window has passed (docs/statistics.md §10.2), after which late
 *   outcomes for that minute are refused as expired;
 * - seen: request ids that already gave an outcome, with the value counted first (`value`: a
 *   repeat with another value is a conflict) and whether a conflict was counted (`conflicted`);
 * - outcome_cum: per (epoch, version, arm, segment, metric) outcomes accepted and requests whose
 *   outcome was contradicted (conflicts): what the conflict gate reads, and the Prometheus counter
 *   (docs/statistics.md §10.6); per epoch like `cum`, so retention never deletes it;
 * - pairs: shadow outputs awaiting their outcome; cf_pending: outcomes that arrived before their
 *   pair; cf_cum: counterfactual scores; samples: shadow pairs for D1;
 * - totals: monotonic counters for Prometheus; batches: ingested batch ids (replays are no-ops);
 * - meta: the revision counter (`rev`), the export cursor (`exported`), the fold floor (`floor`:
 *   minutes below it may have lost rows to retention, see ./retention), the measurements isolates
 *   reported lost (`dropped_records`, `dropped_batches`: Prometheus counters), and the schema
 *   version (`schema`: how many MIGRATIONS ran).
 *
 * The indexes on `seen`, `pairs` and `batches` serve retention: each minute's deletes read a range,
 * not the whole table.
 */

/** Every table, for `tableCounts`. */
export const TABLES = [
  'batches',
  'agg',
  'cum',
  'outcome',
  'matured',
  'folds',
  'seen',
  'outcome_cum',
  'pairs',
  'cf_pending',
  'cf_cum',
  'samples',
  'totals',
  'meta',
] as const

export function createTables(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS batches (id TEXT PRIMARY KEY, at INTEGER NOT NULL);
    CREATE INDEX IF NOT EXISTS batches_at ON batches (at);
    CREATE TABLE IF NOT EXISTS agg (minute INTEGER, epoch INTEGER, version TEXT, arm TEXT, segment TEXT, data TEXT NOT NULL, rev INTEGER NOT NULL, PRIMARY KEY (minute, epoch, version, arm, segment));
    CREATE INDEX IF NOT EXISTS agg_rev ON agg (rev);
    CREATE TABLE IF NOT EXISTS cum (epoch INTEGER, version TEXT, arm TEXT, segment TEXT, data TEXT NOT NULL, PRIMARY KEY (epoch, version, arm, segment));
    CREATE TABLE IF NOT EXISTS outcome (minute INTEGER, epoch INTEGER, version TEXT, arm TEXT, segment TEXT, metric TEXT, n INTEGER, sum REAL, sum_sq REAL, rev INTEGER NOT NULL, PRIMARY KEY (minute, epoch, version, arm, segment, metric));
    CREATE INDEX IF NOT EXISTS outcome_rev ON outcome (rev);
    CREATE TABLE IF NOT EXISTS matured (epoch INTEGER, version TEXT, arm TEXT, segment TEXT, metric TEXT, exposures INTEGER, n INTEGER, sum REAL, sum_sq REAL, PRIMARY KEY (epoch, version, arm, segment, metric));
    CREATE TABLE IF NOT EXISTS folds (metric TEXT PRIMARY KEY, upto INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS seen (request_id TEXT, metric TEXT, minute INTEGER, PRIMARY KEY (request_id, metric));
    CREATE INDEX IF NOT EXISTS seen_fold ON seen (metric, minute);
    CREATE TABLE IF NOT EXISTS outcome_cum (epoch INTEGER, version TEXT, arm TEXT, segment TEXT, metric TEXT, accepted INTEGER NOT NULL, conflicts INTEGER NOT NULL, PRIMARY KEY (epoch, version, arm, segment, metric));
    CREATE TABLE IF NOT EXISTS pairs (request_id TEXT PRIMARY KEY, minute INTEGER, epoch INTEGER, version TEXT, champion TEXT, shadow TEXT);
    CREATE INDEX IF NOT EXISTS pairs_minute ON pairs (minute);
    CREATE TABLE IF NOT EXISTS cf_pending (request_id TEXT, metric TEXT, raw TEXT NOT NULL, comparator TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (request_id, metric));
    CREATE TABLE IF NOT EXISTS cf_cum (epoch INTEGER, version TEXT, metric TEXT, data TEXT NOT NULL, PRIMARY KEY (epoch, version, metric));
    CREATE TABLE IF NOT EXISTS samples (seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL, rev INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS totals (version TEXT, arm TEXT, data TEXT NOT NULL, PRIMARY KEY (version, arm));
    CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
  `)
}

/**
 * Columns added to tables that existing shards already hold, in order; `meta.schema` counts those
 * applied. The CREATE statements above stay as first shipped (a new shard runs these too), so a
 * table has one shape whatever its age. Rows written before a column exist get its default.
 */
const MIGRATIONS = [
  // The value counted first: NULL on rows from before it = unknown (a repeat is a duplicate).
  'ALTER TABLE seen ADD COLUMN value REAL',
  'ALTER TABLE seen ADD COLUMN conflicted INTEGER NOT NULL DEFAULT 0',
  // The covariate's sums (core/metrics/covariate): per outcome x, x², x·y; matured, over exposures
  // (sum_x, sum_x_sq) and over outcomes (out_*, sum_xy). Rows from before them: 0 (no covariate).
  'ALTER TABLE outcome ADD COLUMN sum_x REAL NOT NULL DEFAULT 0',
  'ALTER TABLE outcome ADD COLUMN sum_x_sq REAL NOT NULL DEFAULT 0',
  'ALTER TABLE outcome ADD COLUMN sum_xy REAL NOT NULL DEFAULT 0',
  'ALTER TABLE matured ADD COLUMN sum_x REAL NOT NULL DEFAULT 0',
  'ALTER TABLE matured ADD COLUMN sum_x_sq REAL NOT NULL DEFAULT 0',
  'ALTER TABLE matured ADD COLUMN out_sum_x REAL NOT NULL DEFAULT 0',
  'ALTER TABLE matured ADD COLUMN out_sum_x_sq REAL NOT NULL DEFAULT 0',
  'ALTER TABLE matured ADD COLUMN sum_xy REAL NOT NULL DEFAULT 0',
] as const

/** The schema version of a shard that ran every migration. */
export const SHARD_SCHEMA_VERSION = MIGRATIONS.length

const ADD_COLUMN = /^ALTER TABLE (\w+) ADD COLUMN (\w+)/

/** Whether `statement` adds a column the table has already (so it is skipped, not an error). */
function hasColumn(sql: SqlStorage, statement: string): boolean {
  const m = ADD_COLUMN.exec(statement)
  if (m === null) return false
  return sql.exec('SELECT 1 FROM pragma_table_info(?) WHERE name = ?', m[1]!, m[2]!).toArray().length > 0
}

/**
 * Applies the migrations this shard has not run yet, each with its version, atomically. A column
 * that exists already is not added again, so a shard whose version is behind its tables (as a test
 * restoring an older table makes it) still migrates.
 */
export function migrateTables(storage: DurableObjectStorage): void {
  const sql = storage.sql
  const done = sql.exec<{ v: number }>('SELECT v FROM meta WHERE k = ?', 'schema').toArray()[0]?.v ?? 0
  if (done >= MIGRATIONS.length) return
  storage.transactionSync(() => {
    for (const statement of MIGRATIONS.slice(done)) if (!hasColumn(sql, statement)) sql.exec(statement)
    sql.exec(
      'INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT DO UPDATE SET v = excluded.v',
      'schema',
      MIGRATIONS.length,
    )
  })
}

/** Rows per table (a full count: for tests and operators, not for the hot path). */
export function tableCounts(sql: SqlStorage): Record<(typeof TABLES)[number], number> {
  const counts = {} as Record<(typeof TABLES)[number], number>
  for (const t of TABLES) counts[t] = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${t}`).one().n
  return counts
}

/** Meta values and the revision counter. This object is the table's only writer. */
export class ShardMeta {
  /** Last revision written; null = read it from meta. */
  private rev: number | null = null

  constructor(private readonly sql: SqlStorage) {}

  value(k: string): number {
    return this.sql.exec<{ v: number }>('SELECT v FROM meta WHERE k = ?', k).toArray()[0]?.v ?? 0
  }

  /** The next revision: one per transaction, so a revision's rows are few and read whole by the export. */
  nextRev(): number {
    const rev = (this.rev ?? this.value('rev')) + 1
    this.rev = rev
    this.sql.exec('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT DO UPDATE SET v = excluded.v', 'rev', rev)
    return rev
  }

  /** After a rolled-back transaction: the counter in memory may be ahead of the table. */
  forget(): void {
    this.rev = null
  }

  /** Adds `n` to the counter `k` (inside the caller's transaction). */
  add(k: string, n: number): void {
    this.sql.exec('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT DO UPDATE SET v = v + excluded.v', k, n)
  }

  raise(k: string, v: number): void {
    this.sql.exec('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT DO UPDATE SET v = max(v, excluded.v)', k, v)
  }
}
