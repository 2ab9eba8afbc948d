/**
 * Pure numeric helpers of the benchmark: percentiles, per-configuration summaries, the
 * gateway-vs-bare comparison and the targets. No I/O here, so the unit tests cover all of it.
 */

/** What one load run against one configuration measured. Latencies in ms. */
export interface LoadResult {
  /** Completed responses (any status). */
  requests: number
  durationS: number
  rps: number
  p50Ms: number
  p99Ms: number
  /** Transport failures: connect/read/write errors and timeouts. */
  errors: number
  /** Responses outside 2xx (wrk can only count status >= 400; see the footnote it prints). */
  non2xx: number
}

export interface RoundSample extends LoadResult {
  round: number
  /** CPU of the server process (workerd) over the run, in % of one core; null when unknown. */
  serverCpuPct: number | null
  /** workerd CPU time per completed request, µs: the gateway's cost, robust to a busy machine. */
  serverCpuUsPerReq: number | null
  /** CPU the server core spent on other processes (another tenant, a test run), % of the core. */
  serverCoreOtherPct: number | null
  /** Busy share of the client core (load generator, upstream, orchestrator and anyone else), %. */
  clientCpuPct: number | null
}

export interface ConfigSummary {
  name: string
  rounds: RoundSample[]
  rps: number
  p50Ms: number
  p99Ms: number
  errors: number
  non2xx: number
  serverCpuPct: number | null
  serverCpuUsPerReq: number | null
  serverCoreOtherPct: number | null
  clientCpuPct: number | null
}

/** What a configuration must show against the bare proxy; null: compared, not judged. */
export interface Targets {
  throughputRatioMin: number | null
  p99AddedMaxMs: number | null
}

/** The gateway core's targets (routing + forwarding): >= 0.90 of bare throughput, <= 2 ms p99 added. */
export const TARGETS: Targets = { throughputRatioMin: 0.9, p99AddedMaxMs: 2 }

/** For references and diagnostics: shown side by side, with no verdict. */
export const NO_TARGETS: Targets = { throughputRatioMin: null, p99AddedMaxMs: null }

export interface Comparison {
  name: string
  /** Median over rounds of gateway rps / bare rps from the same round. */
  throughputRatio: number
  /** Median over rounds of gateway p99 − bare p99 from the same round, ms. */
  p99AddedMs: number
  /** Median over rounds of the workerd CPU µs per request the gateway adds; null when unknown. */
  cpuUsAddedPerReq: number | null
  perRound: Array<{
    round: number
    throughputRatio: number
    p99AddedMs: number
    cpuUsAddedPerReq: number | null
  }>
  /** The targets this configuration is judged by. */
  targets: Targets
  /**
   * null without a target, or at a fixed offered rate: both sides serve the same req/s, so the
   * ratio says nothing.
   */
  throughputPass: boolean | null
  /** null without a target. */
  p99Pass: boolean | null
}

/**
 * Nearest-rank percentile (the value below which p% of the samples fall), the definition wrk and
 * HdrHistogram use, so figures from all load tools mean the same. `sorted` must be ascending.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN
  if (p <= 0) return sorted[0] as number
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(rank, sorted.length) - 1] as number
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

function medianOrNull(xs: Array<number | null>): number | null {
  const known = xs.filter((x): x is number => x !== null)
  return known.length === 0 ? null : median(known)
}

function maxOrNull(xs: Array<number | null>): number | null {
  const known = xs.filter((x): x is number => x !== null)
  return known.length === 0 ? null : Math.max(...known)
}

/**
 * Medians across rounds rather than pooled samples: wrk hands back percentiles, not samples, and
 * the median discards one disturbed round (a GC pause, a neighbour on the machine).
 */
export function summarize(name: string, rounds: RoundSample[]): ConfigSummary {
  return {
    name,
    rounds,
    rps: median(rounds.map((r) => r.rps)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    errors: rounds.reduce((a, r) => a + r.errors, 0),
    non2xx: rounds.reduce((a, r) => a + r.non2xx, 0),
    serverCpuPct: medianOrNull(rounds.map((r) => r.serverCpuPct)),
    serverCpuUsPerReq: medianOrNull(rounds.map((r) => r.serverCpuUsPerReq)),
    // The worst round, not the median: one disturbed round is exactly what the reader must see.
    serverCoreOtherPct: maxOrNull(rounds.map((r) => r.serverCoreOtherPct)),
    clientCpuPct: medianOrNull(rounds.map((r) => r.clientCpuPct)),
  }
}

/**
 * Compares a gateway configuration with the bare proxy round by round: the two runs of a round are
 * adjacent in time, so pairing them cancels slow drift of the machine before taking the median.
 */
export function compare(
  bare: ConfigSummary,
  gateway: ConfigSummary,
  targets: Targets = TARGETS,
  fixedRate = false,
): Comparison {
  const byRound = new Map(bare.rounds.map((r) => [r.round, r]))
  const perRound: Comparison['perRound'] = []
  for (const g of gateway.rounds) {
    const b = byRound.get(g.round)
    if (b === undefined) continue
    const cpu =
      g.serverCpuUsPerReq === null || b.serverCpuUsPerReq === null ? null : g.serverCpuUsPerReq - b.serverCpuUsPerReq
    perRound.push({
      round: g.round,
      throughputRatio: ratio(g.rps, b.rps),
      p99AddedMs: g.p99Ms - b.p99Ms,
      cpuUsAddedPerReq: cpu,
    })
  }
  const throughputRatio = median(perRound.map((r) => r.throughputRatio))
  const p99AddedMs = median(perRound.map((r) => r.p99AddedMs))
  return {
    name: gateway.name,
    throughputRatio,
    p99AddedMs,
    cpuUsAddedPerReq: medianOrNull(perRound.map((r) => r.cpuUsAddedPerReq)),
    perRound,
    targets,
    throughputPass:
      fixedRate || targets.throughputRatioMin === null ? null : throughputRatio >= targets.throughputRatioMin,
    p99Pass: targets.p99AddedMaxMs === null ? null : p99AddedMs <= targets.p99AddedMaxMs,
  }
}

export function ratio(a: number, b: number): number {
  return b === 0 ? Number.NaN : a / b
}

export function verdict(pass: boolean | null): 'PASS' | 'MISS' | 'n/a' {
  return pass === null ? 'n/a' : pass ? 'PASS' : 'MISS'
}

/** A target with its verdict (">= 0.85 MISS", "<= 2.00 ms PASS"), or '-' without one. */
export function targetCell(op: '>=' | '<=', target: number | null, pass: boolean | null, unit = ''): string {
  return target === null ? '-' : `${op} ${target.toFixed(2)}${unit} ${verdict(pass)}`
}

/** Fixed decimals, '-' for a missing or non-finite value, so a broken run cannot print "NaN ms". */
export function fixed(x: number | null | undefined, digits: number): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits)
}

/** Signed fixed decimals for deltas: "+0.42", "-1.10". */
export function signed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return '-'
  const s = x.toFixed(digits)
  return x >= 0 && !s.startsWith('-') ? `+${s}` : s
}

/** Left-aligned first column, right-aligned figures, two spaces between columns. */
export function renderTable(rows: string[][]): string {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}
