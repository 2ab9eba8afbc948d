/**
 * @module core/metrics/summary
 * Merging shard summaries into one view per (version, arm, segment): the raw material of evidence.
 */
import { emptyAgg, mergeAgg, type Agg } from './aggregate'
import type { CounterfactualRow, MaturedRow } from './outcomes'
import type { ShardSummary } from './shard-data'
import { mergeMoments } from '../stats/moments'

export interface MergedSummary {
  /** key `${version}|${arm}|${segment}` */
  cumulative: Map<string, { version: string; arm: string; segment: string; agg: Agg }>
  /** key `${version}|${arm}|${segment}|${metric}` */
  matured: Map<string, Omit<MaturedRow, 'epoch'>>
  /** key `${version}|${metric}` */
  counterfactual: Map<string, Omit<CounterfactualRow, 'epoch'>>
}

export function mergeSummaries(parts: ShardSummary[]): MergedSummary {
  const cumulative: MergedSummary['cumulative'] = new Map()
  const matured: MergedSummary['matured'] = new Map()
  const counterfactual: MergedSummary['counterfactual'] = new Map()
  for (const p of parts) {
    for (const r of p.cumulative) {
      const k = `${r.version}|${r.arm}|${r.segment}`
      let cur = cumulative.get(k)
      if (!cur) {
        cur = { version: r.version, arm: r.arm, segment: r.segment, agg: emptyAgg() }
        cumulative.set(k, cur)
      }
      mergeAgg(cur.agg, r.agg)
    }
    for (const r of p.matured) {
      const k = `${r.version}|${r.arm}|${r.segment}|${r.metric}`
      const cur = matured.get(k)
      if (!cur)
        matured.set(k, {
          version: r.version,
          arm: r.arm,
          segment: r.segment,
          metric: r.metric,
          exposures: r.exposures,
          n: r.n,
          sum: r.sum,
          sumSq: r.sumSq,
        })
      else
        matured.set(k, {
          ...cur,
          exposures: cur.exposures + r.exposures,
          n: cur.n + r.n,
          sum: cur.sum + r.sum,
          sumSq: cur.sumSq + r.sumSq,
        })
    }
    for (const r of p.counterfactual) {
      const k = `${r.version}|${r.metric}`
      const cur = counterfactual.get(k)
      if (!cur)
        counterfactual.set(k, {
          version: r.version,
          metric: r.metric,
          n: r.n,
          championCorrect: r.championCorrect,
          shadowCorrect: r.shadowCorrect,
          championLoss: r.championLoss,
          shadowLoss: r.shadowLoss,
        })
      else {
        counterfactual.set(k, {
          ...cur,
          n: cur.n + r.n,
          championCorrect: cur.championCorrect + r.championCorrect,
          shadowCorrect: cur.shadowCorrect + r.shadowCorrect,
          championLoss: mergeMoments(cur.championLoss, r.championLoss),
          shadowLoss: mergeMoments(cur.shadowLoss, r.shadowLoss),
        })
      }
    }
  }
  return { cumulative, matured, counterfactual }
}

/** Sum of every row matching a predicate. */
export function sumWhere(
  s: MergedSummary,
  pred: (r: { version: string; arm: string; segment: string }) => boolean,
): Agg {
  const out = emptyAgg()
  for (const r of s.cumulative.values()) if (pred(r)) mergeAgg(out, r.agg)
  return out
}
