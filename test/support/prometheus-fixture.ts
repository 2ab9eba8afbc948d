/**
 * The exposition the real code renders for a model with every family filled: a champion, a
 * challenger and a shadow arm with traffic, latencies and durations, errors of every class, shadow
 * pairs, divergences and skipped copies, lost measurements and outcome conflicts.
 */
import { addDuration, addLatency, emptyTotals, renderPrometheus } from '../../src/core/metrics/prometheus'

export function fullExposition(): string {
  const arm = (requests: number, byClass: Record<string, number>, latencies: number[]) => {
    const t = emptyTotals()
    t.requests = requests
    t.byClass = byClass
    t.failedAttempts = 1
    for (const ms of latencies) {
      addLatency(t, ms)
      addDuration(t.duration!, ms * 3)
    }
    return t
  }
  const champion = arm(6, { '2xx': 5, '5xx': 1 }, [3, 12, 40, 180, 900, 2600])
  const challenger = arm(4, { '2xx': 1, timeout: 1, unreachable: 1, stream_error: 1, stream_stalled: 0 }, [7, 60])
  const shadow = { ...arm(0, {}, [20, 35]), shadowPairs: 2, shadowDiverged: 1, shadowSkipped: 3 }
  return renderPrometheus(
    [
      { model: 'fraud', version: 'v1', arm: 'champion', totals: champion },
      { model: 'fraud', version: 'v2', arm: 'challenger', totals: challenger },
      { model: 'fraud', version: 'v3', arm: 'shadow', totals: shadow },
    ],
    [{ model: 'fraud', records: 40, batches: 1 }],
    [
      { model: 'fraud', version: 'v1', arm: 'champion', metric: 'repaid', conflicts: 0 },
      { model: 'fraud', version: 'v2', arm: 'challenger', metric: 'repaid', conflicts: 2 },
    ],
  )
}
