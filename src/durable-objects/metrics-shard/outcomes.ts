/**
 * @module durable-objects/metrics-shard/outcomes
 * Business outcomes: recorded per request minute (once per request id and metric: a repeat is a
 * duplicate, or a conflict when its value differs from the first, which stays), and
 * folded into `matured` once the metric's attribution window has passed for a minute; later
 * outcomes for a folded minute are refused as expired (docs/statistics.md §10.2). Minutes below
 * the fold floor may have lost rows to retention (./retention): folds skip them whole.
 */
import { exposuresOf, minuteOf, type Agg } from '../../core/metrics/aggregate'
import { repeatStatus, type MaturedRow, type OutcomeItem, type OutcomeStatus } from '../../core/metrics/outcomes'
import type { ShardCounterfactuals } from './counterfactual'
import type { ShardMeta } from './tables'

/** A matured row's covariate sums, all present (so the fold adds to numbers). */
type FoldRow = MaturedRow & Required<Pick<MaturedRow, 'sumX' | 'sumXSq' | 'outSumX' | 'outSumXSq' | 'sumXY'>>

const noCovariate = () => ({ sumX: 0, sumXSq: 0, outSumX: 0, outSumXSq: 0, sumXY: 0 })

function segmentOf(item: OutcomeItem): string {
  return item.claims.cohort ? 'cohort' : ''
}

