/**
 * Command-line flags of `npm run bench`. Pure: takes argv, returns options or throws a usage
 * error, so the unit tests can pin the defaults the README quotes.
 */
import { parseArgs } from 'node:util'

export type LoadTool = 'wrk' | 'autocannon'

export interface BenchOptions {
  durationS: number
  rounds: number
  connections: number
  warmupS: number
  /** Gateway configurations to run; null = all. The bare proxy always runs: it is the baseline. */
  only: string[] | null
  json: boolean
  /** Fixed offered load in req/s (open loop, scripts/bench/paced.ts); null = closed loop. */
  rate: number | null
  /** Also measure the no-op floors (bare-static, gateway /healthz) to split the gateway's cost. */
  diagnose: boolean
  /** Directory for a .cpuprofile per gateway configuration (after the rounds); null = off. */
  cpuProfile: string | null
  /** After the alternating rounds, as many rounds with every configuration loaded at once. */
  paired: boolean
  /** Forced load tool; null = wrk when on PATH, else autocannon. */
  tool: LoadTool | null
  help: boolean
}

export const USAGE = `usage: npm run bench -- [flags]

  --duration <s>       seconds per measured run (default 10)
  --rounds <n>         alternating rounds of bare proxy, then each gateway configuration (default 3)
  --connections <n>    concurrent keep-alive connections of the load generator (default 32)
  --warmup <s>         unmeasured seconds per configuration before round 1 (default 3)
  --rate <n>           offer a fixed n req/s, open loop, instead of a closed loop (built-in paced
                       generator; wrk cannot pace): latency at equal load, the fair test of
                       "p99 added"; pick n well below the bare proxy's closed-loop req/s
  --paired             after the alternating rounds, run as many rounds with every configuration
                       loaded at the same time on the shared server core, and report each one's
                       CPU per request against the bare proxy's from the same round: robust to a
                       machine whose speed drifts (absolute us inflate, ratios hold)
  --only <a,b>         run only these configurations: gateway ones, contract-floor and
                       contract-floor-in-gateway (the bare proxy always runs)
  --tool <wrk|autocannon>  force the load generator (default: wrk if on PATH, else autocannon)
  --diagnose           also measure no-op floors: a Worker answering without a subrequest
                       (bare-static) and GET /healthz on the gateway (gateway-healthz)
  --cpu-profile <dir>  after the rounds, profile each gateway configuration's isolate under the
                       same load for --duration s; writes <dir>/<config>.cpuprofile and prints
                       a summary
  --json               print one JSON document on stdout instead of the table
  --help               this text`

function positiveInt(name: string, raw: string | undefined, def: number, allowZero = false): number {
  if (raw === undefined) return def
  const n = Number(raw)
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    throw new Error(
      `--${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, ` + `got ${JSON.stringify(raw)}`,
    )
  }
  return n
}

export function parseBenchArgs(argv: string[], known: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      duration: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      warmup: { type: 'string' },
      only: { type: 'string' },
      tool: { type: 'string' },
      rate: { type: 'string' },
      json: { type: 'boolean', default: false },
      diagnose: { type: 'boolean', default: false },
      paired: { type: 'boolean', default: false },
      'cpu-profile': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  let only: string[] | null = null
  if (values.only !== undefined) {
    only = values.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    const unknown = only.filter((n) => !known.includes(n))
    if (only.length === 0 || unknown.length > 0) {
      throw new Error(
        `--only: unknown configuration ${JSON.stringify(unknown.join(','))}; ` + `known: ${known.join(', ')}`,
      )
    }
  }
  const tool = values.tool
  if (tool !== undefined && tool !== 'wrk' && tool !== 'autocannon') {
    throw new Error(`--tool must be wrk or autocannon, got ${JSON.stringify(tool)}`)
  }
  const rate = values.rate === undefined ? null : positiveInt('rate', values.rate, 0)
  if (rate !== null && tool !== undefined) throw new Error('--rate uses the built-in paced generator; drop --tool')
  if (rate !== null && values.paired === true)
    throw new Error('--paired compares CPU per request under a closed loop; drop --rate')
  return {
    durationS: positiveInt('duration', values.duration, 10),
    rounds: positiveInt('rounds', values.rounds, 3),
    connections: positiveInt('connections', values.connections, 32),
    warmupS: positiveInt('warmup', values.warmup, 3, true),
    only,
    json: values.json === true,
    rate,
    diagnose: values.diagnose === true,
    paired: values.paired === true,
    cpuProfile: values['cpu-profile'] ?? null,
    tool: tool ?? null,
    help: values.help === true,
  }
}
