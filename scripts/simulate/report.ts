/**
 * Text rendering of the simulation report: one table per scenario (the three gates side by side)
 * and the decision-quality goals with PASS/MISS.
 */

import { GATES, type GateName } from './run'
import {
  CHAMPION_P99_MS,
  CONVERSION_BASE,
  DESIGN_SHARE,
  ERROR_BASE,
  LATENCY_MEDIAN_MS,
  LATENCY_SIGMA,
  MARGIN,
  REQUESTS_PER_MINUTE,
  TICKS,
  fullConfig,
} from './model'
import { type GateSummary, type ScenarioSummary, type TargetResult, pct } from './summary'

const GATE_LABEL: Record<GateName, string> = {
  sequential: 'sequential, 24 h min',
  anytime: 'sequential, PASS any time',
  naive: 'naive, every tick',
}

function cell(g: GateSummary, o: 'PASS' | 'FAIL' | 'HALT'): string {
  if (g.count[o] === 0) return '0'
  const m = g.minutes[o]
  return `${pct(g.rate[o])} (${m?.median}/${m?.p90})`
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length)
}

/** The header: what was simulated, with the seed and run count needed to reproduce it. */
export function renderHeader(seed: number, runs: number): string {
  const gates = fullConfig()
  return [
    'modelgate decision-quality benchmark (docs/statistics.md §13), real evaluateGates every tick',
    `seed ${seed}, ${runs} runs per scenario; reproduce with ` +
      `npx tsx scripts/simulate.ts --seed ${seed} --runs ${runs}`,
    `traffic ${REQUESTS_PER_MINUTE}/min, challenger share ${pct(DESIGN_SHARE)}, 1-min ticks, ` +
      `cap ${TICKS / 60} h; conversion ${pct(CONVERSION_BASE)}, errors ${pct(ERROR_BASE)}, ` +
      `latency lognormal median ${LATENCY_MEDIAN_MS} ms σ ${LATENCY_SIGMA}, threshold = ` +
      `champion p99 ${CHAMPION_P99_MS.toFixed(0)} ms; margin m = ${pct(MARGIN)}`,
    `gates: canary defaults (α_pass ${gates.alphaPass}, α_fail ${gates.alphaFail}/3 per test, ` +
      `SRM α ${gates.srmAlpha}, n_min ${gates.minSamplePerArm.toLocaleString('en-US')}, min 24 h; ` +
      'planned looks recorded between ticks); each scenario evaluates only its metrics at the per-test α of the 3-metric ' +
      'config, except "aa" which runs all three together',
    'cells: rate (median/p90 minute of that decision); exposure = median challenger requests ' + 'before a FAIL',
  ].join('\n')
}

/** One scenario's table. */
export function renderScenario(s: ScenarioSummary): string {
  const lines = [`\n[${s.name}] ${s.title} — metrics: ${s.metrics.join(', ')}`]
  const head = ['gate', 'PASS', 'FAIL', 'INCONCLUSIVE', 'HALT', 'exposure@FAIL']
  const widths = [27, 21, 21, 13, 19, 13]
  lines.push(head.map((h, i) => pad(h, widths[i] as number)).join(''))
  for (const gate of GATES) {
    const g = s.gates[gate]
    const row = [
      GATE_LABEL[gate],
      cell(g, 'PASS'),
      cell(g, 'FAIL'),
      pct(g.rate.INCONCLUSIVE),
      cell(g, 'HALT'),
      g.exposureAtFail === null ? '-' : String(g.exposureAtFail),
    ]
    lines.push(row.map((c, i) => pad(c, widths[i] as number)).join(''))
  }
  return lines.join('\n')
}

/** The goals, one block per goal with one line per gate; the seed and command to reproduce. */
export function renderTargets(targets: TargetResult[], seed: number, runs: number): string {
  if (targets.length === 0) return ''
  const lines = [
    '\nGoals (PASS/MISS on the point estimate; 95% CIs: Wilson for rates, order statistics for ' +
      'medians; medians count runs that never decide as later than the cap)',
    `reproduce: npm run simulate -- --seed ${seed} --runs ${runs}`,
  ]
  let last = ''
  for (const t of targets) {
    if (t.target !== last) {
      lines.push(`  ${t.target}`)
      if (t.note !== undefined) lines.push(`    (${t.note})`)
    }
    last = t.target
    lines.push(`    ${t.met ? 'PASS' : 'MISS'}  ${pad(GATE_LABEL[t.gate], 27)} ${t.value}`)
  }
  return lines.join('\n')
}
