/**
 * @module services/coordinator/rollback-confirmation
 * The automatic check after a rollback (docs/statistics.md, rollback confirmation): the stable
 * version carries the traffic under the rollback's epoch, and its error rate and latency are back
 * to the baseline. A "not confirmed" is checked again on later ticks until it recovers or the
 * give-up time passes; the incident records the last verdict.
 */
import { sumWhere, type MergedSummary } from '../../core/metrics/summary'
import { isFinal, judgeRollback, readyToJudge, rollbackBaseline, worthRecording } from '../../core/rollout/confirmation'
import type { StoredRollout } from './ports'
import type { RolloutRunner, RunnerPort } from './rollout-runner'

const iso = (ms: number) => new Date(ms).toISOString()

/** Judges a rollback once there is enough traffic; null when nothing was (re)decided. */
export async function confirmRollback(
  port: RunnerPort,
  runner: RolloutRunner,
  s: StoredRollout,
  now: number,
): Promise<StoredRollout | null> {
  const rb = s.state.rollback
  if (!rb || (rb.confirmation !== null && isFinal(rb.confirmation)) || s.meta.rollbackEpoch === null) return null
  const after = await port.summary({ minEpoch: s.meta.rollbackEpoch, now, metrics: [] })
  const stable = sumWhere(after, (x) => x.version === rb.version && x.arm !== 'shadow')
  if (!readyToJudge(stable.requests, now - rb.at)) return null
  const restored = (summary: MergedSummary) => sumWhere(summary, (x) => x.version === rb.version && x.arm !== 'shadow')
  const failed = s.meta.failedStep
  const during = failed
    ? restored(await port.summary({ minEpoch: failed.fromEpoch, maxEpoch: failed.toEpoch, now, metrics: [] }))
    : null
  // Read only when needed: the version's whole history before the rollout (per-epoch totals).
  const before =
    during !== null && during.requests > 0
      ? null
      : restored(await port.summary({ minEpoch: 0, maxEpoch: s.meta.startEpoch, now, metrics: [] }))
  const baseline = rollbackBaseline(during, before)
  const judged = judgeRollback({
    stable,
    baseline,
    challengerRequests: sumWhere(after, (x) => x.version === s.state.config.challenger && x.arm !== 'shadow').requests,
    elapsedMs: now - rb.at,
  })
  const { ok } = judged
  if (!worthRecording(rb.confirmation, ok, now - rb.at)) return null
  const details = { epoch: s.meta.rollbackEpoch, stable_version: rb.version, ...judged.details }
  // The incident learns the verdict in the same write as the rollout (see RolloutRunner.execute).
  const inc = s.meta.incidentId ? await port.incident(s.meta.incidentId) : null
  const incident = inc ? { ...inc, confirmation: { ok, at: iso(now), ...details }, updatedAt: iso(now) } : undefined
  const effects = incident ? { incident, records: [{ kind: 'incident' as const, row: incident }] } : {}
  const next = await runner.run(s, { type: 'rollback_confirmed', now, ok, details }, 'controller', effects)
  return next
}
