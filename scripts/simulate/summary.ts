/**
 * Decision-quality summaries of simulated runs (docs/statistics.md §13.4) and the goals, as data
 * (for --json) and as text.
 *
 * Rates come with a Wilson 95% upper/lower bound so that a reader can see what the run count
 * resolves: with 1,000 runs a true 2% rate has a standard error of 0.44%. Medians of decision
 * times are taken over all runs, censoring runs that never decide at +∞, with an order-statistic
 * 95% interval.
 */

import { GATES, type GateName, type Outcome, type RunResult } from './run'
import { type Scenario, TICKS } from './model'

/** Outcome rates and timings of one gate over the runs of one scenario. */
export interface GateSummary {
  runs: number
  rate: Record<Outcome, number>
  count: Record<Outcome, number>
  /** Median and p90 minute of the decision, per outcome (null when it never happened). */
  minutes: Record<Outcome, { median: number; p90: number } | null>
  /** Median challenger requests served before a FAIL (null without FAILs). */
  exposureAtFail: number | null
  /**
   * Median minute of each decision over ALL runs, runs without it counting as later than the cap
   * (right-censored; Infinity when more than half never reach it), with its 95% CI.
   */
  censored: Record<'PASS' | 'FAIL' | 'HALT', CensoredMedian>
}

/** A median over all runs with runs that never decide censored at +∞, and its 95% CI. */
export interface CensoredMedian {
  median: number
  lo: number
  hi: number
}

/**
 * Distribution-free 95% CI of a median from order statistics (Conover 1999, §3.2): the number of
 * runs below the true median is Binomial(n, ½), so [x₍ₗ₎, x₍ᵤ₎] with l = ⌊n/2 − 0.98·√n⌋ and
 * u = ⌈n/2 + 1 + 0.98·√n⌉ (normal approximation, 1.96/2 = 0.98) covers it with ≥ 95%.
 * `times` are the sorted minutes of the runs that decided; the other `runs − times.length` runs
 * are +∞ (the median is then "later than the cap").
 */
export function censoredMedian(times: number[], runs: number): CensoredMedian {
  if (runs === 0) return { median: Infinity, lo: Infinity, hi: Infinity }
  const at = (rank: number) => {
    const i = Math.min(runs, Math.max(1, rank)) - 1
    return i < times.length ? (times[i] as number) : Infinity
  }
  const half = 0.98 * Math.sqrt(runs)
  return {
    median: at(Math.ceil(0.5 * runs)),
    lo: at(Math.floor(runs / 2 - half)),
    hi: at(Math.ceil(runs / 2 + 1 + half)),
  }
}

export interface ScenarioSummary {
  name: string
  title: string
  metrics: string[]
  gates: Record<GateName, GateSummary>
}

const OUTCOMES: Outcome[] = ['PASS', 'FAIL', 'INCONCLUSIVE', 'HALT']

/** The q-quantile (nearest rank) of sorted numbers. */
export function quantileOf(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[i] as number
}

/** Wilson score interval at 95% for x successes in n. */
export function wilson(x: number, n: number): { lo: number; hi: number } {
  if (n === 0) return { lo: 0, hi: 1 }
  const z = 1.959963984540054
  const p = x / n
  const d = 1 + (z * z) / n
  const c = p + (z * z) / (2 * n)
  const h = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))
  return { lo: Math.max(0, (c - h) / d), hi: Math.min(1, (c + h) / d) }
}

/** Summarise one gate's decisions. */
export function summariseGate(results: RunResult[], gate: GateName): GateSummary {
  const runs = results.length
  const count = { PASS: 0, FAIL: 0, INCONCLUSIVE: 0, HALT: 0 }
  const mins: Record<Outcome, number[]> = { PASS: [], FAIL: [], INCONCLUSIVE: [], HALT: [] }
  const exposures: number[] = []
  for (const r of results) {
    const d = r[gate]
    count[d.outcome]++
    mins[d.outcome].push(d.minute)
    if (d.outcome === 'FAIL') exposures.push(d.exposure)
  }
  const rate = { PASS: 0, FAIL: 0, INCONCLUSIVE: 0, HALT: 0 }
  const minutes: GateSummary['minutes'] = { PASS: null, FAIL: null, INCONCLUSIVE: null, HALT: null }
  for (const o of OUTCOMES) {
    rate[o] = runs > 0 ? count[o] / runs : 0
    const m = mins[o].sort((a, b) => a - b)
    if (m.length > 0) minutes[o] = { median: quantileOf(m, 0.5), p90: quantileOf(m, 0.9) }
  }
  exposures.sort((a, b) => a - b)
  const exposureAtFail = exposures.length > 0 ? quantileOf(exposures, 0.5) : null
  const censored = {
    PASS: censoredMedian(mins.PASS, runs),
    FAIL: censoredMedian(mins.FAIL, runs),
    HALT: censoredMedian(mins.HALT, runs),
  }
  return { runs, rate, count, minutes, exposureAtFail, censored }
}

