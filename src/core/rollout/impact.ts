/**
 * @module core/rollout/impact
 * What a rolled-back challenger cost, for its incident: the requests it served over the rollout,
 * its error rate and p99 against the champion's, and how each business metric compared at the last
 * verdict.
 */
import { errorsOf, exposuresOf } from '../metrics/aggregate'
import { sumWhere, type MergedSummary } from '../metrics/summary'
import { quantile } from '../stats/histogram'
import type { RolloutState } from './types'

export interface IncidentImpact {
  challenger_requests: number
  challenger_errors: number
  challenger_error_rate: number | null
  champion_error_rate: number | null
  /** challenger − champion */
  error_rate_delta: number | null
  challenger_p99_ms: number | null
  champion_p99_ms: number | null
  metric_deltas: Record<
    string,
    { champion: number | null; challenger: number | null; delta: number | null; decision: string }
  >
}

/** `summary` covers the rollout: from its start epoch to now. */
export function incidentImpact(summary: MergedSummary, r: Pick<RolloutState, 'config' | 'verdicts'>): IncidentImpact {
  const ch = sumWhere(summary, (x) => x.version === r.config.challenger && x.arm !== 'shadow')
  const base = sumWhere(summary, (x) => x.version === r.config.champion && x.arm !== 'shadow')
  const rate = (e: number, n: number) => (n > 0 ? e / n : null)
  const chRate = rate(errorsOf(ch), exposuresOf(ch))
  const baseRate = rate(errorsOf(base), exposuresOf(base))
  const last = r.verdicts.at(-1)
  const deltas: IncidentImpact['metric_deltas'] = {}
  for (const m of last?.metrics ?? []) {
    const [a, b] = [m.champion.estimate, m.challenger.estimate]
    deltas[m.metric] = {
      champion: a,
      challenger: b,
      delta: a !== null && b !== null ? b - a : null,
      decision: m.decision,
    }
  }
  return {
    challenger_requests: exposuresOf(ch),
    challenger_errors: errorsOf(ch),
    challenger_error_rate: chRate,
    champion_error_rate: baseRate,
    error_rate_delta: chRate !== null && baseRate !== null ? chRate - baseRate : null,
    challenger_p99_ms: ch.latency.count ? quantile(ch.latency, 0.99) : null,
    champion_p99_ms: base.latency.count ? quantile(base.latency, 0.99) : null,
    metric_deltas: deltas,
  }
}
