/**
 * `npm run simulate`: the decision-quality benchmark of docs/statistics.md §13. Simulates a 10%
 * canary minute by minute for 24 h in each scenario (A/A, conversion −m/2, −m, −2.5m, −m/2 and −m
 * with a pre-exposure covariate, 3× errors, latency 0/5/20% slower, SRM), judges every tick with
 * the real `evaluateGates` and with the naive threshold rule, and prints false rollback, false promotion, power, time to decision,
 * INCONCLUSIVE rate and exposure, then the decision-quality goals with PASS/MISS and CIs. A MISS does not
 * fail the process (it is a report, not a test). Deterministic for a given --seed and --runs.
 */

import { parseArgs, USAGE } from './simulate/args'
import { SCENARIOS } from './simulate/model'
import { runAll } from './simulate/pool'
import { renderHeader, renderScenario, renderTargets } from './simulate/report'
import { evaluateTargets, summariseScenario } from './simulate/summary'

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2))
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const scenarios = SCENARIOS.filter((s) => opts.scenarios.includes(s.name))
  const started = process.hrtime.bigint()
  let shown = -1
  const results = await runAll(scenarios, opts.seed, opts.runs, opts.workers, (done, total) => {
    const tenth = Math.floor((10 * done) / total)
    if (tenth !== shown) {
      shown = tenth
      process.stderr.write(`[simulate] ${done}/${total} chunks\n`)
    }
  })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const summaries = scenarios.map((s, i) => summariseScenario(s, results[i] ?? []))
  const targets = evaluateTargets(summaries)
  if (opts.json) {
    const doc = { seed: opts.seed, runs: opts.runs, scenarios: summaries, targets }
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`)
  } else {
    process.stdout.write(`${renderHeader(opts.seed, opts.runs)}\n`)
    for (const s of summaries) process.stdout.write(`${renderScenario(s)}\n`)
    process.stdout.write(`${renderTargets(targets, opts.seed, opts.runs)}\n`)
  }
  // Timing goes to stderr so that stdout is byte-identical across machines for a seed.
  process.stderr.write(`[simulate] done in ${seconds.toFixed(1)} s on ${opts.workers} worker(s)\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
})
