/**
 * @module durable-objects/metrics-shard/retention
 * What the shard deletes, and when. Runs after every rollup (the cron, each minute per shard, with
 * the model's business metrics already folded: see MetricsShard.prune) and from the alarm as a
 * backstop (metrics unknown), always at the caller's clock.
 *
 * Gates read only the per-epoch tables (`cum`, `matured`, `cf_cum`, `outcome_cum`), which are never
 * deleted here: they grow with epochs, not with time. The per-minute and per-request tables go:
 * - agg (and pairs): once exported, older than AGG_RETENTION_MS, and folded for every configured
 *   metric, since a fold still reads a minute's exposures (and a pair scores outcomes until then).
 *   With metrics unknown, after OUTCOME_HORIZON_MS, when no metric can fold them any more;
 * - outcome: once exported and frozen, so that no later outcome can re-create the row (the D1
 *   copy would then be replaced by a smaller count): frozen = folded for its metric (later
 *   outcomes are refused) or older than OUTCOME_HORIZON_MS (the Worker refuses them);
 * - seen: once frozen, the same way (a frozen minute's outcome is refused before `seen` is read);
 * - batches: after BATCH_MEMORY_MS; cf_pending: after twice PENDING_CF_MS; samples: on ackExport.
 *
 * The first minute whose rows are kept only grows; it is stored as the fold floor (meta `floor`).
 * A fold never reads a minute below it, so a minute is counted whole (its exposures and its
 * outcomes) or not at all, whoever folds it and whenever.
 */
import { minuteOf } from '../../core/metrics/aggregate'
import { PENDING_CF_MS } from './counterfactual'
import type { ShardMeta } from './tables'

/** Minute rows stay at least this long: late batches land in them, and the rollup exports them. */
export const AGG_RETENTION_MS = 3 * 60 * 60_000
/** Replays of a batch id are recognised this long (the Worker retries within seconds). */
export const BATCH_MEMORY_MS = 60 * 60_000
/**
 * The longest attribution window a metric may declare (schemas/model: `window_s` ≤ 30 days), plus
 * a day of slack: the Worker refuses any outcome for a request older than that.
 */
export const OUTCOME_HORIZON_MS = 31 * 86_400_000

/**
 * Deletes what is no longer needed at `now`. `configured` names the model's business metrics,
 * folded up to `now` by the caller; null when they are unknown (the alarm, or the model's routing
 * could not be read), and then only what no window could still need goes.
 */
export function pruneShard(
  storage: DurableObjectStorage,
  meta: ShardMeta,
  now: number,
  configured: string[] | null,
): void {
  const sql = storage.sql
  const uptoOf = (metric: string) =>
    sql.exec<{ upto: number }>('SELECT upto FROM folds WHERE metric = ?', metric).toArray()[0]?.upto ?? -1
  const horizon = minuteOf(now - OUTCOME_HORIZON_MS)
  // The first minute whose minute rows stay: past the lowest fold of the configured metrics (none
  // configured: no fold needs them), but kept AGG_RETENTION_MS at least and the horizon at most.
  const pin = configured === null ? horizon - 1 : Math.min(Infinity, ...configured.map(uptoOf))
  const cut = Math.max(horizon, Math.min(minuteOf(now - AGG_RETENTION_MS), pin + 1))
  storage.transactionSync(() => {
    const exported = meta.value('exported')
    meta.raise('floor', cut)
    sql.exec('DELETE FROM agg WHERE minute < ? AND rev <= ?', cut, exported)
    sql.exec('DELETE FROM pairs WHERE minute < ?', cut)
    // Per metric, so that each delete is a range of an index (see tables: seen_fold).
    const folds = sql.exec<{ metric: string; upto: number }>('SELECT metric, upto FROM folds').toArray()
    for (const { metric, upto } of folds) {
      const frozenBefore = Math.max(upto + 1, horizon)
      sql.exec('DELETE FROM outcome WHERE minute < ? AND metric = ? AND rev <= ?', frozenBefore, metric, exported)
      sql.exec('DELETE FROM seen WHERE metric = ? AND minute < ?', metric, frozenBefore)
    }
    // Outcome rows of a metric without a folds row (written before record() created one) age out.
    sql.exec('DELETE FROM outcome WHERE minute < ? AND rev <= ?', horizon, exported)
    sql.exec('DELETE FROM batches WHERE at < ?', now - BATCH_MEMORY_MS)
    sql.exec('DELETE FROM cf_pending WHERE at < ?', now - 2 * PENDING_CF_MS)
  })
}
