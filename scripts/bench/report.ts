/**
 * The printed report. Pure (data in, text out): the README quotes it verbatim, and the unit tests
 * pin its shape.
 */
import type { PairedSummary } from './paired'
import type { ModuleShare } from './profile'
import type { MachineInfo } from './system'
import { fixed, renderTable, signed, targetCell, type Comparison, type ConfigSummary } from './stats'

export interface RoutingCheck {
  name: string
  requests: number
  ok: number
  /** Answers per x-model-version (gateway) — shows the split really is live. */
  versions: Record<string, number>
}

export interface ProfileSummary {
  name: string
  file: string
  /** Throughput while sampled (the inspector costs a little). */
  rps: number
  /** Share of the sampled time the isolate's thread was idle, %. */
  idlePct: number
  modules: ModuleShare[]
  functions: Array<{ fn: string; pct: number }>
}

export interface BenchReport {
  machine: MachineInfo
  load: {
    tool: string
    detail: string
    connections: number
    /** Fixed offered req/s, or null for a closed loop. */
    rate: number | null
    durationS: number
    warmupS: number
    rounds: number
    requestBytes: number
    units: number
  }
  /** Busy share of each core in the second before the benchmark started anything. */
  busyBefore: Array<{ core: number; pct: number }>
  pinning: string
  upstream: string
  order: string[]
  configs: Array<{ name: string; description: string; url: string }>
  routingChecks: RoutingCheck[]
  profiles: ProfileSummary[]
  summaries: ConfigSummary[]
  comparisons: Comparison[]
  /** --paired: every configuration loaded at once, CPU per request against the bare proxy's. */
  paired: PairedSummary[] | null
  totalSeconds: number
}

/** Above this, another process measurably competed with workerd for its core. */
const DISTURBED_PCT = 5
/** Above this, the client side may have been the bottleneck. */
const SATURATED_PCT = 90

export function renderReport(r: BenchReport): string {
  const m = r.machine
  const lines: string[] = []
  lines.push('modelgate benchmark: gateway vs bare pass-through Worker, both on Miniflare/workerd')
  lines.push('')
  const kv = (k: string, v: string) => lines.push(`${k.padEnd(9)} ${v}`)
  kv('machine', `${m.cpuModel}, ${m.cores} cores, ${m.kernel}`)
  kv('runtime', `Node ${m.node}, workerd ${m.workerd}, miniflare ${m.miniflare}, wrangler ${m.wrangler}`)
  kv('load', r.load.detail)
  const loop = r.load.rate === null ? 'closed loop' : `fixed offered rate ${r.load.rate} req/s`
  const l = r.load
  kv(
    'requests',
    `${loop}, ${l.connections} keep-alive connections, POST ${l.requestBytes}-byte JSON, ` +
      `x-unit-id over ${l.units} units`,
  )
  kv(
    'schedule',
    `warm-up ${l.warmupS} s per config, then ${l.rounds} rounds of ` +
      `(${r.order.join(', ')}) x ${l.durationS} s each`,
  )
  kv('pinning', r.pinning)
  const busy = r.busyBefore.map((b) => `cpu${b.core} ${fixed(b.pct, 0)} %`).join(', ')
  kv('idle?', `CPU busy in the second before the run: ${busy}`)
  kv('upstream', r.upstream)
  for (const c of r.configs) kv('config', `${c.name}: ${c.description} (${c.url})`)
  for (const c of r.routingChecks) {
    const versions = Object.entries(c.versions)
      .map(([v, n]) => `${v} ${n}`)
      .join(', ')
    const split = versions ? `; versions: ${versions}` : ''
    kv('check', `${c.name}: ${c.ok}/${c.requests} answered 2xx before the load${split}`)
  }
  lines.push('')

  lines.push('Results (median over rounds; errors and non-2xx summed over rounds)')
  const head = [
    'config',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'non-2xx',
    'workerd CPU %',
    'CPU us/req',
    'other on its core %',
    'client core %',
  ]
  const rows = r.summaries.map((s) => [
    s.name,
    fixed(s.rps, 0),
    fixed(s.p50Ms, 2),
    fixed(s.p99Ms, 2),
    String(s.errors),
    String(s.non2xx),
    fixed(s.serverCpuPct, 0),
    fixed(s.serverCpuUsPerReq, 0),
    fixed(s.serverCoreOtherPct, 0),
    fixed(s.clientCpuPct, 0),
  ])
  lines.push(renderTable([head, ...rows]))
  lines.push('workerd CPU: the server process over the run; CPU us/req: its CPU time per request;')
  lines.push('other on its core: CPU that other processes took on the server core (worst round);')
  lines.push('client core: busy share of the other core.')
  const disturbed = r.summaries.filter((s) => (s.serverCoreOtherPct ?? 0) > DISTURBED_PCT)
  if (disturbed.length > 0) {
    const names = disturbed.map((s) => s.name).join(', ')
    lines.push(`WARNING: other processes took > ${DISTURBED_PCT} % of the server core during ${names}:`)
    lines.push('req/s and latencies are unreliable, CPU us/req less so. Re-run on a quiet machine.')
  }
  const saturated = r.summaries.filter((s) => (s.clientCpuPct ?? 0) > SATURATED_PCT)
  if (saturated.length > 0) {
    const names = saturated.map((s) => s.name).join(', ')
    lines.push(`WARNING: the client core was over ${SATURATED_PCT} % busy during ${names}:`)
    lines.push('the load generator or upstream may have limited throughput instead of the Worker.')
  }
  lines.push('')

  lines.push('Per round (req/s | p99 ms)')
  const rounds = r.summaries[0]?.rounds.map((x) => x.round) ?? []
  const perRound = rounds.map((round) => [
    String(round),
    ...r.summaries.map((s) => {
      const x = s.rounds.find((y) => y.round === round)
      return x ? `${fixed(x.rps, 0)} | ${fixed(x.p99Ms, 2)}` : '-'
    }),
  ])
  lines.push(renderTable([['round', ...r.summaries.map((s) => s.name)], ...perRound]))
  lines.push('')

  const base = r.summaries[0]?.name ?? 'bare'
  lines.push(`Against ${base} (median of per-round pairs)`)
  const cmpHead = ['config', 'throughput ratio', 'target', 'p99 added ms', 'target', 'CPU us/req added']
  const cmpRows = r.comparisons.map((c) => [
    c.name,
    fixed(c.throughputRatio, 3),
    targetCell('>=', c.targets.throughputRatioMin, c.throughputPass),
    signed(c.p99AddedMs, 2),
    targetCell('<=', c.targets.p99AddedMaxMs, c.p99Pass, ' ms'),
    c.cpuUsAddedPerReq === null ? '-' : signed(c.cpuUsAddedPerReq, 0),
  ])
  lines.push(renderTable([cmpHead, ...cmpRows]))
  const breakdown = renderBreakdown(r)
  if (breakdown.length > 0) lines.push('', ...breakdown)
  if (r.paired !== null) {
    const targets = new Map(r.comparisons.map((c) => [c.name, c.targets.throughputRatioMin]))
    lines.push('', ...renderPaired(r.paired, base, r.load.rounds, targets))
  }
  for (const p of r.profiles) {
    lines.push(
      '',
      `CPU profile of ${p.name}'s isolate: ${p.file}`,
      `${fixed(p.rps, 0)} req/s while sampled; its thread idled ${fixed(p.idlePct, 0)} % ` +
        'of the time. Shares below are of the busy samples; (program) is native work outside JS',
      '(HTTP, streams, the runtime); (native X) is time inside runtime API X.',
    )
    lines.push(renderTable([['self time by module', '% busy'], ...p.modules.map((m) => [m.module, fixed(m.pct, 1)])]))
    lines.push(renderTable([['self time by function', '% busy'], ...p.functions.map((f) => [f.fn, fixed(f.pct, 1)])]))
  }
  lines.push('')
  lines.push(`total wall time ${r.totalSeconds.toFixed(0)} s`)
  return lines.join('\n')
}

