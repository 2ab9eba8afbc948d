/**
 * @module core/rollout/auto-durations
 * `durations: "auto"`: each canary stage's minimum length planned by power from the traffic and
 * variance measured so far (docs/statistics.md §2.7).
 *
 * For a business gate with champion mean μ, per-request variance σ², relative margin m and a
 * challenger at the margin's midpoint (δ = D(m) = μ·m/2 in either direction), a stage giving the
 * challenger a share λ of r requests per ms has, after t ms,
 *   V(t) = σ²·(1/λ + k²/(1−λ)) / (r·t),   k = 1 − m (higher is better) or 1 + m (lower),
 * and the planned length becomes the stage's minimum duration, where the gates take the planned PASS
 * look (docs/statistics.md §5.7): a z-test of D̂(m)/√V̂ > z_{1−3α_pass/4}. The planned length is the
 * t at which that look PASSes with the chosen power, √V(t) = δ/(z_look + z_power), and at which both
 * arms have the gate's minimum sample (and, for a proportion, the pooled events the gate needs),
 * plus the metric's maturation delay (the look at T only sees requests older than T − W − 1 min,
 * docs/statistics.md §10.2), capped by the stage's maximum duration. A mean metric's information
 * comes per outcome, so its r is the measured outcome rate, not the request rate.
 *
 * Pure: the caller measures the inputs (services/coordinator/start-rollout).
 */
import { MIN_POOLED_EVENTS } from '../gates/metric-tests'
import { MIXTURE_SHARE } from '../gates/planned-look'
import type { MetricDirection } from '../gates/types'
import { normalQuantile } from '../stats/special'
import type { AutoMeasured } from './types'

/** The power a rollout plans for unless it asks for another. */
export const DEFAULT_POWER = 0.8
/** No planned stage is shorter than one tick of the control loop. */
export const MIN_PLANNED_MS = 60_000

/** One business metric as measured on the champion before the stage. */
export interface MeasuredMetric {
  metric: string
  kind: 'proportion' | 'mean'
  direction: MetricDirection
  margin: number
  mean: number
  /** Per-observation variance s² (per request for a proportion, per outcome for a mean). */
  variance: number
  /**
   * Time from a request until its outcome counts in the gates: the attribution window plus the
   * minute of folding (docs/statistics.md §10.2); absent or 0 for a metric counted at once.
   */
  maturationMs?: number
  /** Mean metrics: outcomes per ms, all arms together; absent: one outcome per request. */
  outcomesPerMs?: number
}

export interface AutoPlanInput {
  /** Requests per ms to the model, all arms together. */
  ratePerMs: number
  metrics: MeasuredMetric[]
  alphaPass: number
  power: number
  minSamplePerArm: number
  /** The stage's maximum duration: the plan never asks for more. */
  capMs: number
}

/** A metric's planned length for one stage, before the cap. */
export interface MetricPlan {
  metric: string
  /** The look's data need plus the metric's maturation delay. */
  ms: number
}

/** Outcomes fold by request minute, so a look can lag the window by up to a minute. */
export const FOLD_MINUTE_MS = 60_000

/** The attribution window plus the one minute a fold can lag (docs/statistics.md §10.2). */
export function maturationDelayMs(windowMs: number): number {
  return windowMs > 0 ? windowMs + FOLD_MINUTE_MS : 0
}

export interface StagePlan {
  /** Challenger share of the stage, in (0, 1). */
  share: number
  /** The planned minimum length: max over the metrics, at least a tick, at most the cap. */
  ms: number
  capped: boolean
  metrics: MetricPlan[]
}

/**
 * The variance V* of D̂(m) at which the planned PASS look (docs/statistics.md §5.7), taken at the
 * planned length, PASSes a challenger at the margin's midpoint with `power`: the z-test at level
 * 3α_pass/4 has power Φ(δ/√V − z_{1−3α_pass/4}), so √V* = δ/(z_{1−3α_pass/4} + z_power). The
 * mixture's α_pass/4 checked every tick can only add PASSes, so this is a lower bound on the power.
 * Null when no variance reaches it (δ ≤ 0, or a power at or below the look's level).
 */
export function requiredVariance(m: MeasuredMetric, alphaPass: number, power: number): number | null {
  const delta = (m.margin / 2) * m.mean
  const z = normalQuantile(1 - (1 - MIXTURE_SHARE) * alphaPass) + normalQuantile(power)
  if (!(delta > 0) || !(z > 0) || !Number.isFinite(z)) return null
  return (delta / z) ** 2
}

/** Planned length in ms for one metric at challenger share λ (before the cap); null if unplannable. */
export function metricPlanMs(m: MeasuredMetric, share: number, input: AutoPlanInput): number | null {
  // A proportion counts every matured request; a mean only the requests that got an outcome.
  const r = m.kind === 'mean' && m.outcomesPerMs !== undefined ? m.outcomesPerMs : input.ratePerMs
  if (!(r > 0) || !(share > 0 && share < 1) || !(m.variance > 0)) return null
  const vStar = requiredVariance(m, input.alphaPass, input.power)
  if (vStar === null) return null
  const k = m.direction === 'higher_is_better' ? 1 - m.margin : 1 + m.margin
  const power = (m.variance * (1 / share + (k * k) / (1 - share))) / (r * vStar)
  const sample = input.minSamplePerArm / (Math.min(share, 1 - share) * r)
  const events = m.kind === 'proportion' ? MIN_POOLED_EVENTS / (Math.min(m.mean, 1 - m.mean) * r) : 0
  return Math.max(power, sample, events) + Math.max(0, m.maturationMs ?? 0)
}

/**
 * The plan of one canary stage at weight `percent`; null when no metric can be planned (no traffic,
 * no variance, no business metric): the caller keeps the fixed duration.
 *
 * @example planStage(10, { ratePerMs: 0.1, metrics: [conversion], alphaPass: 0.025, power: 0.8,
 *   minSamplePerArm: 1000, capMs: 7 * DAY_MS })?.ms
 */
export function planStage(percent: number, input: AutoPlanInput): StagePlan | null {
  const share = percent / 100
  const metrics: MetricPlan[] = []
  for (const m of input.metrics) {
    const ms = metricPlanMs(m, share, input)
    if (ms !== null) metrics.push({ metric: m.metric, ms: Math.ceil(ms) })
  }
  if (metrics.length === 0) return null
  const need = Math.max(MIN_PLANNED_MS, ...metrics.map((x) => x.ms))
  return { share, ms: Math.min(need, input.capMs), capped: need > input.capMs, metrics }
}

/** What the plan shows of a metric's inputs (`config.durations.auto.measured`). */
export function measuredInputs(m: MeasuredMetric): AutoMeasured {
  const shown: AutoMeasured = { metric: m.metric, mean: m.mean, sd: Math.sqrt(m.variance), margin: m.margin }
  shown.maturationMs = m.maturationMs ?? 0
  if (m.kind === 'mean' && m.outcomesPerMs !== undefined) shown.outcomesPerS = m.outcomesPerMs * 1000
  return shown
}