export class ShardOutcomes {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly meta: ShardMeta,
    private readonly counterfactuals: ShardCounterfactuals,
  ) {}

  private get sql(): SqlStorage {
    return this.storage.sql
  }

  /** Records outcomes in one transaction; refuses minutes already folded. */
  record(items: OutcomeItem[]): OutcomeStatus[] {
    const statuses: OutcomeStatus[] = []
    this.storage.transactionSync(() => {
      const rev = this.meta.nextRev()
      for (const item of items) {
        const minute = minuteOf(item.claims.at)
        const fold = this.sql
          .exec<{ upto: number }>('SELECT upto FROM folds WHERE metric = ?', item.metric)
          .toArray()[0]
        if (fold && fold.upto >= minute) {
          statuses.push('expired')
          continue
        }
        // Every metric with outcomes gets a folds row (upto -1 = nothing folded), so retention
        // finds its `seen` rows by metric even if no fold ever runs for it.
        if (!fold) this.sql.exec('INSERT OR IGNORE INTO folds (metric, upto) VALUES (?, -1)', item.metric)
        const first = this.sql
          .exec<{ value: number | null; conflicted: number }>(
            'SELECT value, conflicted FROM seen WHERE request_id = ? AND metric = ?',
            item.requestId,
            item.metric,
          )
          .toArray()[0]
        if (first) {
          const status = repeatStatus(first.value, item.value)
          // The first value stays. A request counts as contradicted once, however many reports
          // follow, so that one request id weighs one request in the conflict rate.
          if (status === 'conflict' && first.conflicted === 0) {
            this.sql.exec(
              'UPDATE seen SET conflicted = 1 WHERE request_id = ? AND metric = ?',
              item.requestId,
              item.metric,
            )
            this.count(item, { accepted: 0, conflicts: 1 })
          }
          statuses.push(status)
          continue
        }
        this.sql.exec(
          'INSERT INTO seen (request_id, metric, minute, value) VALUES (?, ?, ?, ?)',
          item.requestId,
          item.metric,
          minute,
          item.value,
        )
        this.count(item, { accepted: 1, conflicts: 0 })
        const c = item.claims
        const segment = segmentOf(item)
        // x comes from the signed id, never from the report (core/metrics/covariate); none = 0.
        const x = c.covariate ?? 0
        this.sql.exec(
          `INSERT INTO outcome (minute, epoch, version, arm, segment, metric, n, sum, sum_sq, sum_x, sum_x_sq, sum_xy, rev) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
           ON CONFLICT DO UPDATE SET n = n + 1, sum = sum + excluded.sum, sum_sq = sum_sq + excluded.sum_sq, sum_x = sum_x + excluded.sum_x,
           sum_x_sq = sum_x_sq + excluded.sum_x_sq, sum_xy = sum_xy + excluded.sum_xy, rev = excluded.rev`,
          minute,
          c.epoch,
          c.version,
          c.arm,
          segment,
          item.metric,
          item.value,
          item.value * item.value,
          x,
          x * x,
          x * item.value,
          rev,
        )
        this.counterfactuals.score(item)
        statuses.push('accepted')
      }
    })
    return statuses
  }

  /** Adds to the per-epoch counts of the arm that served the item's request (see ./tables). */
  private count(item: OutcomeItem, add: { accepted: number; conflicts: number }): void {
    const c = item.claims
    this.sql.exec(
      `INSERT INTO outcome_cum (epoch, version, arm, segment, metric, accepted, conflicts) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET accepted = accepted + excluded.accepted, conflicts = conflicts + excluded.conflicts`,
      c.epoch,
      c.version,
      c.arm,
      segmentOf(item),
      item.metric,
      add.accepted,
      add.conflicts,
    )
  }

  /** Move every minute whose requests are all older than `maturedBefore` into `matured`. */
  fold(metric: string, maturedBefore: number): void {
    const target = minuteOf(maturedBefore) - 1
    const prev =
      this.sql.exec<{ upto: number }>('SELECT upto FROM folds WHERE metric = ?', metric).toArray()[0]?.upto ?? -1
    if (target <= prev) return
    // Below the floor, rows may be gone: a minute counts whole or not at all.
    const from = Math.max(prev, this.meta.value('floor') - 1)
    this.storage.transactionSync(() => {
      const sums = new Map<string, FoldRow>()
      const rowFor = (epoch: number, version: string, arm: string, segment: string) => {
        const k = `${epoch}|${version}|${arm}|${segment}`
        let r = sums.get(k)
        if (!r) {
          r = { epoch, version, arm, segment, metric, exposures: 0, n: 0, sum: 0, sumSq: 0, ...noCovariate() }
          sums.set(k, r)
        }
        return r
      }
      for (const r of this.sql.exec<{ epoch: number; version: string; arm: string; segment: string; data: string }>(
        'SELECT epoch, version, arm, segment, data FROM agg WHERE minute > ? AND minute <= ? AND arm != ?',
        from,
        target,
        'shadow',
      )) {
        const agg = JSON.parse(r.data) as Agg
        const row = rowFor(r.epoch, r.version, r.arm, r.segment)
        row.exposures += exposuresOf(agg)
        row.sumX += agg.covariate?.sum ?? 0
        row.sumXSq += agg.covariate?.sumSq ?? 0
      }
      for (const r of this.sql.exec<{
        epoch: number
        version: string
        arm: string
        segment: string
        n: number
        sum: number
        sum_sq: number
        sum_x: number
        sum_x_sq: number
        sum_xy: number
      }>('SELECT * FROM outcome WHERE metric = ? AND minute > ? AND minute <= ?', metric, from, target)) {
        const row = rowFor(r.epoch, r.version, r.arm, r.segment)
        row.n += r.n
        row.sum += r.sum
        row.sumSq += r.sum_sq
        row.outSumX += r.sum_x
        row.outSumXSq += r.sum_x_sq
        row.sumXY += r.sum_xy
      }
      for (const r of sums.values()) {
        this.sql.exec(
          `INSERT INTO matured (epoch, version, arm, segment, metric, exposures, n, sum, sum_sq, sum_x, sum_x_sq, out_sum_x, out_sum_x_sq, sum_xy)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT DO UPDATE SET exposures = exposures + excluded.exposures, n = n + excluded.n, sum = sum + excluded.sum, sum_sq = sum_sq + excluded.sum_sq,
           sum_x = sum_x + excluded.sum_x, sum_x_sq = sum_x_sq + excluded.sum_x_sq, out_sum_x = out_sum_x + excluded.out_sum_x,
           out_sum_x_sq = out_sum_x_sq + excluded.out_sum_x_sq, sum_xy = sum_xy + excluded.sum_xy`,
          r.epoch,
          r.version,
          r.arm,
          r.segment,
          metric,
          r.exposures,
          r.n,
          r.sum,
          r.sumSq,
          r.sumX,
          r.sumXSq,
          r.outSumX,
          r.outSumXSq,
          r.sumXY,
        )
      }
      this.sql.exec(
        'INSERT INTO folds (metric, upto) VALUES (?, ?) ON CONFLICT DO UPDATE SET upto = excluded.upto',
        metric,
        target,
      )
    })
  }
}
