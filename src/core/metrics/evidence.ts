/**
 * @module core/metrics/evidence
 * Which measurements make up each side of a comparison, per step kind (the gates' input):
 *
 * - canary: challenger = weight-routed challenger requests; champion = weight-routed champion
 *   requests (cohort traffic is excluded on both sides, so the design share is the weight);
 * - cohort (feature flag): treatment = cohort members on the challenger, control = cohort members
 *   who stayed on the champion; the design share is the cohort percent. At 100% of the cohort no
 *   member is left as control, so the champion's other traffic stands in (a concurrent but
 *   different population) and SRM does not apply;
 * - shadow: the champion's own requests, plus the paired shadow comparisons; no challenger
 *   exposure by design;
 * - watch: the new champion's traffic since the final step against the previous champion's
 *   pre-rollout baseline (non-concurrent, so SRM does not apply).
 *
 * Latency evidence is the model's `latency_measure`: time to first byte (default) or total duration.
 */
import type { ArmEvidence, OutcomeReports, ShadowEvidence, StageEvidence } from '../gates/types'
import type { LatencyMeasure, MetricSource } from '../registry/types'
import { emptyHistogram } from '../stats/histogram'
import { momentsFromProportion, momentsFromSums, type Moments } from '../stats/moments'
import { momentsWithCovariate } from '../stats/cuped'
import { LATENCY_SCALE, errorsOf, exposuresOf, latencyFor, type Agg } from './aggregate'
import { sumWhere, type MergedSummary } from './summary'

export interface MetricSpec {
  name: string
  kind: 'proportion' | 'mean'
  /** `response`: read from the arm's request rows at once (no attribution window); absent: outcome. */
  source?: MetricSource | undefined
  /** The metric declares a pre-exposure covariate: its Moments carry `x` (core/metrics/covariate). */
  covariate?: boolean | undefined
}

type RowFilter = (r: { version: string; arm: string; segment: string }) => boolean

function outcomesFor(summary: MergedSummary, agg: Agg, metrics: MetricSpec[], pred: RowFilter) {
  const out: Record<string, Moments> = {}
  for (const m of metrics) {
    if (m.source === 'response') {
      const s = agg.response?.[m.name]
      out[m.name] = momentsFromSums(s?.n ?? 0, s?.sum ?? 0, s?.sumSq ?? 0)
      continue
    }
    const t = { exposures: 0, n: 0, sum: 0, sumSq: 0, sumX: 0, sumXSq: 0, sumXY: 0 }
    for (const r of summary.matured.values()) {
      if (r.metric !== m.name || !pred(r)) continue
      t.exposures += r.exposures
      t.n += r.n
      t.sum += r.sum
      t.sumSq += r.sumSq
      t.sumX += r.sumX ?? 0
      t.sumXSq += r.sumXSq ?? 0
      t.sumXY += r.sumXY ?? 0
    }
    // Proportions count every matured exposure (no outcome = not positive, y² = y), with the
    // covariate over those exposures; means only outcomes, a selection the arm can change, so a
    // covariate on a mean (stored before the rule) is ignored (docs/statistics.md §5.8).
    const proportion = m.kind === 'proportion'
    if (m.covariate === true && proportion) {
      out[m.name] = momentsWithCovariate(t.exposures, t.sum, t.sum, t.sumX, t.sumXSq, t.sumXY)
    } else {
      out[m.name] = proportion ? momentsFromProportion(t.sum, t.exposures) : momentsFromSums(t.n, t.sum, t.sumSq)
    }
  }
  return out
}

/** Outcomes accepted and contradicted per metric, over the arm's rows (docs/statistics.md §10.6). */
function reportsFor(summary: MergedSummary, metrics: MetricSpec[], pred: RowFilter): Record<string, OutcomeReports> {
  const out: Record<string, OutcomeReports> = {}
  for (const m of metrics) {
    const r: OutcomeReports = { accepted: 0, conflicts: 0 }
    for (const row of summary.reports.values()) {
      if (row.metric !== m.name || !pred(row)) continue
      r.accepted += row.accepted
      r.conflicts += row.conflicts
    }
    out[m.name] = r
  }
  return out
}

export function armEvidence(
  summary: MergedSummary,
  metrics: MetricSpec[],
  pred: RowFilter,
  measure: LatencyMeasure = 'ttfb',
): ArmEvidence {
  const agg = sumWhere(summary, pred)
  return {
    exposures: exposuresOf(agg),
    errors: errorsOf(agg),
    stickyExposures: agg.stickyExposures ?? 0,
    latency: latencyFor(agg, measure),
    outcomes: outcomesFor(summary, agg, metrics, pred),
    reports: reportsFor(summary, metrics, pred),
  }
}

