/**
 * @module cron/scheduled
 * Every minute: ask each model's coordinator to reconcile (retry outbox flushes and publishes that
 * failed). Each model is handled independently: one failure never stops the others.
 */
import { listModels, openDb } from '../adapters/d1/registry-store'
import type { Env } from '../env'
import { coordinatorOf } from '../services/registry'

export interface TickReport {
  at: number
  models: number
  failures: Array<{ model: string; error: string }>
}

export async function runScheduled(env: Env, scheduledTime: number): Promise<TickReport> {
  const models = await listModels(openDb(env.DB))
  const results = await Promise.allSettled(models.map((m) => coordinatorOf(env, m.name).reconcile(scheduledTime)))
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ model: models[i]!.name, error: String(r.reason) }] : []))
  for (const f of failures) console.error(`cron: ${f.model}: ${f.error}`)
  return { at: scheduledTime, models: models.length, failures }
}
