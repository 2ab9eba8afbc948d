/**
 * @module cron/scheduled
 * Every minute, per model (independently: one failure never stops the others):
 * - active rollouts are ticked: gates evaluated, traffic moved forward or back;
 * - the coordinator reconciles (retries outbox flushes and publishes that failed);
 * - the metrics shards' new rows are rolled up into D1 history, and history older than
 *   HISTORY_RETENTION_DAYS is pruned (a bounded share per tick).
 */
import { pruneHistory } from '../adapters/d1/metrics-store'
import { listModels, openDb } from '../adapters/d1/registry-store'
import { minuteOf } from '../core/metrics/aggregate'
import { settingsOf, type Env } from '../env'
import { rollupModel } from '../services/measurement'
import { coordinatorOf } from '../services/registry'
import { tickRollouts, type TickSummary } from '../services/rollouts'

export interface TickReport {
  at: number
  models: number
  failures: Array<{ model: string; error: string }>
  rollouts: TickSummary
}

export async function runScheduled(env: Env, scheduledTime: number): Promise<TickReport> {
  // Gates first: a rollback must not wait behind housekeeping.
  const rollouts = await tickRollouts(env, scheduledTime)
  const db = openDb(env.DB)
  const models = await listModels(db)
  const keepFrom = minuteOf(scheduledTime - settingsOf(env).historyRetentionDays * 86_400_000)
  const results = await Promise.allSettled(
    models.map(async (m) => {
      await coordinatorOf(env, m.name).reconcile(scheduledTime)
      await rollupModel(env, db, m.name, m.metric_shards)
      await pruneHistory(db, m.name, keepFrom)
    }),
  )
  const failures = results.flatMap((r, i) =>
    r.status === 'rejected' ? [{ model: models[i]!.name, error: String(r.reason) }] : [],
  )
  for (const f of [...rollouts.failures, ...failures]) console.error(`cron: ${f.model}: ${f.error}`)
  return { at: scheduledTime, models: models.length, failures, rollouts }
}
