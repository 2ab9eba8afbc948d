/**
 * `npm run bench`: throughput and latency of the gateway against a bare pass-through Worker, both
 * in the same runtime (Miniflare 4 → workerd), in one run:
 *
 * 1. starts a small keep-alive JSON upstream on 127.0.0.1 (child process);
 * 2. bundles the gateway with `wrangler deploy --dry-run` and runs it in Miniflare with in-memory
 *    KV, D1 (migrations applied) and Durable Objects — one instance per configuration of
 *    scripts/bench/configs.ts, each seeded through the admin API;
 * 3. runs the bare proxy (fetch(upstream + path) and return) in its own Miniflare instance, the
 *    contract floor (scripts/bench/workers.ts: only what the data-plane contract itself costs), and
 *    the same floor inside the gateway's bundle and bindings (what they cost before any gateway
 *    code runs);
 * 4. warms every target up, then drives them with the same closed-loop load, alternating
 *    bare, gateway, … for N rounds, with wrk if it is on PATH, else autocannon (or, with
 *    --rate, an open-loop paced generator, for latency at equal load);
 * 5. prints req/s, p50/p99, errors, workerd CPU per request and the gateway/bare comparison
 *    against the targets (--diagnose adds no-op floors, --cpu-profile a V8 profile).
 *
 * workerd runs alone on CPU 0; the load generator, the upstream and this process share CPU 1
 * (taskset), so the client side does not steal the server's CPU. A MISS does not fail the process.
 * See `npm run bench -- --help` for the flags.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseBenchArgs, USAGE, type BenchOptions } from './bench/args'
import {
  BASE_GATEWAY_BINDINGS,
  BENCH_ADMIN_TOKEN,
  BENCH_PATH,
  GATEWAY_CONFIGS,
  type AdminClient,
  type GatewayConfig,
} from './bench/configs'
import {
  chooseDriver,
  REQUEST_BODY,
  running,
  stopAutocannon,
  stopPaced,
  UNIT_POPULATION,
  type LoadDriver,
} from './bench/load'
import { pairedRound, summarizePaired, type PairedSample, type PairedSummary } from './bench/paired'
import { idlePct, profileDuring, selfTimeByModule, topFunctions } from './bench/profile'
import { renderReport, type BenchReport, type ProfileSummary, type RoutingCheck } from './bench/report'
import { compare, fixed, NO_TARGETS, summarize, type RoundSample } from './bench/stats'
import { coreBusyPct, coreTimes, cpuSeconds, machineInfo, pin, pinPlan, type PinPlan } from './bench/system'
import { startUpstreamProcess } from './bench/upstream'
import {
  buildGatewayBundle,
  compatibilityDateOf,
  CONTRACT_FLOOR_NAME,
  CONTRACT_FLOOR_IN_GATEWAY_NAME,
  startContractFloorInGateway,
  startBareProxy,
  startContractFloor,
  startGateway,
  startStaticWorker,
  type RunningWorker,
} from './bench/workers'

const root = path.resolve(import.meta.dirname, '..')
const BARE = 'bare-proxy'
/** The reference Workers (not gateway configurations) and the report's line for each. */
const REFERENCES: Record<string, string> = {
  [CONTRACT_FLOOR_NAME]:
    'reference, not the gateway: a standalone Worker doing only what the data-plane ' +
    'contract requires per request (header copy + request id + hop count, head timer, ' +
    'response rewrapped with the three contract headers); no routing, signing, hygiene, ' +
    'recording',
  [CONTRACT_FLOOR_IN_GATEWAY_NAME]:
    "reference, not the gateway: the contract floor's handler in place of the gateway's " +
    'fetch, inside the gateway bundle and its Miniflare bindings (the bundle loads, its ' +
    'code never runs per request)',
}
/** Lets the previous run's connections close and deferred work finish before the next run. */
const SETTLE_MS = 500

