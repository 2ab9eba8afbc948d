/**
 * @module core/rollout/confirmation
 * Did a rollback take? The stable version carries the traffic under the rollback epoch, nothing
 * reaches the rolled-back challenger, and the stable version's error rate and latency are back to
 * what they were before the failed step.
 *
 * Latency is compared at the highest quantile both samples can estimate: p99 from 1,000 answers
 * (the same floor the champion's latency anchor needs), p95 from 100, the median below that. The
 * p99 of a hundred answers is their second slowest, so comparing it would let two slow answers
 * deny a rollback that worked, and the 2 am operator would get a false "NOT confirmed".
 */
import { errorsOf, exposuresOf, type Agg } from '../metrics/aggregate'
import { fmt, pct } from '../stats/format'
import { quantile } from '../stats/histogram'
import { formatDuration } from '../duration'

export const CONFIRM = {
  minRequests: 20,
  errorRateSlack: 0.01,
  errorRateFactor: 1.5,
  latencyFactor: 1.25,
  latencySlackMs: 5,
  giveUpMs: 30 * 60_000,
} as const

/** The highest latency quantile that `count` answers estimate well enough to compare. */
export function confirmationQuantile(count: number): number {
  if (count >= 1_000) return 0.99
  if (count >= 100) return 0.95
  return 0.5
}

export interface ConfirmationInput {
  /** The stable version's answers since the rollback epoch. */
  stable: Agg
  /** The same version's answers during the failed step (null: no failed step recorded). */
  baseline: Agg | null
  /** Answers the challenger still gave since the rollback epoch. */
  challengerRequests: number
  /** Time since the rollback. */
  elapsedMs: number
}

export interface ConfirmationDetails {
  requests_since_rollback: number
  challenger_requests_since_rollback: number
  error_rate: number | null
  baseline_error_rate: number
  p99_ms: number | null
  baseline_p99_ms: number | null
  /** The quantile the latency check compared (see confirmationQuantile). */
  latency_quantile: number
  latency_ms: number | null
  baseline_latency_ms: number | null
  time_to_confirm_ms: number
  reason?: string
}

/** A recorded verdict, as the rollout keeps it. */
export interface RecordedConfirmation {
  ok: boolean
  timeToConfirmMs: number
}

/**
 * A verdict the controller does not revisit: a confirmation, or the one taken after the give-up
 * time. An earlier "not confirmed" is checked again on every tick, because a champion taking all
 * the traffic back can be slow for a minute and then recover.
 */
export function isFinal(c: RecordedConfirmation): boolean {
  return c.ok || c.timeToConfirmMs > CONFIRM.giveUpMs
}

/** The reason recorded with a verdict, if any (details are kept as the rollout stored them). */
export function confirmationReason(details: unknown): string | null {
  const r = (details as { reason?: unknown } | null)?.reason
  return typeof r === 'string' ? r : null
}

/** Where a rollback's confirmation stands, for the CLI and the dashboard to word. */
export type ConfirmationState = 'pending' | 'confirmed' | 'checking_again' | 'not_confirmed'

export function confirmationState(c: RecordedConfirmation | null): ConfirmationState {
  if (c === null) return 'pending'
  if (c.ok) return 'confirmed'
  return isFinal(c) ? 'not_confirmed' : 'checking_again'
}

/**
 * Whether a new verdict is worth recording (and alerting): the first one, a recovery after a
 * "not confirmed", or the final one at the give-up time; not the same "not yet" every minute.
 */
export function worthRecording(previous: RecordedConfirmation | null, ok: boolean, elapsedMs: number): boolean {
  return previous === null || ok || elapsedMs > CONFIRM.giveUpMs
}

/** The stable version's error rate is back within the slack of its baseline's. */
export function errorRateRecovered(rate: number, baselineRate: number): boolean {
  return rate <= baselineRate * CONFIRM.errorRateFactor + CONFIRM.errorRateSlack
}

/** The stable version's latency (at the compared quantile) is back within the slack of its baseline's. */
export function latencyRecovered(ms: number, baselineMs: number): boolean {
  return ms <= baselineMs * CONFIRM.latencyFactor + CONFIRM.latencySlackMs
}

/**
 * The baseline a rollback is judged against: the restored version's traffic while the failed step
 * was live, or, when it served none there (a FAIL in the watch after a promotion: the previous
 * champion was idle), its traffic before the rollout started. Null when neither has any.
 */
export function rollbackBaseline(failedStep: Agg | null, beforeRollout: Agg | null): Agg | null {
  if (failedStep !== null && failedStep.requests > 0) return failedStep
  if (beforeRollout !== null && beforeRollout.requests > 0) return beforeRollout
  return null
}

/** Enough answers on the stable version to judge, or waited long enough to give up. */
export function readyToJudge(stableRequests: number, elapsedMs: number): boolean {
  return stableRequests >= CONFIRM.minRequests || elapsedMs > CONFIRM.giveUpMs
}

/** The verdict on a rollback; call it once readyToJudge holds. */
export function judgeRollback(input: ConfirmationInput): { ok: boolean; details: ConfirmationDetails } {
  const { stable, baseline, challengerRequests, elapsedMs } = input
  const timedOut = elapsedMs > CONFIRM.giveUpMs
  const baselineRate = baseline && exposuresOf(baseline) > 0 ? errorsOf(baseline) / exposuresOf(baseline) : 0
  const errorRate = exposuresOf(stable) > 0 ? errorsOf(stable) / exposuresOf(stable) : null
  const q = confirmationQuantile(Math.min(stable.latency.count, baseline?.latency.count ?? Infinity))
  const at = (a: Agg | null, p: number) => (a && a.latency.count > 0 ? quantile(a.latency, p) : null)
  const latency = at(stable, q)
  const baselineLatency = at(baseline, q)

  let reason: string | undefined
  if (timedOut) reason = `not confirmed within ${formatDuration(CONFIRM.giveUpMs)}`
  else if (stable.requests < CONFIRM.minRequests)
    reason = `${stable.requests} answers on the stable version, ${CONFIRM.minRequests} needed`
  else if (challengerRequests > 0)
    reason = `the challenger still answered ${challengerRequests} requests under the rollback epoch`
  else if (errorRate === null) reason = 'no answers to judge the error rate by'
  else if (!errorRateRecovered(errorRate, baselineRate)) {
    reason = `error rate ${pct(errorRate)} still above baseline ${pct(baselineRate)}`
  } else if (latency !== null && baselineLatency !== null && !latencyRecovered(latency, baselineLatency)) {
    reason = `p${Math.round(q * 100)} ${fmt(latency)} ms still above baseline ${fmt(baselineLatency)} ms`
  }
  return {
    ok: reason === undefined,
    details: {
      requests_since_rollback: stable.requests,
      challenger_requests_since_rollback: challengerRequests,
      error_rate: errorRate,
      baseline_error_rate: baselineRate,
      p99_ms: at(stable, 0.99),
      baseline_p99_ms: at(baseline, 0.99),
      latency_quantile: q,
      latency_ms: latency,
      baseline_latency_ms: baselineLatency,
      time_to_confirm_ms: elapsedMs,
      ...(reason !== undefined ? { reason } : {}),
    },
  }
}
