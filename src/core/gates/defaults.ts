/**
 * @module core/gates/defaults
 * Default gate configurations per stage, and the "weaker than the defaults" check the approval
 * policy uses ("gates weaker than the model's defaults need approval").
 *
 * Invariants:
 * - `defaultGateConfig` is a pure function of its options: the same options give the same config.
 * - `isWeakerThan` lists every way a config tolerates more (larger margins or α, smaller samples
 *   or durations, a removed gate); an empty list means "at least as strict on every axis".
 *
 * Source: docs/statistics.md §2.6 (defaults: α levels, SRM α = 0.001, margins, minimum duration ≥ one
 * diurnal cycle), §7.2 (p99 margin → exceedance margin), §8.3 (divergence), §2.6 (48 h shadow window),
 * §6 (relative +25% error margin).
 */

import {
  type ExpHistogram,
  bucketIndex,
  bucketUpperEdge,
  countAbove,
  histogramBase,
  snapToBucketEdge,
} from '../stats/histogram'
import { duration, pct } from './format'
import { FAIL_MARGIN_FACTOR } from './planned-look'
import type { BusinessGate, GateConfig } from './types'

const HOUR_MS = 3_600_000

/** The stage kinds with default gates. */
export type GateStage = 'shadow' | 'canary' | 'watch'

/** A business gate whose margin may be left to the default. */
export type BusinessGateInput = Omit<BusinessGate, 'margin'> & { margin?: number }

/** Options of `defaultGateConfig`. */
export interface DefaultGateOptions {
  stage: GateStage
  /** SLA on p99 latency; the latency threshold when the champion p99 is unknown. */
  slaP99Ms?: number
  /** The champion's historical p99 (preferred threshold: exceedance ≈ 1% there, best power). */
  championP99Ms?: number
  business?: BusinessGateInput[]
  /**
   * The champion's frozen historical latency histogram. With it, the latency margin is mapped
   * from a p99 slowdown δ (docs/statistics.md §7.2); without it the fixed `latencyMargin` is used.
   */
  championLatency?: ExpHistogram
  /** Tolerated p99 slowdown δ for the docs/statistics.md §7.2 mapping (default 10%). */
  p99Slowdown?: number
}

/** The default numbers, exported so that docs and tests quote one source. */
export const GATE_DEFAULTS = {
  businessMargin: 0.02,
  /** Relative: the challenger may have up to +25% errors (docs/statistics.md §6). */
  errorMargin: 0.25,
  /**
   * Absolute error-rate floor (0.1%): below it errors are too rare for the relative test (which
   * needs ~2,000 errors at +25%), so a challenger shown under it passes the error gate.
   */
  errorFloor: 0.001,
  /**
   * Relative margin on the exceedance rate at the champion's p99 when no histogram is given:
   * +50% (1% → 1.5%) is a p99 slowdown of about +8% for a lognormal tail with σ = 0.5 and +17%
   * for σ = 1, i.e. roughly the usual "p99 within 10%" across typical service tails, without
   * the 6–34% false rollbacks of comparing p99 point estimates in the benchmark (docs/statistics.md §7, §13.4).
   */
  latencyMargin: 0.5,
  p99Slowdown: 0.1,
  alphaPass: 0.025,
  alphaFail: 0.05,
  srmAlpha: 0.004,
  minSamplePerArm: 1000,
  /** ≥ one diurnal cycle; 48 h for shadow, together with the 10,000-pair minimum (both are required; docs/statistics.md §2.6). */
  minDurationMs: { shadow: 48 * HOUR_MS, canary: 24 * HOUR_MS, watch: 24 * HOUR_MS },
  maxDurationMs: 7 * 24 * HOUR_MS,
  divergenceMaxRate: 0.05,
  /**
   * Outcome conflicts (docs/statistics.md §10.6): HALT above 1% of an arm's accepted outcomes
   * contradicted, once at least 20 are (a few honest retries with a corrected value never halt).
   */
  maxConflictRate: 0.01,
  minConflicts: 20,
} as const

