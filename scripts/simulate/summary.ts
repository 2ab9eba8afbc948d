/**
 * Decision-quality summaries of simulated runs (docs/statistics.md §13.4) and the acceptance
 * targets, as data (for --json) and as text.
 *
 * Rates come with a Wilson 95% upper/lower bound so that a reader can see what the run count
 * resolves: with 1,000 runs a true 2% rate has a standard error of 0.44%.
 */

import { GATES, type GateName, type Outcome, type RunResult } from './run'
import type { Scenario } from './model'

/** Outcome rates and timings of one gate over the runs of one scenario. */
export interface GateSummary {
  runs: number
  rate: Record<Outcome, number>
  count: Record<Outcome, number>
  /** Median and p90 minute of the decision, per outcome (null when it never happened). */
  minutes: Record<Outcome, { median: number; p90: number } | null>
  /** Median challenger requests served before a FAIL (null without FAILs). */
  exposureAtFail: number | null
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
  return { runs, rate, count, minutes, exposureAtFail }
}

/** Summarise every gate of one scenario. */
export function summariseScenario(s: Scenario, results: RunResult[]): ScenarioSummary {
  const gates = {} as Record<GateName, GateSummary>
  for (const g of GATES) gates[g] = summariseGate(results, g)
  return { name: s.name, title: s.title, metrics: [...s.metrics], gates }
}

/** One acceptance target evaluated for one gate. */
export interface TargetResult {
  target: string
  gate: GateName
  value: string
  met: boolean
}

interface TargetSpec {
  target: string
  scenario: string
  /** Returns the printed value and whether the target is met. */
  check: (g: GateSummary) => { value: string; met: boolean }
}

function rateWithCi(g: GateSummary, o: Outcome): string {
  const { lo, hi } = wilson(g.count[o], g.runs)
  return `${pct(g.rate[o])} (95% CI ${pct(lo)}–${pct(hi)})`
}

/** The acceptance targets (docs/statistics.md §13.4). */
export const TARGETS: TargetSpec[] = [
  {
    target: 'A/A false rollback ≤ 2%',
    scenario: 'aa',
    check: (g) => ({ value: rateWithCi(g, 'FAIL'), met: g.rate.FAIL <= 0.02 }),
  },
  {
    target: 'false promotion at the margin ≤ 2.5%',
    scenario: 'conv-at-margin',
    check: (g) => ({ value: rateWithCi(g, 'PASS'), met: g.rate.PASS <= 0.025 }),
  },
  {
    target: '5% degradation rolled back within 24 h in ≥ 99% of runs',
    scenario: 'conv-5pct',
    check: (g) => ({ value: rateWithCi(g, 'FAIL'), met: g.rate.FAIL >= 0.99 }),
  },
  {
    target: '3× errors rolled back, median ≤ 30 min',
    scenario: 'errors-3x',
    check: (g) => {
      // Runs that never FAIL count as "later than any FAIL" for the median.
      const median = g.rate.FAIL >= 0.5 ? (g.minutes.FAIL?.median ?? Infinity) : Infinity
      return { value: `median ${median} min (FAIL in ${pct(g.rate.FAIL)})`, met: median <= 30 }
    },
  },
]

/** Evaluate the targets on the summaries present (targets of skipped scenarios are omitted). */
export function evaluateTargets(summaries: ScenarioSummary[]): TargetResult[] {
  const out: TargetResult[] = []
  for (const t of TARGETS) {
    const s = summaries.find((x) => x.name === t.scenario)
    if (!s) continue
    for (const gate of GATES) {
      const { value, met } = t.check(s.gates[gate])
      out.push({ target: t.target, gate, value, met })
    }
  }
  return out
}

/** A fraction as a percentage: one decimal, two below 1% (so 1 run in 1,000 is not "0.0%"). */
export function pct(x: number): string {
  return `${(x * 100).toFixed(x > 0 && x < 0.01 ? 2 : 1)}%`
}
