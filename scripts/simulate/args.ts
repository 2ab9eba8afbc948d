/**
 * Command-line flags of `npm run simulate`.
 */

import os from 'node:os'
import { SCENARIOS } from './model'

/** Default runs per scenario: about 2–3 minutes on 2 free cores (see the usage text). */
export const DEFAULT_RUNS = 1000
export const DEFAULT_SEED = 20240501

export interface SimulateOptions {
  runs: number
  seed: number
  scenarios: string[]
  json: boolean
  workers: number
  help: boolean
}

export const USAGE = `Usage: npx tsx scripts/simulate.ts [flags]   (npm run simulate -- [flags])

Decision-quality benchmark of the gates (docs/statistics.md §13): simulated per-minute traffic judged
by the real evaluateGates every tick, against the naive threshold rule.

  --runs N          runs per scenario (default ${DEFAULT_RUNS}: rates near 1–5% to ±0.6–1.4%
                    (95%); about 2–3 min on 2 free cores)
  --seed S          seed (default ${DEFAULT_SEED}); output is identical for the same seed and runs
  --scenario a,b    only these scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}
  --workers W       worker threads (default: min(2, CPUs)); results do not depend on it
  --json            print the report as JSON on stdout
  --help            this text`

function positiveInt(flag: string, v: string | undefined): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got ${v}`)
  return n
}

/** Parse argv (without node and the script). Throws on unknown flags or bad values. */
export function parseArgs(argv: string[]): SimulateOptions {
  const o: SimulateOptions = {
    runs: DEFAULT_RUNS,
    seed: DEFAULT_SEED,
    scenarios: SCENARIOS.map((s) => s.name),
    json: false,
    workers: Math.max(1, Math.min(2, os.availableParallelism())),
    help: false,
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] as string).split('=', 2) as [string, string | undefined]
    const value = () => inline ?? argv[++i]
    switch (flag) {
      case '--runs':
        o.runs = positiveInt(flag, value())
        break
      case '--seed': {
        const v = value()
        o.seed = Number(v)
        if (!Number.isInteger(o.seed)) throw new Error(`--seed needs an integer, got ${v}`)
        break
      }
      case '--scenario':
      case '--scenarios': {
        const names = (value() ?? '').split(',').filter((x) => x !== '')
        const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n))
        if (names.length === 0 || unknown.length > 0) {
          throw new Error(`unknown scenario(s): ${unknown.join(', ') || '(none given)'}`)
        }
        o.scenarios = names
        break
      }
      case '--workers':
        o.workers = positiveInt(flag, value())
        break
      case '--json':
        o.json = true
        break
      case '--help':
      case '-h':
        o.help = true
        break
      default:
        throw new Error(`unknown flag ${flag}\n\n${USAGE}`)
    }
  }
  return o
}
