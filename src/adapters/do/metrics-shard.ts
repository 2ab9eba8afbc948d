/**
 * @module adapters/do/metrics-shard
 * One of a model's N measurement aggregators (name `<model>#<shard>`). The Worker sends batches of
 * measurements; a request and its later outcome always land on the same shard (chosen by a hash of
 * the request id), so dedupe and shadow counterfactuals stay local.
 *
 * Tables (SQLite):
 * - agg: per (minute, epoch, version, arm, segment) rows — history, exported to D1 by cron;
 * - cum: per (epoch, version, arm, segment) running totals — what gates read (no minute scans);
 * - outcome / matured / folds: outcomes per request minute, folded into `matured` once the
 *   metric's attribution window has passed (statistics.md §2.6), after which late outcomes for
 *   that minute are refused as expired;
 * - seen: request ids that already gave an outcome (idempotency); pairs: shadow outputs awaiting
 *   their outcome; cf_cum/cf: counterfactual scores; samples: shadow pairs for D1;
 * - totals: monotonic counters for Prometheus; batches: ingested batch ids (replays are no-ops).
 * Every ingest runs as one synchronous SQL section, so a batch lands entirely or not at all.
 */
import { DurableObject } from 'cloudflare:workers'
import {
  aggregate,
  emptyAgg,
  exposuresOf,
  mergeAgg,
  minuteOf,
  type Agg,
  type AggKey,
  type Measurement,
  type MeasurementBatch,
  type ShadowMeasurement,
} from '../../core/metrics/aggregate'
import type { CounterfactualRow, MaturedRow, OutcomeItem, OutcomeStatus } from '../../core/metrics/outcomes'
import { addLatencyCounts, emptyTotals, type LatencyCounts, type Totals } from '../../core/metrics/prometheus'
import { scoreOutcome, type ComparatorConfig } from '../../core/shadow/compare'
import { isOmittedOutput, storedOutput } from '../../core/shadow/stored-output'
import { addValue, emptyMoments, type Moments } from '../../core/stats/moments'
import type { Env } from '../../env'

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

const BATCH_MEMORY_MS = 60 * 60_000
const AGG_RETENTION_MS = 3 * 60 * 60_000
const PAIR_RETENTION_MS = 31 * 86_400_000
/**
 * An outcome can arrive before its request's shadow pair: the pair lands after the shadow call
 * (up to SHADOW_TIMEOUT_MS) and the next batch flush. Outcomes that early wait this long for it.
 * Only early ones: most requests are never shadowed, and later outcomes find their pair in place.
 */
const PENDING_CF_MS = 60_000
const ALARM_EVERY_MS = 10 * 60_000