/** The --paired section: its own rounds, every configuration loaded at the same time. */
export function renderPaired(
  paired: PairedSummary[],
  base: string,
  rounds: number,
  /** Each configuration's throughput target (absent or null: none). */
  targets: ReadonlyMap<string, number | null> = new Map(),
): string[] {
  const cell = (p: PairedSummary) => {
    const min = targets.get(p.name) ?? null
    const pass = min === null || p.ratio === null || !Number.isFinite(p.ratio) ? null : p.ratio >= min
    return targetCell('>=', min, pass)
  }
  return [
    `Side by side (--paired: ${rounds} rounds, every configuration loaded at once on the server core)`,
    renderTable([
      ['config', 'req/s', 'CPU us/req', `${base} us ÷ this us`, 'target', 'min', 'max', 'errors', 'non-2xx'],
      ...paired.map((p) => [
        p.name,
        fixed(p.rps, 0),
        fixed(p.cpuUsPerReq, 0),
        fixed(p.ratio, 3),
        cell(p),
        fixed(p.ratioMin, 3),
        fixed(p.ratioMax, 3),
        String(p.errors),
        String(p.non2xx),
      ]),
    ]),
    'Ratios are per-round medians: the throughput ratio when the server core is the bottleneck,',
    'without the drift between alternating runs. Shared caches inflate the absolute us/req.',
  ]
}

/**
 * With --diagnose: splits the gateway's added workerd CPU per request into the hono app's fixed
 * cost (GET /healthz over the no-subrequest floor) and the rest of the proxy path (routing, header
 * rewriting, response wrapping), using CPU us/req because it survives a busy machine.
 */
export function renderBreakdown(r: BenchReport): string[] {
  const by = new Map(r.summaries.map((s) => [s.name, s]))
  const floor = by.get('bare-static')?.serverCpuUsPerReq
  const bare = r.summaries[0]?.serverCpuUsPerReq
  const out: string[] = []
  if (floor == null || bare == null) return out
  out.push('Where the workerd CPU per request goes (us/req, medians; floors are GETs, proxies POSTs)')
  const rows: string[][] = [
    ['runtime floor: bare-static answers without a subrequest', fixed(floor, 0)],
    [`subrequest + streaming the answer: ${r.summaries[0]?.name} - bare-static`, signed(bare - floor, 0)],
  ]
  for (const c of r.comparisons) {
    const gw = by.get(c.name)?.serverCpuUsPerReq
    const noop = by.get(`${c.name}-healthz`)?.serverCpuUsPerReq
    if (gw == null) continue
    rows.push([`${c.name}: total added over ${r.summaries[0]?.name}`, signed(gw - bare, 0)])
    if (noop != null) {
      rows.push([`  of which the app itself: ${c.name}-healthz - bare-static`, signed(noop - floor, 0)])
      rows.push([`  of which routing + forwarding: the rest`, signed(gw - bare - (noop - floor), 0)])
    }
  }
  out.push(renderTable(rows))
  return out
}