/**
 * The exceedance margin equivalent to "challenger p99 ≤ (1 + δ)·champion p99" read off the
 * champion's frozen histogram: m = F̄(t0/(1+δ))/F̄(t0) − 1 (docs/statistics.md §7.2; 0.64 for a
 * lognormal with σ = 0.5 and δ = 10%). t0 is snapped up to a bucket edge; t0/(1+δ) falls between
 * two edges, where log F̄ is interpolated linearly in the bucket index (rounding it to an edge
 * would move m by ~10% at scale 6). Returns null when the histogram has nothing above t0.
 */
export function exceedanceMarginForSlowdown(
  champion: ExpHistogram,
  thresholdMs: number,
  slowdown: number,
): number | null {
  const { scale } = champion
  const top = bucketIndex(scale, snapToBucketEdge(scale, thresholdMs))
  const above = (steps: number) => countAbove(champion, bucketUpperEdge(scale, top - steps))
  const atT0 = above(0)
  if (!(atT0 > 0) || !(slowdown > 0)) return null
  const steps = Math.log1p(slowdown) / Math.log(histogramBase(scale))
  const whole = Math.floor(steps)
  const frac = steps - whole
  const logSlow = (1 - frac) * Math.log(above(whole)) + frac * Math.log(above(whole + 1))
  return Math.exp(logSlow) / atT0 - 1
}

function latencyGate(opts: DefaultGateOptions): GateConfig['latency'] {
  const thresholdMs = opts.championP99Ms ?? opts.slaP99Ms
  if (thresholdMs === undefined || !(thresholdMs > 0)) return null
  const slowdown = opts.p99Slowdown ?? GATE_DEFAULTS.p99Slowdown
  const mapped = opts.championLatency ? exceedanceMarginForSlowdown(opts.championLatency, thresholdMs, slowdown) : null
  return { thresholdMs, margin: mapped ?? GATE_DEFAULTS.latencyMargin }
}

/**
 * Sensible default gates for a stage: business margin 2%, errors +25% (relative, event split),
 * latency exceedance at the champion p99 (or the SLA), α_pass = 0.025, α_fail = 0.05, SRM α = 0.004,
 * ≥ 1,000 exposures per arm, ≥ 24 h (48 h in shadow), at most 7 days, divergence ≤ 5%, HALT
 * above 1% contradicted outcomes (≥ 20 of them). Fail margins default to the margins, except
 * business gates: 0.55·m (docs/statistics.md §5.6).
 *
 * @example defaultGateConfig({ stage: 'canary', championP99Ms: 320,
 *   business: [{ metric: 'conversion', kind: 'proportion', direction: 'higher_is_better' }] })
 */
export function defaultGateConfig(opts: DefaultGateOptions): GateConfig {
  const business = (opts.business ?? []).map((g) => ({
    ...g,
    margin: g.margin ?? GATE_DEFAULTS.businessMargin,
  }))
  return {
    business,
    errorRate: { margin: GATE_DEFAULTS.errorMargin, floor: GATE_DEFAULTS.errorFloor },
    latency: latencyGate(opts),
    divergence: { maxRate: GATE_DEFAULTS.divergenceMaxRate },
    alphaPass: GATE_DEFAULTS.alphaPass,
    alphaFail: GATE_DEFAULTS.alphaFail,
    srmAlpha: GATE_DEFAULTS.srmAlpha,
    minSamplePerArm: GATE_DEFAULTS.minSamplePerArm,
    minDurationMs: GATE_DEFAULTS.minDurationMs[opts.stage],
    maxDurationMs: GATE_DEFAULTS.maxDurationMs,
    maxConflictRate: GATE_DEFAULTS.maxConflictRate,
    minConflicts: GATE_DEFAULTS.minConflicts,
  }
}

type Margined = { margin: number; failMargin?: number }

/**
 * `failFactor`: an implicit fail margin is this share of the margin (business gates: 0.55,
 * docs/statistics.md §5.6; the other gates: 1).
 */