export class MetricsShard extends DurableObject<Env> {
  private readonly sql: SqlStorage
  /**
   * Write-through cache of the rows ingest keeps merging into (this object is their only writer),
   * so a batch costs no SELECT and no JSON parse per key. Bounded: old minutes are dropped.
   */
  private readonly rows = new Map<string, Agg>()
  private readonly totalsCache = new Map<string, Totals>()
  private cachedMinute = 0
  /** Last revision written (this object is the only writer); null = read it from meta. */
  private rev: number | null = null
  private alarmArmed = false

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = ctx.storage.sql
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS batches (id TEXT PRIMARY KEY, at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS agg (minute INTEGER, epoch INTEGER, version TEXT, arm TEXT, segment TEXT, data TEXT NOT NULL, rev INTEGER NOT NULL, PRIMARY KEY (minute, epoch, version, arm, segment));
      CREATE INDEX IF NOT EXISTS agg_rev ON agg (rev);
      CREATE TABLE IF NOT EXISTS cum (epoch INTEGER, version TEXT, arm TEXT, segment TEXT, data TEXT NOT NULL, PRIMARY KEY (epoch, version, arm, segment));
      CREATE TABLE IF NOT EXISTS outcome (minute INTEGER, epoch INTEGER, version TEXT, arm TEXT, segment TEXT, metric TEXT, n INTEGER, sum REAL, sum_sq REAL, rev INTEGER NOT NULL, PRIMARY KEY (minute, epoch, version, arm, segment, metric));
      CREATE INDEX IF NOT EXISTS outcome_rev ON outcome (rev);
      CREATE TABLE IF NOT EXISTS matured (epoch INTEGER, version TEXT, arm TEXT, segment TEXT, metric TEXT, exposures INTEGER, n INTEGER, sum REAL, sum_sq REAL, PRIMARY KEY (epoch, version, arm, segment, metric));
      CREATE TABLE IF NOT EXISTS folds (metric TEXT PRIMARY KEY, upto INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS seen (request_id TEXT, metric TEXT, minute INTEGER, PRIMARY KEY (request_id, metric));
      CREATE TABLE IF NOT EXISTS pairs (request_id TEXT PRIMARY KEY, minute INTEGER, epoch INTEGER, version TEXT, champion TEXT, shadow TEXT);
      CREATE TABLE IF NOT EXISTS cf_pending (request_id TEXT, metric TEXT, raw TEXT NOT NULL, comparator TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (request_id, metric));
      CREATE TABLE IF NOT EXISTS cf_cum (epoch INTEGER, version TEXT, metric TEXT, data TEXT NOT NULL, PRIMARY KEY (epoch, version, metric));
      CREATE TABLE IF NOT EXISTS samples (seq INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL, rev INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS totals (version TEXT, arm TEXT, data TEXT NOT NULL, PRIMARY KEY (version, arm));
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
    `)
  }

  /**
   * Apply a batch once; a replayed batch id changes nothing. A plain measurement list (what Workers
   * deployed before pre-aggregation send, until their isolates retire) is aggregated here.
   */
  async ingest(batchId: string, batch: MeasurementBatch | Measurement[]): Promise<{ applied: boolean }> {
    if (this.sql.exec('SELECT 1 FROM batches WHERE id = ?', batchId).toArray().length > 0) return { applied: false }
    const b: MeasurementBatch = Array.isArray(batch)
      ? {
          rows: [...aggregate(batch).values()],
          shadows: batch.filter((m): m is ShadowMeasurement => m.type === 'shadow'),
        }
      : batch
    try {
      this.applyBatch(batchId, b)
    } catch (err) {
      // The transaction rolled back; the caches may hold merges that never landed.
      this.rows.clear()
      this.totalsCache.clear()
      this.rev = null
      throw err
    }
    await this.ensureAlarm()
    return { applied: true }
  }

  private applyBatch(batchId: string, batch: MeasurementBatch): void {
    this.ctx.storage.transactionSync(() => {
      this.sql.exec('INSERT INTO batches (id, at) VALUES (?, ?)', batchId, Date.now())
      const rev = this.nextRev()
      for (const { key, agg, prom } of batch.rows) {
        this.mergeRow('agg', key, agg, rev)
        this.mergeCum(key, agg)
        this.addTotals(key, agg, prom)
      }
      for (const m of batch.shadows) {
        if (m.verdict === 'skipped') continue
        // Outputs above the bound become markers, so one huge answer cannot fail the batch; a pair
        // with a marker is not kept for counterfactual scoring (there is nothing to score).
        const champion = storedOutput(m.championOutput)
        const shadow = storedOutput(m.shadowOutput)
        const scorable =
          champion.kind === 'kept' &&
          shadow.kind === 'kept' &&
          !isOmittedOutput(champion.value) &&
          !isOmittedOutput(shadow.value)
        if (m.championOutput !== undefined && m.shadowOutput !== undefined && scorable) {
          this.sql.exec(
            'INSERT OR REPLACE INTO pairs (request_id, minute, epoch, version, champion, shadow) VALUES (?, ?, ?, ?, ?, ?)',
            m.requestId,
            minuteOf(m.at),
            m.epoch,
            m.version,
            JSON.stringify(m.championOutput),
            JSON.stringify(m.shadowOutput),
          )
          this.scorePending(m.requestId)
        }
        const sample = {
          at: m.at,
          requestId: m.requestId,
          version: m.version,
          verdict: m.verdict,
          championOutput: champion.value ?? null,
          shadowOutput: shadow.value ?? null,
        }
        this.sql.exec('INSERT INTO samples (data, rev) VALUES (?, ?)', JSON.stringify(sample), rev)
      }
    })
  }

  /** Record outcomes (idempotent per request id and metric); refuse minutes already folded. */
  async recordOutcomes(items: OutcomeItem[]): Promise<OutcomeStatus[]> {
    const statuses: OutcomeStatus[] = []
    this.ctx.storage.transactionSync(() => {
      const rev = this.nextRev()
      for (const item of items) {
        const minute = minuteOf(item.claims.at)
        const fold = this.sql
          .exec<{ upto: number }>('SELECT upto FROM folds WHERE metric = ?', item.metric)
          .toArray()[0]
        if (fold && fold.upto >= minute) {
          statuses.push('expired')
          continue
        }
        const inserted = this.sql.exec(
          'INSERT OR IGNORE INTO seen (request_id, metric, minute) VALUES (?, ?, ?)',
          item.requestId,
          item.metric,
          minute,
        ).rowsWritten
        if (inserted === 0) {
          statuses.push('duplicate')
          continue
        }
        const c = item.claims
        const segment = c.cohort ? 'cohort' : ''
        this.sql.exec(
          `INSERT INTO outcome (minute, epoch, version, arm, segment, metric, n, sum, sum_sq, rev) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
           ON CONFLICT DO UPDATE SET n = n + 1, sum = sum + excluded.sum, sum_sq = sum_sq + excluded.sum_sq, rev = excluded.rev`,
          minute,
          c.epoch,
          c.version,
          c.arm,
          segment,
          item.metric,
          item.value,
          item.value * item.value,
          rev,
        )
        this.scoreCounterfactual(item)
        statuses.push('accepted')
      }
    })
    return statuses
  }

  /** Cumulative evidence for gates: rows of epochs in [minEpoch, maxEpoch], outcomes matured by `now`. */
  async stageSummary(q: StageQuery): Promise<ShardSummary> {
    for (const m of q.metrics) this.fold(m.name, q.now - m.windowMs)
    const maxEpoch = q.maxEpoch ?? Number.MAX_SAFE_INTEGER
    const cumulative = this.sql
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
    const matured = this.sql
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
    const counterfactual = this.sql
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
  async exportSince(cursor: number, limit = 500): Promise<ExportBatch> {
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
      minutes: this.sql
        .exec<MinuteRow>(
          `SELECT * FROM agg WHERE rev > ?${upto === null ? ' ORDER BY rev LIMIT ?' : ' AND rev <= ? ORDER BY rev'}`,
          cursor,
          upto ?? limit,
        )
        .toArray(),
      outcomes: this.sql
        .exec<OutcomeRow>(
          `SELECT * FROM outcome WHERE rev > ?${upto === null ? ' ORDER BY rev LIMIT ?' : ' AND rev <= ? ORDER BY rev'}`,
          cursor,
          upto ?? limit,
        )
        .toArray(),
      samples: this.sql
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

  async ackExport(cursor: number): Promise<void> {
    this.sql.exec(
      'INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT DO UPDATE SET v = max(v, excluded.v)',
      'exported',
      cursor,
    )
    this.sql.exec('DELETE FROM samples WHERE rev <= ?', cursor)
  }

  async exportCursor(): Promise<number> {
    return this.metaValue('exported')
  }

  /** Monotonic totals per (version, arm) for Prometheus. */
  async totals(): Promise<Array<{ version: string; arm: string; totals: Totals }>> {
    return this.sql
      .exec<{ version: string; arm: string; data: string }>('SELECT * FROM totals')
      .toArray()
      .map((r) => ({ version: r.version, arm: r.arm, totals: JSON.parse(r.data) as Totals }))
  }

  override async alarm(): Promise<void> {
    const now = Date.now()
    const exported = this.metaValue('exported')
    const minFold = this.sql.exec<{ m: number | null }>('SELECT min(upto) AS m FROM folds').one().m
    const keepMinute = minuteOf(now - AGG_RETENTION_MS)
    // History rows leave once D1 has them, they are old, and every metric has folded them.
    this.sql.exec(
      'DELETE FROM agg WHERE rev <= ? AND minute < ? AND minute <= ?',
      exported,
      keepMinute,
      minFold ?? Number.MAX_SAFE_INTEGER,
    )
    this.sql.exec(
      'DELETE FROM outcome WHERE rev <= ? AND minute < ? AND minute <= (SELECT upto FROM folds WHERE folds.metric = outcome.metric)',
      exported,
      keepMinute,
    )
    this.sql.exec('DELETE FROM batches WHERE at < ?', now - BATCH_MEMORY_MS)
    this.sql.exec('DELETE FROM seen WHERE minute <= (SELECT upto FROM folds WHERE folds.metric = seen.metric)')
    this.sql.exec('DELETE FROM pairs WHERE minute < ?', minuteOf(now - PAIR_RETENTION_MS))
    this.sql.exec('DELETE FROM cf_pending WHERE at < ?', now - 2 * PENDING_CF_MS)
    await this.ctx.storage.setAlarm(now + ALARM_EVERY_MS)
  }

  /** Once per object lifetime: alarm() re-arms itself, so a set alarm stays set. */
  private async ensureAlarm(): Promise<void> {
    if (this.alarmArmed) return
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + ALARM_EVERY_MS)
    this.alarmArmed = true
  }

  private metaValue(k: string): number {
    return this.sql.exec<{ v: number }>('SELECT v FROM meta WHERE k = ?', k).toArray()[0]?.v ?? 0
  }

  private nextRev(): number {
    const rev = (this.rev ?? this.metaValue('rev')) + 1
    this.rev = rev
    this.sql.exec('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT DO UPDATE SET v = excluded.v', 'rev', rev)
    return rev
  }

  private cached(cacheKey: string, load: () => string | undefined): Agg {
    let row = this.rows.get(cacheKey)
    if (!row) {
      const data = load()
      row = data ? (JSON.parse(data) as Agg) : emptyAgg()
      this.rows.set(cacheKey, row)
    }
    return row
  }

  /** Drop cached minute rows older than the previous minute (late batches reload them). */
  private trimCache(minute: number): void {
    if (minute <= this.cachedMinute) return
    this.cachedMinute = minute
    for (const k of this.rows.keys()) {
      const m = Number(k.split('|')[1])
      if (k.startsWith('agg|') && m < minute - 1) this.rows.delete(k)
    }
  }

  private mergeRow(table: 'agg', key: AggKey, agg: Agg, rev: number): void {
    this.trimCache(key.minute)
    const merged = this.cached(
      `agg|${key.minute}|${key.epoch}|${key.version}|${key.arm}|${key.segment}`,
      () =>
        this.sql
          .exec<{ data: string }>(
            `SELECT data FROM ${table} WHERE minute = ? AND epoch = ? AND version = ? AND arm = ? AND segment = ?`,
            key.minute,
            key.epoch,
            key.version,
            key.arm,
            key.segment,
          )
          .toArray()[0]?.data,
    )
    mergeAgg(merged, agg)
    this.sql.exec(
      `INSERT INTO ${table} (minute, epoch, version, arm, segment, data, rev) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET data = excluded.data, rev = excluded.rev`,
      key.minute,
      key.epoch,
      key.version,
      key.arm,
      key.segment,
      JSON.stringify(merged),
      rev,
    )
  }

  private mergeCum(key: AggKey, agg: Agg): void {
    const merged = this.cached(
      `cum|${key.epoch}|${key.version}|${key.arm}|${key.segment}`,
      () =>
        this.sql
          .exec<{ data: string }>(
            'SELECT data FROM cum WHERE epoch = ? AND version = ? AND arm = ? AND segment = ?',
            key.epoch,
            key.version,
            key.arm,
            key.segment,
          )
          .toArray()[0]?.data,
    )
    mergeAgg(merged, agg)
    this.sql.exec(
      'INSERT INTO cum (epoch, version, arm, segment, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET data = excluded.data',
      key.epoch,
      key.version,
      key.arm,
      key.segment,
      JSON.stringify(merged),
    )
  }

  /** Totals are exact counters: the row's counts, its classic latency buckets counted by the Worker. */
  private addTotals(key: AggKey, agg: Agg, prom: LatencyCounts): void {
    const tk = `${key.version}|${key.arm}`
    let t = this.totalsCache.get(tk)
    if (!t) {
      const row = this.sql
        .exec<{ data: string }>('SELECT data FROM totals WHERE version = ? AND arm = ?', key.version, key.arm)
        .toArray()[0]
      t = row ? (JSON.parse(row.data) as Totals) : emptyTotals()
      this.totalsCache.set(tk, t)
    }
    t.requests += agg.requests
    const add = (cls: string, n: number) => {
      if (n > 0) t.byClass[cls] = (t.byClass[cls] ?? 0) + n
    }
    add('2xx', agg.s2xx)
    add('3xx', agg.s3xx)
    add('4xx', agg.s4xx)
    add('5xx', agg.s5xx)
    add('timeout', agg.timeouts)
    add('unreachable', agg.unreachable)
    t.failedAttempts += agg.failedAttempts
    t.shadowPairs += agg.shadowPairs
    t.shadowDiverged += agg.shadowDiverged
    addLatencyCounts(t, prom)
    this.sql.exec(
      'INSERT INTO totals (version, arm, data) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET data = excluded.data',
      key.version,
      key.arm,
      JSON.stringify(t),
    )
  }

  /** Move every minute whose requests are all older than `maturedBefore` into `matured`. */
  private fold(metric: string, maturedBefore: number): void {
    const target = minuteOf(maturedBefore) - 1
    const prev =
      this.sql.exec<{ upto: number }>('SELECT upto FROM folds WHERE metric = ?', metric).toArray()[0]?.upto ?? -1
    if (target <= prev) return
    this.ctx.storage.transactionSync(() => {
      const sums = new Map<string, MaturedRow>()
      const rowFor = (epoch: number, version: string, arm: string, segment: string) => {
        const k = `${epoch}|${version}|${arm}|${segment}`
        let r = sums.get(k)
        if (!r) {
          r = { epoch, version, arm, segment, metric, exposures: 0, n: 0, sum: 0, sumSq: 0 }
          sums.set(k, r)
        }
        return r
      }
      for (const r of this.sql.exec<{ epoch: number; version: string; arm: string; segment: string; data: string }>(
        'SELECT epoch, version, arm, segment, data FROM agg WHERE minute > ? AND minute <= ? AND arm != ?',
        prev,
        target,
        'shadow',
      )) {
        rowFor(r.epoch, r.version, r.arm, r.segment).exposures += exposuresOf(JSON.parse(r.data) as Agg)
      }
      for (const r of this.sql.exec<{
        epoch: number
        version: string
        arm: string
        segment: string
        n: number
        sum: number
        sum_sq: number
      }>('SELECT * FROM outcome WHERE metric = ? AND minute > ? AND minute <= ?', metric, prev, target)) {
        const row = rowFor(r.epoch, r.version, r.arm, r.segment)
        row.n += r.n
        row.sum += r.sum
        row.sumSq += r.sum_sq
      }
      for (const r of sums.values()) {
        this.sql.exec(
          `INSERT INTO matured (epoch, version, arm, segment, metric, exposures, n, sum, sum_sq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT DO UPDATE SET exposures = exposures + excluded.exposures, n = n + excluded.n, sum = sum + excluded.sum, sum_sq = sum_sq + excluded.sum_sq`,
          r.epoch,
          r.version,
          r.arm,
          r.segment,
          metric,
          r.exposures,
          r.n,
          r.sum,
          r.sumSq,
        )
      }
      this.sql.exec(
        'INSERT INTO folds (metric, upto) VALUES (?, ?) ON CONFLICT DO UPDATE SET upto = excluded.upto',
        metric,
        target,
      )
    })
  }

  private scoreCounterfactual(item: OutcomeItem): void {
    if (item.comparator === null || item.comparator === undefined) return
    const pair = this.sql
      .exec<{ epoch: number; version: string; champion: string; shadow: string }>(
        'SELECT epoch, version, champion, shadow FROM pairs WHERE request_id = ?',
        item.requestId,
      )
      .toArray()[0]
    if (!pair) {
      if (Date.now() - item.claims.at < PENDING_CF_MS) {
        this.sql.exec(
          'INSERT OR IGNORE INTO cf_pending (request_id, metric, raw, comparator, at) VALUES (?, ?, ?, ?, ?)',
          item.requestId,
          item.metric,
          JSON.stringify(item.raw),
          JSON.stringify(item.comparator),
          Date.now(),
        )
      }
      return
    }
    this.scorePair(pair, item.metric, item.raw, item.comparator as ComparatorConfig)
  }

  /** Scores the outcomes that arrived before this request's pair (see PENDING_CF_MS). */
  private scorePending(requestId: string): void {
    const pending = this.sql
      .exec<{ metric: string; raw: string; comparator: string }>(
        'SELECT metric, raw, comparator FROM cf_pending WHERE request_id = ?',
        requestId,
      )
      .toArray()
    if (pending.length === 0) return
    const pair = this.sql
      .exec<{ epoch: number; version: string; champion: string; shadow: string }>(
        'SELECT epoch, version, champion, shadow FROM pairs WHERE request_id = ?',
        requestId,
      )
      .one()
    for (const p of pending)
      this.scorePair(
        pair,
        p.metric,
        JSON.parse(p.raw) as OutcomeItem['raw'],
        JSON.parse(p.comparator) as ComparatorConfig,
      )
    this.sql.exec('DELETE FROM cf_pending WHERE request_id = ?', requestId)
  }

  private scorePair(
    pair: { epoch: number; version: string; champion: string; shadow: string },
    metric: string,
    raw: OutcomeItem['raw'],
    comparator: ComparatorConfig,
  ): void {
    const item = { raw, metric }
    let champion: ReturnType<typeof scoreOutcome>
    let shadow: ReturnType<typeof scoreOutcome>
    try {
      champion = scoreOutcome(JSON.parse(pair.champion), item.raw, comparator)
      shadow = scoreOutcome(JSON.parse(pair.shadow), item.raw, comparator)
    } catch {
      return // outputs that cannot be scored against this outcome (e.g. non-numeric) are skipped
    }
    const row = this.sql
      .exec<{ data: string }>(
        'SELECT data FROM cf_cum WHERE epoch = ? AND version = ? AND metric = ?',
        pair.epoch,
        pair.version,
        item.metric,
      )
      .toArray()[0]
    const cf = row
      ? (JSON.parse(row.data) as {
          n: number
          championCorrect: number
          shadowCorrect: number
          championLoss: Moments
          shadowLoss: Moments
        })
      : { n: 0, championCorrect: 0, shadowCorrect: 0, championLoss: emptyMoments(), shadowLoss: emptyMoments() }
    cf.n++
    if ('correct' in champion && champion.correct) cf.championCorrect++
    if ('correct' in shadow && shadow.correct) cf.shadowCorrect++
    if ('loss' in champion) cf.championLoss = addValue(cf.championLoss, champion.loss)
    if ('loss' in shadow) cf.shadowLoss = addValue(cf.shadowLoss, shadow.loss)
    this.sql.exec(
      'INSERT INTO cf_cum (epoch, version, metric, data) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET data = excluded.data',
      pair.epoch,
      pair.version,
      item.metric,
      JSON.stringify(cf),
    )
  }
}
