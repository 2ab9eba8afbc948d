/**
 * @module core/evaluation/offline
 * Judges an offline evaluation report: quality (threshold and regression vs the champion),
 * bias/fairness bounds, p99 under load vs the model's SLA, and per-slice regressions.
 * Every check is listed with its numbers; the report passes only if all do.
 */
import type { EvaluationReport } from './types'

export interface OfflineCheck {
  name: string
  passed: boolean
  detail: string
}

export interface OfflineVerdict {
  passed: boolean
  checks: OfflineCheck[]
  reason: string
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`

/** Relative regression of `challenger` vs `champion` in the metric's direction (≤ 0 = no regression). */
function regression(challenger: number, champion: number, higherIsBetter: boolean): number {
  if (champion === 0) return higherIsBetter ? (challenger < 0 ? 1 : 0) : challenger > 0 ? 1 : 0
  const rel = (challenger - champion) / Math.abs(champion)
  return higherIsBetter ? -rel : rel
}

export function judgeOfflineReport(report: EvaluationReport, slaP99Ms: number | null): OfflineVerdict {
  const checks: OfflineCheck[] = []
  const q = report.quality
  const higher = q.direction === 'higher_is_better'
  const meets = higher ? q.challenger >= q.threshold : q.challenger <= q.threshold
  checks.push({
    name: `quality.${q.metric}.threshold`,
    passed: meets,
    detail: `challenger ${q.challenger} ${higher ? '≥' : '≤'} ${q.threshold}: ${meets ? 'yes' : 'no'}`,
  })
  const reg = regression(q.challenger, q.champion, higher)
  checks.push({
    name: `quality.${q.metric}.vs_champion`,
    passed: reg <= q.max_regression,
    detail: `challenger ${q.challenger} vs champion ${q.champion}: ${reg > 0 ? `${pct(reg)} worse` : 'not worse'} (tolerated ${pct(q.max_regression)})`,
  })
  for (const f of report.fairness) {
    const ok = f.bound === 'max' ? f.value <= f.threshold : f.value >= f.threshold
    checks.push({
      name: `fairness.${f.metric}`,
      passed: ok,
      detail: `${f.value} ${f.bound === 'max' ? '≤' : '≥'} ${f.threshold}: ${ok ? 'yes' : 'no'}`,
    })
  }
  if (slaP99Ms === null) {
    checks.push({
      name: 'latency.p99',
      passed: true,
      detail: `p99 ${report.latency.p99_ms} ms under load; the model has no SLA to compare with`,
    })
  } else {
    const ok = report.latency.p99_ms <= slaP99Ms
    checks.push({
      name: 'latency.p99',
      passed: ok,
      detail: `p99 ${report.latency.p99_ms} ms under load vs SLA ${slaP99Ms} ms`,
    })
  }
  for (const s of report.slices) {
    const r = regression(s.challenger, s.champion, higher)
    checks.push({
      name: `slice.${s.name}`,
      passed: r <= s.max_regression,
      detail: `${s.challenger} vs ${s.champion}: ${r > 0 ? `${pct(r)} worse` : 'not worse'} (tolerated ${pct(s.max_regression)})`,
    })
  }
  const failed = checks.filter((c) => !c.passed)
  return {
    passed: failed.length === 0,
    checks,
    reason:
      failed.length === 0
        ? `all ${checks.length} offline checks passed`
        : `failed: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}`,
  }
}