/** Progress goes to stderr so that stdout carries only the report (or the --json document). */
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`)

/** Last-in, first-out teardown that runs once, whether the run ends, fails or is interrupted. */
class Teardown {
  private steps: Array<{ what: string; fn: () => unknown }> = []
  private done: Promise<void> | null = null

  add(what: string, fn: () => unknown): void {
    this.steps.push({ what, fn })
  }

  run(): Promise<void> {
    this.done ??= (async () => {
      for (const step of this.steps.reverse()) {
        // A step that hangs (a stuck workerd) must not keep the process alive forever.
        const timeout = new Promise<void>((resolve) =>
          setTimeout(() => {
            log(`teardown: ${step.what} did not finish within 10 s; moving on`)
            resolve()
          }, 10_000).unref(),
        )
        try {
          await Promise.race([Promise.resolve(step.fn()), timeout])
        } catch (err) {
          log(`teardown: ${step.what} failed: ${(err as Error).message}`)
        }
      }
    })()
    return this.done
  }
}

interface Target {
  name: string
  url: string
  method: 'GET' | 'POST'
  /** A no-op floor (--diagnose): reported, never compared with the targets. */
  diagnostic: boolean
  worker: RunningWorker
}

function adminClient(base: string): AdminClient {
  return {
    async call(method, p, body) {
      const res = await fetch(`${base}/admin${p}`, {
        method,
        headers: {
          authorization: `Bearer ${BENCH_ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await res.text()
      if (!res.ok) throw new Error(`${method} /admin${p} → ${res.status}: ${text}`)
      return text ? JSON.parse(text) : null
    },
  }
}

/** Requests like the load's, before it: a broken seed must fail loudly, not measure fast 404s. */
async function routingCheck(t: Target, n = 200): Promise<RoutingCheck> {
  const { name, url, method } = t
  const versions: Record<string, number> = {}
  let ok = 0
  let lastError = ''
  for (let i = 0; i < n; i++) {
    const res = await fetch(url, {
      method,
      headers: {
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        'x-unit-id': `check-${i}`,
      },
      body: method === 'POST' ? REQUEST_BODY : undefined,
    })
    const text = await res.text()
    if (res.ok) ok++
    else lastError = `${res.status}: ${text.slice(0, 300)}`
    const v = res.headers.get('x-model-version')
    if (v !== null) versions[v] = (versions[v] ?? 0) + 1
  }
  if (ok !== n) throw new Error(`${name}: ${n - ok} of ${n} check requests to ${url} failed; last ${lastError}`)
  return { name, requests: n, ok, versions }
}