function emptyArm(metrics: MetricSpec[]): ArmEvidence {
  return {
    exposures: 0,
    errors: 0,
    latency: emptyHistogram(LATENCY_SCALE),
    outcomes: Object.fromEntries(metrics.map((m) => [m.name, momentsFromProportion(0, 0)])),
  }
}

export function shadowEvidence(
  summary: MergedSummary,
  shadowVersion: string,
  measure: LatencyMeasure = 'ttfb',
): ShadowEvidence {
  const agg = sumWhere(summary, (r) => r.arm === 'shadow' && r.version === shadowVersion)
  const counterfactual: ShadowEvidence['counterfactual'] = {}
  for (const cf of summary.counterfactual.values()) {
    if (cf.version !== shadowVersion) continue
    counterfactual[cf.metric] = {
      n: cf.n,
      championCorrect: cf.championCorrect,
      shadowCorrect: cf.shadowCorrect,
      championLoss: cf.championLoss,
      shadowLoss: cf.shadowLoss,
    }
  }
  return {
    pairs: agg.shadowPairs,
    diverged: agg.shadowDiverged,
    errors: agg.shadowErrors,
    attempts: agg.shadowAttempts,
    latency: latencyFor(agg, measure),
    counterfactual,
  }
}

export type EvidenceSpec =
  | { kind: 'canary'; champion: string; challenger: string; weight: number }
  | { kind: 'cohort'; champion: string; challenger: string; percent: number }
  | { kind: 'shadow'; champion: string; challenger: string }
  | { kind: 'watch'; champion: string; challenger: string; baseline: MergedSummary }

export interface EvidenceOptions {
  stageStartedAt: number
  now: number
  /**
   * Which latency the arms' latency evidence is: the model's `latency_measure` (absent: `ttfb`,
   * also for model states stored before the setting).
   */
  latencyMeasure?: LatencyMeasure | undefined
}

export function buildEvidence(
  summary: MergedSummary,
  spec: EvidenceSpec,
  metrics: MetricSpec[],
  opts: EvidenceOptions,
): StageEvidence {
  const base = { stageStartedAt: opts.stageStartedAt, now: opts.now }
  const measure = opts.latencyMeasure ?? 'ttfb'
  if (spec.kind === 'shadow') {
    return {
      ...base,
      champion: armEvidence(summary, metrics, (r) => r.version === spec.champion && r.arm !== 'shadow', measure),
      challenger: emptyArm(metrics),
      shadow: shadowEvidence(summary, spec.challenger, measure),
      expectedChallengerShare: 0,
    }
  }
  const { champion, challenger, share } = comparedArms(spec)
  // A watch's baseline is not concurrent: without random assignment between its sides, an imputed
  // (or newly declared) covariate need not mean the same on both, so a watch reads none.
  const arms = spec.kind === 'watch' ? metrics.map((m) => ({ ...m, covariate: false })) : metrics
  return {
    ...base,
    // A watch compares with the previous champion's baseline from before the rollout.
    champion: armEvidence(spec.kind === 'watch' ? spec.baseline : summary, arms, champion, measure),
    challenger: armEvidence(summary, arms, challenger, measure),
    shadow: null,
    expectedChallengerShare: share,
  }
}

/** The rows of each arm of a stage that exposes the challenger, and the challenger's design share. */
function comparedArms(spec: Exclude<EvidenceSpec, { kind: 'shadow' }>): {
  champion: RowFilter
  challenger: RowFilter
  share: number
} {
  switch (spec.kind) {
    case 'canary':
      return {
        champion: (r) => r.version === spec.champion && r.arm === 'champion' && r.segment === '',
        challenger: (r) => r.version === spec.challenger && r.arm === 'challenger' && r.segment === '',
        share: spec.weight / 100,
      }
    case 'cohort':
      return {
        champion: (r) =>
          r.version === spec.champion && r.arm === 'champion' && (spec.percent >= 100 || r.segment === 'cohort'),
        challenger: (r) => r.version === spec.challenger && r.arm === 'cohort' && r.segment === 'cohort',
        share: spec.percent / 100,
      }
    case 'watch':
      return {
        champion: (r) => r.version === spec.champion && r.arm !== 'shadow',
        challenger: (r) => r.version === spec.challenger && r.arm !== 'shadow',
        share: 1,
      }
    default: {
      const never: never = spec
      return never
    }
  }
}