function marginFindings(name: string, c: Margined | null, d: Margined | null, failFactor = 1): string[] {
  if (d === null) return []
  if (c === null) return [`${name}: gate removed`]
  const out: string[] = []
  if (c.margin > d.margin) out.push(`${name}: margin ${pct(c.margin)} > default ${pct(d.margin)}`)
  const cf = c.failMargin ?? failFactor * c.margin
  const df = d.failMargin ?? failFactor * d.margin
  // An implicit fail margin (= margin) that grew with the margin is already reported above.
  const implied = c.failMargin === undefined && c.margin > d.margin
  if (cf > df && !implied) out.push(`${name}: fail margin ${pct(cf)} > default ${pct(df)}`)
  return out
}

/**
 * The ways `config` is weaker than `defaults`, as sentences; empty when it is at least as strict
 * everywhere. Weaker means: a default gate removed or changed in kind/direction, a larger margin
 * or fail margin, a higher latency threshold, a higher divergence maximum, larger α_pass/α_fail,
 * a smaller SRM α (fewer alarms), a smaller minimum sample or duration, or a larger conflict rate
 * or conflict count before an outcome-conflict HALT. Extra gates and a
 * longer cap are not weaker (always-valid tests do not lose validity with time).
 */
export function isWeakerThan(config: GateConfig, defaults: GateConfig): string[] {
  const out: string[] = []
  for (const d of defaults.business) {
    const c = config.business.find((g) => g.metric === d.metric) ?? null
    if (c !== null && (c.kind !== d.kind || c.direction !== d.direction)) {
      out.push(`${d.metric}: kind/direction changed to ${c.kind}/${c.direction}`)
    }
    out.push(...marginFindings(d.metric, c, d, FAIL_MARGIN_FACTOR))
  }
  out.push(...marginFindings('error_rate', config.errorRate, defaults.errorRate))
  const cf = config.errorRate?.floor ?? 0
  const df = defaults.errorRate?.floor ?? 0
  if (config.errorRate && cf > df) out.push(`error_rate: floor ${pct(cf)} > default ${pct(df)}`)
  out.push(...marginFindings('latency', config.latency, defaults.latency))
  const cl = config.latency
  const dl = defaults.latency
  if (cl && dl && cl.thresholdMs > dl.thresholdMs) {
    out.push(`latency: threshold ${cl.thresholdMs} ms > default ${dl.thresholdMs} ms`)
  }
  const cd = config.divergence
  const dd = defaults.divergence
  if (dd && !cd) out.push('divergence: gate removed')
  if (dd && cd && cd.maxRate > dd.maxRate) {
    out.push(`divergence: max rate ${pct(cd.maxRate)} > default ${pct(dd.maxRate)}`)
  }
  const larger = (name: string, c: number, d: number) => {
    if (c > d) out.push(`${name} ${c} > default ${d}`)
  }
  const smaller = (name: string, c: number, d: number) => {
    if (c < d) out.push(`${name} ${c} < default ${d}`)
  }
  // Named as the API's gate overrides name them (GateOverrides in src/schemas/rollout.ts).
  larger('alpha_pass', config.alphaPass, defaults.alphaPass)
  larger('alpha_fail', config.alphaFail, defaults.alphaFail)
  smaller('srm_alpha', config.srmAlpha, defaults.srmAlpha)
  smaller('min_sample', config.minSamplePerArm, defaults.minSamplePerArm)
  // No override sets it (the plan's durations do), so it reads as a duration, not a field.
  if (config.minDurationMs < defaults.minDurationMs)
    out.push(`minimum duration ${duration(config.minDurationMs)} < default ${duration(defaults.minDurationMs)}`)
  const conflictRate = (g: GateConfig) => g.maxConflictRate ?? GATE_DEFAULTS.maxConflictRate
  const conflictCount = (g: GateConfig) => g.minConflicts ?? GATE_DEFAULTS.minConflicts
  larger('max_conflict_rate', conflictRate(config), conflictRate(defaults))
  larger('min_conflicts', conflictCount(config), conflictCount(defaults))
  return out
}