/** Summarise every gate of one scenario. */
export function summariseScenario(s: Scenario, results: RunResult[]): ScenarioSummary {
  const gates = {} as Record<GateName, GateSummary>
  for (const g of GATES) gates[g] = summariseGate(results, g)
  return { name: s.name, title: s.title, metrics: [...s.metrics], gates }
}

/** One goal evaluated for one gate. */
export interface TargetResult {
  target: string
  gate: GateName
  value: string
  met: boolean
  /** What bounds the goal in this world, when something does (printed under the goal). */
  note?: string
}

interface TargetSpec {
  target: string
  scenario: string
  note?: string
  /** Returns the printed value and whether the goal is met (on the point estimate). */
  check: (g: GateSummary) => { value: string; met: boolean }
}

function rateWithCi(g: GateSummary, o: Outcome): string {
  const { lo, hi } = wilson(g.count[o], g.runs)
  return `${pct(g.rate[o])} (95% CI ${pct(lo)}–${pct(hi)})`
}

/** A censored median in minutes: "> 1440" when more than half the runs never decided. */
export function minutes(x: number): string {
  return Number.isFinite(x) ? String(x) : `> ${TICKS}`
}

function medianWithCi(g: GateSummary, o: 'PASS' | 'FAIL' | 'HALT'): string {
  const c = g.censored[o]
  return `median ${minutes(c.median)} min (95% CI ${minutes(c.lo)}–${minutes(c.hi)})`
}

const atMost = (o: Outcome, max: number) => (g: GateSummary) => ({
  value: rateWithCi(g, o),
  met: g.rate[o] <= max,
})
const atLeast = (o: Outcome, min: number) => (g: GateSummary) => ({
  value: rateWithCi(g, o),
  met: g.rate[o] >= min,
})
const fastMedian = (o: 'FAIL' | 'HALT', max: number) => (g: GateSummary) => ({
  value: `${medianWithCi(g, o)}; ${o} in ${pct(g.rate[o])}`,
  met: g.censored[o].median <= max,
})

/**
 * The decision-quality goals (docs/statistics.md §13.4), in the order of the table. Medians
 * count runs that never reach the decision as later than the cap, so a gate that decides fast in
 * a few runs and never in the others does not look fast.
 */
export const TARGETS: TargetSpec[] = [
  { target: 'A/A: PASS within 24 h ≥ 97%', scenario: 'aa', check: atLeast('PASS', 0.97) },
  {
    target: 'conversion −m/2 (inside the margin): PASS ≥ 60%',
    scenario: 'conv-half-margin',
    check: atLeast('PASS', 0.6),
    note:
      'out of reach in this world without a covariate: with false PASS at the margin ≤ 2.5%, no test, ' +
      'sequential or not, passes −m/2 in more than 53% of runs (Neyman–Pearson, docs/statistics.md ' +
      '§13.6); the covariate goal below is the same challenger with a pre-exposure covariate',
  },
  { target: 'conversion −5%: FAIL ≥ 99.5%', scenario: 'conv-5pct', check: atLeast('FAIL', 0.995) },
  { target: 'conversion −5%: median time to FAIL ≤ 160 min', scenario: 'conv-5pct', check: fastMedian('FAIL', 160) },
  { target: 'A/A false FAIL ≤ 1%', scenario: 'aa', check: atMost('FAIL', 0.01) },
  { target: 'conversion −m/2 rolled back ≤ 2%', scenario: 'conv-half-margin', check: atMost('FAIL', 0.02) },
  { target: 'false PASS exactly at the margin ≤ 2.5%', scenario: 'conv-at-margin', check: atMost('PASS', 0.025) },
  {
    target: 'conversion −m/2 with a covariate (ρ = 0.5): PASS ≥ 60%',
    scenario: 'conv-half-margin-cuped',
    check: atLeast('PASS', 0.6),
  },
  {
    target: 'false PASS at the margin with a covariate ≤ 2.5%',
    scenario: 'conv-at-margin-cuped',
    check: atMost('PASS', 0.025),
  },
  { target: '3× error rate: median time to FAIL ≤ 4 min', scenario: 'errors-3x', check: fastMedian('FAIL', 4) },
  { target: 'SRM −3%: median time to HALT ≤ 20 min', scenario: 'srm', check: fastMedian('HALT', 20) },
]

/** Evaluate the goals on the summaries present (goals of skipped scenarios are omitted). */
export function evaluateTargets(summaries: ScenarioSummary[]): TargetResult[] {
  const out: TargetResult[] = []
  for (const t of TARGETS) {
    const s = summaries.find((x) => x.name === t.scenario)
    if (!s) continue
    for (const gate of GATES) {
      const { value, met } = t.check(s.gates[gate])
      out.push(
        t.note === undefined
          ? { target: t.target, gate, value, met }
          : { target: t.target, gate, value, met, note: t.note },
      )
    }
  }
  return out
}

/** A fraction as a percentage: one decimal, two below 1% (so 1 run in 1,000 is not "0.0%"). */
export function pct(x: number): string {
  return `${(x * 100).toFixed(x > 0 && x < 0.01 ? 2 : 1)}%`
}