async function measure(
  driver: LoadDriver,
  t: Target,
  opts: BenchOptions,
  plan: PinPlan | null,
  round: number,
): Promise<RoundSample> {
  const cpu0 = t.worker.pid === null ? null : cpuSeconds(t.worker.pid)
  const cores0 = coreTimes()
  const r = await driver.run({
    url: t.url,
    method: t.method,
    connections: opts.connections,
    durationS: opts.durationS,
    ...rateOf(opts),
  })
  const cpu1 = t.worker.pid === null ? null : cpuSeconds(t.worker.pid)
  const cores1 = coreTimes()
  const used = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0
  const serverCpuPct = used === null || r.durationS <= 0 ? null : (100 * used) / r.durationS
  const serverCpuUsPerReq = used === null || r.requests === 0 ? null : (1e6 * used) / r.requests
  const serverCore = plan === null ? null : coreBusyPct(cores0, cores1, plan.serverCpu)
  const serverCoreOtherPct =
    serverCore === null || serverCpuPct === null ? null : Math.max(0, serverCore - serverCpuPct)
  const clientCpuPct = plan === null ? null : coreBusyPct(cores0, cores1, plan.clientCpu)
  return { ...r, round, serverCpuPct, serverCpuUsPerReq, serverCoreOtherPct, clientCpuPct }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const rateOf = (opts: BenchOptions) => (opts.rate === null ? {} : { rate: opts.rate })

interface ProfileContext {
  root: string
  bundle: string
  upstream: string
  plan: PinPlan | null
  driver: LoadDriver
  opts: BenchOptions
  teardown: Teardown
}

/**
 * A fresh instance with the inspector open (so the measured ones never ran with it), seeded and
 * warmed up like them, sampled for --duration seconds under the same load.
 */
async function profileConfig(c: GatewayConfig, p: ProfileContext): Promise<ProfileSummary> {
  const gw = await startGateway(p.root, p.bundle, {
    bindings: { ...BASE_GATEWAY_BINDINGS, ...c.bindings },
    miniflare: c.miniflare,
    inspector: true,
  })
  let disposed: Promise<void> | null = null
  const dispose = () => (disposed ??= gw.mf.dispose())
  p.teardown.add(`dispose ${c.name} (profiled)`, dispose)
  try {
    if (p.plan !== null && gw.pid !== null) pin(gw.pid, p.plan.serverCpu)
    await c.seed({ admin: adminClient(gw.url), upstream: p.upstream })
    const spec = {
      url: `${gw.url}${c.path}`,
      method: 'POST' as const,
      connections: p.opts.connections,
      ...rateOf(p.opts),
    }
    if (p.opts.warmupS > 0) await p.driver.run({ ...spec, durationS: p.opts.warmupS })
    log(`profiling ${c.name} for ${p.opts.durationS} s`)
    let rps = 0
    const profile = await profileDuring(await gw.mf.getInspectorURL(), 'modelgate', async () => {
      rps = (await p.driver.run({ ...spec, durationS: p.opts.durationS })).rps
    })
    const file = path.resolve(p.opts.cpuProfile as string, `${c.name}.cpuprofile`)
    writeFileSync(file, JSON.stringify(profile))
    return {
      name: c.name,
      file,
      rps,
      idlePct: idlePct(profile),
      modules: selfTimeByModule(profile, p.bundle).slice(0, 15),
      functions: topFunctions(profile, 15),
    }
  } finally {
    await dispose()
  }
}

async function run(opts: BenchOptions, teardown: Teardown): Promise<void> {
  const started = Date.now()
  // Another tenant's test run on this machine skews every figure; measure it before adding ours.
  const idle0 = coreTimes()
  await sleep(1_000)
  const idle1 = coreTimes()
  const busyBefore = [...idle1.keys()].map((core) => ({
    core,
    pct: coreBusyPct(idle0, idle1, core),
  }))
  const configs: GatewayConfig[] = GATEWAY_CONFIGS.filter((c) => opts.only === null || opts.only.includes(c.name))
  const plan = pinPlan()
  // This process runs autocannon or the paced generator and spawns wrk: the client core.
  if (plan !== null && !pin(process.pid, plan.clientCpu)) throw new Error('taskset could not pin this process')

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'modelgate-bench-'))
  const removeTmp = () => rmSync(tmp, { recursive: true, force: true })
  teardown.add('remove temp dir', removeTmp)
  process.on('exit', removeTmp)

  log('bundling the gateway (wrangler deploy --dry-run)')
  const bundle = await buildGatewayBundle(root, path.join(tmp, 'dist'))

  const upstream = await startUpstreamProcess()
  teardown.add('stop upstream', () => upstream.close())
  process.on('exit', () => upstream.kill())
  if (plan !== null) pin(upstream.pid, plan.clientCpu)
  log(`upstream on ${upstream.url}`)

  const pinned = (w: RunningWorker, name: string) => {
    if (plan === null) return
    if (w.pid === null || !pin(w.pid, plan.serverCpu)) throw new Error(`could not pin the workerd process of ${name}`)
  }

  const compatibilityDate = await compatibilityDateOf(root)
  const targets: Target[] = []
  // A standalone Worker POSTed at BENCH_PATH: the bare proxy, and the contract floor.
  const addStandalone = (name: string, w: RunningWorker) => {
    teardown.add(`dispose ${name}`, () => w.mf.dispose())
    pinned(w, name)
    targets.push({ name, url: `${w.url}${BENCH_PATH}`, method: 'POST', diagnostic: false, worker: w })
    log(`${name} on ${w.url} (workerd pid ${w.pid ?? '?'})`)
  }
  addStandalone(BARE, await startBareProxy(compatibilityDate, upstream.url))
  if (opts.only === null || opts.only.includes(CONTRACT_FLOOR_NAME)) {
    addStandalone(CONTRACT_FLOOR_NAME, await startContractFloor(compatibilityDate, upstream.url))
  }
  if (opts.only === null || opts.only.includes(CONTRACT_FLOOR_IN_GATEWAY_NAME)) {
    const w = await startContractFloorInGateway(root, bundle, upstream.url, BASE_GATEWAY_BINDINGS)
    addStandalone(CONTRACT_FLOOR_IN_GATEWAY_NAME, w)
  }

  for (const c of configs) {
    const gw = await startGateway(root, bundle, {
      bindings: { ...BASE_GATEWAY_BINDINGS, ...c.bindings },
      miniflare: c.miniflare,
    })
    teardown.add(`dispose ${c.name}`, () => gw.mf.dispose())
    pinned(gw, c.name)
    await c.seed({ admin: adminClient(gw.url), upstream: upstream.url })
    targets.push({
      name: c.name,
      url: `${gw.url}${c.path}`,
      method: 'POST',
      diagnostic: false,
      worker: gw,
    })
    log(`${c.name} on ${gw.url} (workerd pid ${gw.pid ?? '?'}), seeded`)
  }

  if (opts.diagnose) {
    const floor = await startStaticWorker(compatibilityDate)
    teardown.add('dispose bare-static', () => floor.mf.dispose())
    pinned(floor, 'bare-static')
    targets.push({
      name: 'bare-static',
      url: `${floor.url}${BENCH_PATH}`,
      method: 'GET',
      diagnostic: true,
      worker: floor,
    })
    // Same workerd as the first gateway configuration: the hono app, no routing, no upstream.
    const gw = targets.find((t) => !t.diagnostic && t.name !== BARE)
    if (gw)
      targets.push({
        name: `${gw.name}-healthz`,
        url: `${new URL(gw.url).origin}/healthz`,
        method: 'GET',
        diagnostic: true,
        worker: gw.worker,
      })
  }

  const checks: RoutingCheck[] = []
  for (const t of targets) checks.push(await routingCheck(t))

  const driver = await chooseDriver(opts.tool, {
    root,
    tmpDir: tmp,
    clientCpu: plan?.clientCpu ?? null,
    rate: opts.rate,
  })
  log(`load generator: ${driver.describe()}`)

  if (opts.warmupS > 0) {
    for (const t of targets) {
      log(`warm-up ${t.name} ${opts.warmupS} s`)
      await driver.run({
        url: t.url,
        method: t.method,
        connections: opts.connections,
        durationS: opts.warmupS,
        ...rateOf(opts),
      })
      await sleep(SETTLE_MS)
    }
  }

  const samples = new Map<string, RoundSample[]>(targets.map((t) => [t.name, []]))
  for (let round = 1; round <= opts.rounds; round++) {
    for (const t of targets) {
      const s = await measure(driver, t, opts, plan, round)
      samples.get(t.name)?.push(s)
      log(
        `round ${round}/${opts.rounds} ${t.name}: ${fixed(s.rps, 0)} req/s, ` +
          `p50 ${fixed(s.p50Ms, 2)} ms, p99 ${fixed(s.p99Ms, 2)} ms, errors ${s.errors}, ` +
          `non-2xx ${s.non2xx}, server CPU ${fixed(s.serverCpuPct, 0)} %`,
      )
      await sleep(SETTLE_MS)
    }
  }

  let paired: PairedSummary[] | null = null
  if (opts.paired) {
    // Diagnostic floors share a process with a gateway (healthz) or measure GETs: not compared.
    const measured = targets.filter((t) => !t.diagnostic)
    const rounds: PairedSample[][] = []
    for (let round = 1; round <= opts.rounds; round++) {
      const samples = await pairedRound(
        measured.map((t) => ({ name: t.name, url: t.url, method: t.method, pid: t.worker.pid })),
        (spec) => driver.run(spec),
        cpuSeconds,
        { connections: opts.connections, durationS: opts.durationS },
      )
      rounds.push(samples)
      log(
        `paired round ${round}/${opts.rounds}: ${samples.map((x) => `${x.name} ${fixed(x.cpuUsPerReq, 0)} us/req`).join(', ')}`,
      )
      await sleep(SETTLE_MS)
    }
    paired = summarizePaired(rounds, BARE)
  }

  const profiles: ProfileSummary[] = []
  if (opts.cpuProfile !== null) {
    mkdirSync(opts.cpuProfile, { recursive: true })
    for (const c of configs)
      profiles.push(
        await profileConfig(c, {
          root,
          bundle,
          upstream: upstream.url,
          plan,
          driver,
          opts,
          teardown,
        }),
      )
  }

  const summaries = targets.map((t) => summarize(t.name, samples.get(t.name) ?? []))
  const bareSummary = summaries[0] as (typeof summaries)[number]
  const comparisons = targets
    .map((t, i) => ({ t, s: summaries[i] as (typeof summaries)[number] }))
    .filter(({ t }) => !t.diagnostic && t.name !== BARE)
    .map(({ s }) => {
      // References (the contract floors) are shown for comparison, not judged.
      const targets = configs.find((c) => c.name === s.name)?.targets ?? NO_TARGETS
      return compare(bareSummary, s, targets, opts.rate !== null)
    })

  const report: BenchReport = {
    machine: machineInfo(root),
    load: {
      tool: driver.tool,
      detail: driver.describe(),
      connections: opts.connections,
      rate: opts.rate,
      durationS: opts.durationS,
      warmupS: opts.warmupS,
      rounds: opts.rounds,
      requestBytes: Buffer.byteLength(REQUEST_BODY),
      units: UNIT_POPULATION,
    },
    busyBefore: busyBefore.map((b) => ({ core: b.core, pct: b.pct ?? Number.NaN })),
    pinning:
      plan === null
        ? 'none (taskset missing or a single core): server and client share the CPUs'
        : `workerd on CPU ${plan.serverCpu}; load generator, upstream and orchestrator on ` +
          `CPU ${plan.clientCpu} (taskset)`,
    upstream: 'Node http child process on 127.0.0.1, keep-alive, same small JSON answer for every request',
    order: targets.map((t) => t.name),
    configs: [
      {
        name: BARE,
        description: 'fetch(upstream + path, {method, headers, body}) and return the response',
        url: targets[0]?.url ?? '',
      },
      ...targets
        .filter((t) => t.name in REFERENCES)
        .map((t) => ({ name: t.name, description: REFERENCES[t.name] as string, url: t.url })),
      ...configs.map((c) => ({
        name: c.name,
        description: c.description,
        url: targets.find((t) => t.name === c.name)?.url ?? '',
      })),
      ...targets
        .filter((t) => t.diagnostic)
        .map((t) => ({
          name: t.name,
          description:
            t.name === 'bare-static'
              ? 'diagnostic: GET answered by a Worker with no subrequest (runtime floor)'
              : 'diagnostic: GET /healthz on the gateway above (hono app, no routing, no upstream)',
          url: t.url,
        })),
    ],
    routingChecks: checks,
    profiles,
    summaries,
    comparisons,
    paired,
    totalSeconds: (Date.now() - started) / 1000,
  }
  process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderReport(report)}\n`)
}

async function main(): Promise<number> {
  let opts: BenchOptions
  try {
    opts = parseBenchArgs(process.argv.slice(2), [
      CONTRACT_FLOOR_NAME,
      CONTRACT_FLOOR_IN_GATEWAY_NAME,
      ...GATEWAY_CONFIGS.map((c) => c.name),
    ])
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const teardown = new Teardown()
  // Miniflare's own SIGINT/SIGTERM hook kills workerd and calls process.exit() synchronously, so
  // the async teardown may never finish: whatever must not outlive us is also undone on 'exit'.
  process.on('exit', () => {
    for (const pid of running) {
      try {
        process.kill(pid, 'SIGTERM')
      } catch {
        // already gone
      }
    }
  })
  let interrupted = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130) // second Ctrl-C: give up on a clean teardown
    interrupted = true
    log(`${signal}: stopping the load and tearing down`)
    for (const pid of running) {
      try {
        process.kill(pid, 'SIGTERM')
      } catch {
        // already gone
      }
    }
    for (const stop of stopAutocannon) stop()
    for (const flag of stopPaced) flag.stopped = true
    void teardown.run().then(() => process.exit(130))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    await run(opts, teardown)
    return 0
  } catch (err) {
    if (!interrupted) log(`failed: ${(err as Error).stack ?? String(err)}`)
    return interrupted ? 130 : 1
  } finally {
    await teardown.run()
  }
}

process.exitCode = await main()
