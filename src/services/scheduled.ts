/**
 * @module services/scheduled
 * The cron tick. Every minute, per model (independently: one failure never stops the others):
 * - active rollouts are ticked: gates evaluated, traffic moved forward or back;
 * - the coordinator reconciles (retries outbox flushes and publishes that failed);
 * - the metrics shards' new rows are rolled up into D1 history, and history older than
 *   HISTORY_RETENTION_DAYS is pruned (a bounded share per tick).
 */
import type { CoordinatorClient } from '../adapters/do/coordinator-client'
import { minuteOf } from '../core/metrics/aggregate'
import type { MeasurementService } from './measurement'
import type { RegistryService } from './registry'
import type { RolloutService, TickSummary } from './rollouts'

export interface TickReport {
  at: number
  models: number
  failures: Array<{ model: string; error: string }>
  rollouts: TickSummary
}

export interface ScheduledDeps {
  registry: RegistryService
  rollouts: RolloutService
  measurement: MeasurementService
  coordinator: (model: string) => CoordinatorClient
  historyRetentionDays: number
}

export async function runScheduled(deps: ScheduledDeps, scheduledTime: number): Promise<TickReport> {
  // Gates first: a rollback must not wait behind housekeeping.
  const rollouts = await deps.rollouts.tick(scheduledTime)
  // Housekeeping needs the model list from D1; without it, it waits for the next tick (the
  // coordinators retry their own propagation from their alarms meanwhile).
  let models: Array<{ name: string; metric_shards: number }>
  try {
    models = await deps.registry.models()
  } catch (err) {
    const failure = { model: '*', error: `model list unavailable: ${(err as Error).message}` }
    for (const f of [...rollouts.failures, failure]) console.error(`cron: ${f.model}: ${f.error}`)
    return { at: scheduledTime, models: 0, failures: [failure], rollouts }
  }
  const keepFrom = minuteOf(scheduledTime - deps.historyRetentionDays * 86_400_000)
  const results = await Promise.allSettled(
    models.map(async (m) => {
      await deps.coordinator(m.name).reconcile(scheduledTime)
      await deps.measurement.rollup(m.name, m.metric_shards)
      await deps.measurement.prune(m.name, keepFrom)
    }),
  )
  const failures = results.flatMap((r, i) =>
    r.status === 'rejected' ? [{ model: models[i]!.name, error: String(r.reason) }] : [],
  )
  for (const f of [...rollouts.failures, ...failures]) console.error(`cron: ${f.model}: ${f.error}`)
  return { at: scheduledTime, models: models.length, failures, rollouts }
}
