/**
 * @module core/metrics/summary
 * Merging shard summaries into one view per (version, arm, segment): the raw material of evidence.
 */
import { emptyAgg, mergeAgg, type Agg } from './aggregate'
import type { CounterfactualRow, MaturedRow } from './outcomes'
import type { ReportRow, ShardSummary } from './shard-data'
import { mergeMoments } from '../stats/moments'

export interface MergedSummary {
  /** key `${version}|${arm}|${segment}` */
  cumulative: Map<string, { version: string; arm: string; segment: string; agg: Agg }>
  /** key `${version}|${arm}|${segment}|${metric}` */
  matured: Map<string, Omit<MaturedRow, 'epoch'>>
  /** key `${version}|${metric}` */
  counterfactual: Map<string, Omit<CounterfactualRow, 'epoch'>>
  /** key `${version}|${arm}|${segment}|${metric}`: outcomes accepted and contradicted */
  reports: Map<string, Omit<ReportRow, 'epoch'>>
}

export function mergeSummaries(parts: ShardSummary[]): MergedSummary {
  const cumulative: MergedSummary['cumulative'] = new Map()
  const matured: MergedSummary['matured'] = new Map()
  const counterfactual: MergedSummary['counterfactual'] = new Map()
  const reports: MergedSummary['reports'] = new Map()
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
      fold(matured, `${r.version}|${r.arm}|${r.segment}|${r.metric}`, r, (cur) => ({
        ...cur,
        exposures: cur.exposures + r.exposures,
        n: cur.n + r.n,
        sum: cur.sum + r.sum,
        sumSq: cur.sumSq + r.sumSq,
        sumX: (cur.sumX ?? 0) + (r.sumX ?? 0),
        sumXSq: (cur.sumXSq ?? 0) + (r.sumXSq ?? 0),
        outSumX: (cur.outSumX ?? 0) + (r.outSumX ?? 0),
        outSumXSq: (cur.outSumXSq ?? 0) + (r.outSumXSq ?? 0),
        sumXY: (cur.sumXY ?? 0) + (r.sumXY ?? 0),
      }))
    }
    for (const r of p.counterfactual) {
      fold(counterfactual, `${r.version}|${r.metric}`, r, (cur) => ({
        ...cur,
        n: cur.n + r.n,
        championCorrect: cur.championCorrect + r.championCorrect,
        shadowCorrect: cur.shadowCorrect + r.shadowCorrect,
        championLoss: mergeMoments(cur.championLoss, r.championLoss),
        shadowLoss: mergeMoments(cur.shadowLoss, r.shadowLoss),
      }))
    }
    for (const r of p.reports ?? []) {
      fold(reports, `${r.version}|${r.arm}|${r.segment}|${r.metric}`, r, (cur) => ({
        ...cur,
        accepted: cur.accepted + r.accepted,
        conflicts: cur.conflicts + r.conflicts,
      }))
    }
  }
  return { cumulative, matured, counterfactual, reports }
}

/** Puts `row` (without its epoch) under `key`, or, when the key is taken, what `merged` makes of the entry. */
function fold<T extends { epoch: number }>(
  into: Map<string, Omit<T, 'epoch'>>,
  key: string,
  row: T,
  merged: (cur: Omit<T, 'epoch'>) => Omit<T, 'epoch'>,
): void {
  const cur = into.get(key)
  if (cur) {
    into.set(key, merged(cur))
  } else {
    const { epoch: _epoch, ...rest } = row
    into.set(key, rest)
  }
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
