/**
 * @module core/rollout/auto-durations
 * `durations: "auto"`: each canary stage's minimum length planned by power from the traffic and
 * variance measured so far (docs/statistics.md §2.7).
 *
 * For a business gate with champion mean μ, per-request variance σ², relative margin m and a
 * challenger at the margin's midpoint (δ = D(m) = μ·m/2 in either direction), a stage giving the
 * challenger a share λ of r requests per ms has, after t ms,
 *   V(t) = σ²·(1/λ + k²/(1−λ)) / (r·t),   k = 1 − m (higher is better) or 1 + m (lower),
 * and PASSes by t with probability at least Φ((δ − B(V(t)))/√V(t)), B the gate's own always-valid
 * boundary (the mixture with τ = max(m, 1%)·μ): the planned length is the smallest t at which that
 * reaches the chosen power, and at which both arms have the gate's minimum sample (and, for a
 * proportion, the pooled events the gate needs), capped by the stage's maximum duration.
 *
 * Pure: the caller measures the inputs (services/coordinator/start-rollout).
 */
import { MIN_POOLED_EVENTS, marginScaleTau2 } from '../gates/metric-tests'
import type { MetricDirection } from '../gates/types'
import { mixtureBoundary } from '../stats/mixture'
import { normalQuantile } from '../stats/special'

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
  /** Per-request variance s². */
  variance: number
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
  ms: number
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
 * The variance V* of D̂(m) at which a challenger at the margin's midpoint PASSes with `power`:
 * the root of (δ − B(V))/√V = z_power, by bisection on ln V (the left side falls as V grows).
 * Null when no variance reaches it (δ ≤ 0 or a degenerate mean).
 */
export function requiredVariance(m: MeasuredMetric, alphaPass: number, power: number): number | null {
  const delta = (m.margin / 2) * m.mean
  const tau2 = marginScaleTau2(m.margin, m.mean)
  if (!(delta > 0) || !(tau2 > 0)) return null
  const z = normalQuantile(power)
  const gap = (V: number) => (delta - mixtureBoundary(V, tau2, alphaPass)) / Math.sqrt(V) - z
  // At V = (δ/(z + 10))² the boundary is far below δ (its multiplier is < 10 there): gap > 0.
  let lo = Math.log(Math.pow(delta / (z + 10), 2))
  let hi = Math.log(delta * delta)
  if (!(gap(Math.exp(lo)) > 0) || gap(Math.exp(hi)) > 0) return null
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2
    if (gap(Math.exp(mid)) > 0) lo = mid
    else hi = mid
  }
  return Math.exp(lo)
}

/** Planned length in ms for one metric at challenger share λ (before the cap); null if unplannable. */
export function metricPlanMs(m: MeasuredMetric, share: number, input: AutoPlanInput): number | null {
  const r = input.ratePerMs
  if (!(r > 0) || !(share > 0 && share < 1) || !(m.variance > 0)) return null
  const vStar = requiredVariance(m, input.alphaPass, input.power)
  if (vStar === null) return null
  const k = m.direction === 'higher_is_better' ? 1 - m.margin : 1 + m.margin
  const power = (m.variance * (1 / share + (k * k) / (1 - share))) / (r * vStar)
  const sample = input.minSamplePerArm / (Math.min(share, 1 - share) * r)
  const events = m.kind === 'proportion' ? MIN_POOLED_EVENTS / (Math.min(m.mean, 1 - m.mean) * r) : 0
  return Math.max(power, sample, events)
}

/**
 * The plan of one canary stage at weight `percent`; null when no metric can be planned (no traffic,
 * no variance, no business metric): the caller keeps the fixed duration.
 *
 * @example planStage(10, { ratePerMs: 0.1, metrics: [conversion], alphaPass: 0.05, power: 0.8,
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
