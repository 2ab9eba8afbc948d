/**
 * `npm run demo` (against a running `npm start`): two rollouts of a credit-risk scorer, decided by
 * the gateway's own gates on live traffic and delayed business outcomes.
 *
 *   A  good challenger v2: shadow → canary 25% → 50% → 100% → watch → completed (promoted)
 *   B  bad challenger v3:  canary 25% → FAIL → automatic rollback → confirmation → incident →
 *      retrospective (action items closed, so the model is not blocked)
 *
 * Both run at once on two fresh models (one active rollout per model), each registered with the
 * champion v1 and both challengers. Applicants come from one fixed population (seeded); an
 * approved loan is repaid or defaults with its true probability and is reported to /v1/outcomes a
 * few seconds later. Cron is advanced every few seconds (locally it never fires by itself).
 *
 * Options (or env): --url (MODELGATE_URL, default http://127.0.0.1:8787), --seed (DEMO_SEED, 42),
 * --rate (DEMO_RATE, requests/s in all, 80; A gets 70%, B 30%), --tick (DEMO_TICK_S, 3), --max-minutes
 * (DEMO_MAX_MINUTES, 10). Tokens: ADMIN_TOKEN / APPROVER_TOKEN / REPORTER_TOKENS from the env or .dev.vars.
 * Exit code 0 when both scenarios ended as expected, 1 otherwise, 2 on a setup error, 130 on Ctrl-C.
 */
import type { RolloutView } from '../src/schemas/rollout-view'
import { liteView } from './demo/view'
import path from 'node:path'
import { ApiError, Gateway, loadTokens } from './demo/client'
import { WEIGHTS, type ScorerVersion } from './demo/credit-model'
import { startCreditScorer } from './demo/credit-scorer'
import {
  GATE_OVERRIDES,
  METRIC,
  modelInput,
  OVERRIDE_REASONS,
  rolloutRequest,
  SCENARIOS,
  type ScenarioSpec,
} from './demo/plan'
import {
  checkScenario,
  clock,
  eventLine,
  fmtDuration,
  int,
  pct,
  renderSummary,
  statusLine,
  truncate,
  verdictLines,
  weakGatesSummary,
  wrap,
  type IncidentLite,
  type RolloutViewLite,
  type ScenarioResult,
} from './demo/report'
import { caseStream, labelDisagreement, populationStats } from './demo/simulation'
import { OutcomeSink, TrafficDriver } from './demo/traffic'

const root = path.resolve(import.meta.dirname, '..')

interface Options {
  url: string
  seed: number
  rate: number
  tickS: number
  maxMinutes: number
}

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const flags: Record<string, string> = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: npm run demo [-- --url http://127.0.0.1:8787] [--seed 42] [--rate 80] [--tick 3] [--max-minutes 10]\n',
      )
      process.exit(0)
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a)
    if (!m) throw new SetupError(`unknown argument ${a} (try --help)`)
    flags[m[1] as string] = m[2] ?? (argv[++i] as string)
  }
  const num = (v: string | undefined, dflt: number, name: string) => {
    if (v === undefined || v === '') return dflt
    const n = Number(v)
    if (!Number.isFinite(n) || n <= 0) throw new SetupError(`--${name} must be a positive number, got ${v}`)
    return n
  }
  return {
    url: (flags.url ?? env.MODELGATE_URL ?? `http://127.0.0.1:${env.GATEWAY_PORT ?? 8787}`).replace(/\/+$/, ''),
    seed: Math.floor(num(flags.seed ?? env.DEMO_SEED, 42, 'seed')),
    rate: num(flags.rate ?? env.DEMO_RATE, 80, 'rate'),
    tickS: num(flags.tick ?? env.DEMO_TICK_S, 3, 'tick'),
    maxMinutes: num(flags['max-minutes'] ?? env.DEMO_MAX_MINUTES, 10, 'max-minutes'),
  }
}

class SetupError extends Error {}

/** Traffic the stable version gets before the tick that judges the rollback's confirmation. */
const CONFIRM_AFTER_MS = 15_000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// ───────────────────────────── output ─────────────────────────────

/** Log lines above a live status block (TTY), or plain lines with a periodic status (pipes). */
class Screen {
  private drawn = 0
  readonly tty = Boolean(process.stdout.isTTY)
  status: () => string[] = () => []

  get width(): number {
    return Math.max(60, Math.min(140, process.stdout.columns ?? 120))
  }

  log(line = ''): void {
    this.erase()
    process.stdout.write(`${line}\n`)
    this.draw()
  }

  draw(): void {
    if (!this.tty) return
    this.erase()
    const lines = this.status().map((l) => truncate(l, this.width - 1))
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`)
    this.drawn = lines.length
  }

  erase(): void {
    if (!this.tty || this.drawn === 0) return
    process.stdout.write(`\x1b[${this.drawn}A\r\x1b[J`)
    this.drawn = 0
  }
}

// ───────────────────────────── the demo ─────────────────────────────

interface Scenario {
  spec: ScenarioSpec
  model: string
  driver: TrafficDriver
  rolloutId: string | null
  view: RolloutViewLite | null
  incident: IncidentLite | null
  startedAt: number | null
  endedAt: number | null
  seenEvents: Set<string>
  done: boolean
  failure: string | null
  retroDone: boolean
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2), process.env)
  const screen = new Screen()
  const t0 = Date.now()
  const say = (line = '') => screen.log(line)
  const at = () => clock(Date.now() - t0)

  // Fail fast: tokens, gateway, tokens accepted.
  const tokens = loadTokens(root)
  const gw = new Gateway(opts.url, tokens)
  // A wrangler dev that is reloading (it watches src/) can take several seconds to answer.
  let up = false
  for (let i = 0; i < 4 && !up; i++) {
    if (i > 0) await sleep(1_000)
    up = await gw.healthy(i === 0 ? 3_000 : 8_000)
  }
  if (!up) {
    throw new SetupError(
      `the gateway is not reachable at ${opts.url}/healthz.\n  Start it first, in another terminal: npm start   (then re-run: npm run demo)`,
    )
  }
  await gw.admin('GET', '/models').catch((e: unknown) => {
    throw new SetupError(
      e instanceof ApiError && e.status === 401
        ? `ADMIN_TOKEN (from ${tokens.source.admin}) is not accepted by ${opts.url}: ${e.message}`
        : `admin API check failed: ${(e as Error).message}`,
    )
  })
  await gw.admin('GET', '/models', undefined, { as: 'approver' }).catch((e: unknown) => {
    throw new SetupError(
      e instanceof ApiError && e.status === 401
        ? `APPROVER_TOKEN (from ${tokens.source.approver}) is not accepted by ${opts.url}: ${e.message}`
        : `approver check failed: ${(e as Error).message}`,
    )
  })
  // An id that is not one: a valid reporter token gets it back rejected, any other answer is an error.
  await gw.outcomes([{ request_id: 'demo-token-check', value: 0, metric: 'repaid' }]).catch((e: unknown) => {
    throw new SetupError(
      e instanceof ApiError && e.status === 401
        ? `REPORTER_TOKENS (from ${tokens.source.reporter}) is not accepted by ${opts.url}: ${e.message}`
        : `outcome reporter check failed: ${(e as Error).message}`,
    )
  })

  say(`modelgate demo — two rollouts of a credit-risk scorer, decided by the gateway's gates on live traffic`)
  say(
    `gateway ${opts.url} · seed ${opts.seed} · ${opts.rate} req/s in all · cron tick every ${opts.tickS} s and on the minute · time limit ${opts.maxMinutes} min`,
  )

  // Scorer backends: npm start's v1/v2 when they are up, our own otherwise; v3 is always ours.
  const closers: Array<() => Promise<void>> = []
  const backends = await resolveBackends(gw, closers)
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)
  const scenarios: Scenario[] = []
  const sink = new OutcomeSink(gw)
  for (const [i, spec] of SCENARIOS.entries()) {
    const model = `credit-demo-${stamp}-${spec.key.toLowerCase()}`
    const driver = new TrafficDriver(
      gw,
      model,
      caseStream(opts.seed, i),
      sink,
      Math.round(opts.rate * spec.trafficShare),
      { metric: METRIC, unitPrefix: `applicant-${spec.key.toLowerCase()}` },
    )
    scenarios.push({
      spec,
      model,
      driver,
      rolloutId: null,
      view: null,
      incident: null,
      startedAt: null,
      endedAt: null,
      seenEvents: new Set(),
      done: false,
      failure: null,
      retroDone: false,
    })
  }

  // Shutdown: idempotent, bounded, also on Ctrl-C.
  let statusTimer: NodeJS.Timeout | null = null
  let shuttingDown: Promise<void> | null = null
  const shutdown = (why: string | null) =>
    (shuttingDown ??= (async () => {
      if (statusTimer) clearInterval(statusTimer)
      sink.stop()
      await Promise.all(scenarios.map((s) => s.driver.stop(3_000)))
      if (why !== null) {
        // Leave no half-done rollout behind: abort the ones still running.
        for (const s of scenarios) {
          if (s.rolloutId && s.view && !s.view.terminal) {
            await gw
              .admin(
                'POST',
                `/rollouts/${s.rolloutId}/abort`,
                { reason: `npm run demo stopped: ${why}` },
                { timeoutMs: 5_000 },
              )
              .then(
                () => say(`${at()} ${s.spec.key}  aborted rollout ${s.rolloutId} (${why})`),
                (e: unknown) => say(`${at()} ${s.spec.key}  could not abort ${s.rolloutId}: ${(e as Error).message}`),
              )
          }
        }
      }
      await Promise.all(closers.map((c) => c().catch(() => undefined)))
    })())
  let interrupted = 0
  let holdUntil = 0
  const held = new Set<string>()
  process.on('SIGINT', () => {
    // Under npm/npx the same Ctrl-C arrives twice within milliseconds (from the terminal and
    // relayed by the tsx parent); only a second press a moment later quits at once.
    if (interrupted) {
      if (Date.now() - interrupted > 1_500) process.exit(130)
      return
    }
    interrupted = Date.now()
    screen.erase()
    process.stdout.write(
      '\nCtrl-C: stopping traffic, aborting the demo rollouts, closing the scorers (Ctrl-C again to quit at once)…\n',
    )
    void shutdown('interrupted').finally(() => process.exit(130))
  })
  process.on('SIGTERM', () => void shutdown('terminated').finally(() => process.exit(143)))
  // The terminal went away (e.g. the parent npm exited first): still clean up, quietly.
  process.on('SIGHUP', () => void shutdown('terminal closed').finally(() => process.exit(129)))
  process.stdout.on('error', () => undefined)

  try {
    // 1. Register the two models: champion v1, challengers v2 and v3.
    say('')
    say('Setup')
    for (const v of ['v1', 'v2', 'v3'] as const) say(`  scorer ${v}  ${backends[v].url}  (${backends[v].origin})`)
    const expected = (['v1', 'v2', 'v3'] as const).map(
      (v) => [v, populationStats(WEIGHTS[v], 50_000, opts.seed)] as const,
    )
    say(
      `  truth     an approved loan defaults with the applicant's true probability (the risk v2 was retrained on); outcomes reported 2–15 s later`,
    )
    say(
      `  expected  ${expected.map(([v, s]) => `${v}: approves ${pct(s.approvalRate)}, repaid ${pct(s.repaidRate)}`).join(' · ')}`,
    )
    say(`            v2 changes ${pct(labelDisagreement(WEIGHTS.v1, WEIGHTS.v2, 50_000, opts.seed))} of v1's decisions`)
    for (const s of scenarios) {
      await registerModel(gw, s.model, backends)
      say(
        `  model     ${s.model}: champion v1, challengers v2 and v3; metric ${METRIC} (mean of 1 = repaid / 0 = defaulted over approved loans, higher is better, 60 s window)`,
      )
    }
    say('')
    say(
      'Gate overrides (same for both rollouts, every stage; weaker than the model defaults, so an approver must sign off)',
    )
    say(`  ${JSON.stringify(GATE_OVERRIDES)}`)
    for (const [k, why] of OVERRIDE_REASONS) {
      const lines = wrap(why, screen.width, ' '.repeat(24))
      say(`  ${k.padEnd(21)} ${(lines[0] ?? '').trimStart()}`)
      for (const l of lines.slice(1)) say(l)
    }

    // 2. Traffic, outcomes and cron.
    say('')
    say(`Running (${screen.tty ? 'live status below' : 'status every 30 s'}; Ctrl-C aborts cleanly)`)
    sink.start()
    for (const s of scenarios) s.driver.start()
    let ticks = 0
    let tickErrors = 0
    // Every tickS seconds, and right after each minute boundary (when a minute of outcomes matures).
    // After an automatic rollback the next tick waits CONFIRM_AFTER_MS: the tick after a rollback
    // judges the rollback's confirmation (champion p99 and errors under the new epoch) on whatever
    // traffic arrived since, and a p99 of the first ~20 requests is mostly noise (under the real
    // once-a-minute cron it would see a minute of traffic).
    const tickLoop = async () => {
      let last = Date.now()
      while (!shuttingDown) {
        // The next hh:mm:00.7 or hh:mm:01.6 after `last`.
        const minute = Math.floor(last / 60_000) * 60_000
        const marks = [minute + 700, minute + 1_600, minute + 60_700]
        const boundary = marks.find((m) => m > last) as number
        const next = Math.max(Math.min(last + opts.tickS * 1000, boundary), holdUntil)
        await sleep(Math.max(0, next - Date.now()))
        if (shuttingDown) break
        last = Date.now()
        try {
          await gw.tick()
          ticks++
        } catch (e) {
          tickErrors++
          if (tickErrors === 1 || tickErrors % 10 === 0)
            say(`${at()} cron tick failed (${tickErrors}×): ${(e as Error).message}`)
        }
        for (const s of scenarios) {
          if (
            !s.rolloutId ||
            held.has(s.rolloutId) ||
            s.view?.rollback?.confirmation ||
            (s.view?.terminal && !s.view.rollback)
          )
            continue
          const v = await gw
            .admin<RolloutView>('GET', `/rollouts/${s.rolloutId}`, undefined, { timeoutMs: 10_000 })
            .then(liteView)
            .catch(() => null)
          if (v?.rollback && v.rollback.confirmation === null) {
            held.add(s.rolloutId)
            holdUntil = v.rollback.at + CONFIRM_AFTER_MS
          }
        }
      }
    }
    const ticking = tickLoop()
    const rateNow = rateMeter(scenarios)
    screen.status = () => [
      ...scenarios.map((s) =>
        statusLine(s.spec.key, s.view, s.startedAt ? (s.endedAt ?? Date.now()) - s.startedAt : 0, screen.width),
      ),
      `  traffic ${rateNow()} req/s · ${int(scenarios.reduce((a, s) => a + s.driver.stats.sent, 0))} requests · outcomes ${int(sink.stats.accepted)} accepted, ${int(sink.pending())} pending · ${ticks} cron ticks · ${fmtDuration(Date.now() - t0)}`,
    ]
    statusTimer = setInterval(() => screen.draw(), 250)
    let lastPlain = 0

    // 3. Start both rollouts; an approver signs off the weak gates.
    await sleep(2_000) // the champion serves alone for a moment first
    for (const s of scenarios) {
      const started = liteView(
        await gw.admin<RolloutView>('POST', `/models/${s.model}/rollouts`, rolloutRequest(s.spec, Date.now())),
      )
      s.rolloutId = started.id
      s.view = started
      say(`${at()} ${s.spec.key}  rollout ${started.id}: ${s.spec.title}`)
      say(`${at()} ${s.spec.key}  plan: ${started.plan.map((p) => p.label).join(' → ')} · phase ${started.phase}`)
      for (const e of started.events) s.seenEvents.add(`${e.at}|${e.type}`)
      if (started.phase !== 'awaiting_approval' || !started.pending_approval?.evidence_hash) {
        throw new Error(`expected the rollout to wait for an approver, it is ${started.phase}`)
      }
      const pa = started.pending_approval
      const why = wrap(
        `needs an approver (${(pa.rules ?? []).join(', ')}): ${weakGatesSummary(pa.reason ?? '')}`,
        screen.width - 13,
        '',
      )
      why.forEach((l, i) => say(i === 0 ? `${at()} ${s.spec.key}  ${l}` : `${' '.repeat(11)}${l}`))
      say(
        `${at()} ${s.spec.key}  a human approver would review the evidence and approve hash ${pa.evidence_hash?.slice(0, 12)}…; the demo does it with APPROVER_TOKEN`,
      )
      const approved = liteView(
        await gw.admin<RolloutView>(
          'POST',
          `/rollouts/${started.id}/approve`,
          { evidence_hash: pa.evidence_hash, comment: 'npm run demo: overrides reviewed (see the demo output)' },
          { as: 'approver' },
        ),
      )
      s.startedAt = Date.now()
      s.view = approved
      reportEvents(s, approved)
    }

    // 4. Watch both until they end (bounded).
    const deadline = t0 + opts.maxMinutes * 60_000
    while (!scenarios.every((s) => s.done)) {
      if (Date.now() > deadline) {
        for (const s of scenarios.filter((x) => !x.done))
          s.failure = `did not finish within the ${opts.maxMinutes}-minute limit (phase ${s.view?.phase ?? 'unknown'})`
        break
      }
      await sleep(1_500)
      for (const s of scenarios) {
        if (s.done || !s.rolloutId) continue
        try {
          const v = liteView(
            await gw.admin<RolloutView>('GET', `/rollouts/${s.rolloutId}`, undefined, { timeoutMs: 10_000 }),
          )
          s.view = v
          reportEvents(s, v)
          await advanceScenario(s, v)
        } catch (e) {
          say(`${at()} ${s.spec.key}  status poll failed: ${(e as Error).message}`)
        }
      }
      // A finished scenario hands its traffic budget to the one still running.
      const running = scenarios.filter((s) => s.driver.running)
      const shares = running.reduce((a, s) => a + s.spec.trafficShare, 0)
      for (const s of running) {
        const rate = Math.round((opts.rate * s.spec.trafficShare) / shares)
        if (s.driver.rate !== rate)
          say(`${at()} ${s.spec.key}  traffic now ${rate} req/s (the other scenario has finished)`)
        s.driver.setRate(rate)
      }
      if (!screen.tty && Date.now() - lastPlain >= 30_000) {
        lastPlain = Date.now()
        const lines = screen.status()
        scenarios.forEach((s, i) => {
          if (!s.done) say(`${at()} ${lines[i] ?? ''}`)
        })
        say(`${at()} ${(lines.at(-1) ?? '').trimStart()}`)
      }
    }
    screen.draw()
    void ticking

    // 5. Summary.
    await shutdown(scenarios.some((s) => s.view && !s.view.terminal) ? 'time limit reached' : null)
    screen.status = () => []
    screen.erase()
    const results: ScenarioResult[] = scenarios.map((s) => {
      const base = {
        key: s.spec.key,
        title: s.spec.title,
        model: s.model,
        challenger: s.spec.challenger,
        expect: s.spec.expect,
        startedAt: s.startedAt,
        endedAt: s.endedAt,
        view: s.view,
        incident: s.incident,
      }
      const problems = [...(s.failure ? [s.failure] : []), ...checkScenario(base)]
      const notes =
        s.rolloutId && held.has(s.rolloutId)
          ? [
              `cron was held ${CONFIRM_AFTER_MS / 1000} s after the rollback, so the confirmation judged the champion on that much traffic instead of the first ~20 requests (see CONFIRM_AFTER_MS in scripts/demo.ts)`,
            ]
          : []
      return { ...base, problems: [...new Set(problems)], notes }
    })
    const traffic = {
      perModel: scenarios.map((s) => ({ key: s.spec.key, model: s.model, ...s.driver.stats })),
      outcomes: { ...sink.stats, pending: sink.pending() },
      ticks,
      tickErrors,
    }
    for (const l of renderSummary(results, traffic, Date.now() - t0, screen.width)) process.stdout.write(`${l}\n`)
    return results.every((r) => r.problems.length === 0) ? 0 : 1
  } catch (e) {
    screen.erase()
    await shutdown(`error: ${(e as Error).message}`)
    throw e
  }

  // ── helpers that need the closure ──

  /** New decisive verdicts (with each gate's numbers) and timeline events, in time order. */
  function reportEvents(s: Scenario, v: RolloutViewLite): void {
    const items: Array<{ at: number; lines: string[]; rollback?: boolean }> = []
    for (const x of v.verdicts) {
      const key = `verdict|${x.at}|${x.stepIndex}`
      if (!x.decisive || s.seenEvents.has(key)) continue
      s.seenEvents.add(key)
      items.push({ at: x.at - 1, lines: verdictLines(x, v.plan, s.startedAt, screen.width - 13) })
    }
    for (const e of v.events) {
      const key = `${e.at}|${e.type}`
      if (s.seenEvents.has(key)) continue
      s.seenEvents.add(key)
      const line = eventLine(e, v.plan)
      if (line !== null)
        items.push({ at: e.at, lines: wrap(line, screen.width - 13, ''), rollback: e.type === 'rolled_back' })
    }
    for (const it of items.sort((a, b) => a.at - b.at)) {
      it.lines.forEach((l, i) => say(i === 0 ? `${clock(it.at - t0)} ${s.spec.key}  ${l}` : `${' '.repeat(11)}${l}`))
      if (it.rollback && s.rolloutId && held.has(s.rolloutId)) {
        say(
          `${' '.repeat(11)}(the demo holds cron for ${CONFIRM_AFTER_MS / 1000} s so the confirming tick sees more than a second of champion traffic)`,
        )
      }
    }
  }

  async function advanceScenario(s: Scenario, v: RolloutViewLite): Promise<void> {
    if (s.spec.expect === 'promoted') {
      if (v.terminal) {
        s.endedAt = Date.now()
        s.done = true
        await s.driver.stop()
        if (v.phase !== 'completed') s.failure = `ended ${v.phase} instead of completing`
        return
      }
      if (v.phase === 'paused' || v.phase === 'halted') {
        s.failure = `stopped in phase ${v.phase}: ${v.verdicts.at(-1)?.reason ?? ''}`
        s.done = true
        s.endedAt = Date.now()
      }
      return
    }
    // The bad challenger: wait for the FAIL → rollback → confirmation, then the retrospective.
    if (!v.terminal) {
      if (v.phase === 'paused' || v.phase === 'halted' || v.phase === 'watching') {
        s.failure = `expected a rollback, reached phase ${v.phase}`
        s.done = true
        s.endedAt = Date.now()
      }
      return
    }
    s.endedAt ??= Date.now()
    if (v.phase !== 'rolled_back') {
      s.failure = `ended ${v.phase} instead of being rolled back`
      s.done = true
      return
    }
    if (!v.rollback?.confirmation) {
      if (Date.now() - s.endedAt > 120_000) {
        s.failure = 'the rollback was not confirmed within 2 minutes'
        s.done = true
      }
      return // keep traffic and cron running: confirmation needs requests on the champion
    }
    if (!s.retroDone && v.incident_id) {
      s.retroDone = true
      const incident = await gw.admin<IncidentLite>('GET', `/incidents/${v.incident_id}`)
      const imp = incident.impact ?? {}
      say(
        `${at()} ${s.spec.key}  incident ${incident.id}: ${int(imp.challenger_requests ?? 0)} requests were served by ${v.challenger} before the rollback`,
      )
      const retro = await gw.admin<IncidentLite>('POST', `/incidents/${v.incident_id}/retrospective`, {
        root_cause: `${v.challenger} was trained on the approved-only 2025 book (survivorship bias): it barely weighs delinquencies and debt-to-income and approved ~95% of applicants; repay rate fell well below the champion's.`,
        action_items: [
          {
            text: 'Train on through-the-door applications with reject inference, not approved loans only',
            owner: 'credit-ml',
            done: true,
          },
          {
            text: 'Add approval-rate and repay-rate-by-segment checks to the offline evaluation report',
            owner: 'ml-platform',
            done: true,
          },
        ],
      })
      s.incident = retro
      say(
        `${at()} ${s.spec.key}  retrospective recorded: ${retro.retrospective?.action_items.length ?? 0} action items, ${retro.open_action_items ?? 0} open — ${s.model} is not blocked`,
      )
    }
    s.done = true
    await s.driver.stop()
  }
}

// ───────────────────────────── setup helpers ─────────────────────────────

type Backends = Record<ScorerVersion, { url: string; origin: string }>

async function healthyScorer(url: string, version: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })
    const body = (await res.json()) as { version?: string }
    return res.ok && body.version === version
  } catch {
    return false
  }
}

/** v1 and v2 from the model `npm start` registered (if its scorers answer); otherwise started here. */
async function resolveBackends(gw: Gateway, closers: Array<() => Promise<void>>): Promise<Backends> {
  const found: Partial<Backends> = {}
  try {
    const m = await gw.admin<{ versions: Array<{ name: string; backend: { url?: string } }> }>(
      'GET',
      '/models/credit-risk',
    )
    for (const v of ['v1', 'v2'] as const) {
      const url = m.versions.find((x) => x.name === v)?.backend.url
      if (url && (await healthyScorer(url, v))) found[v] = { url, origin: 'the npm start scorer' }
    }
  } catch {
    // no credit-risk model: start our own
  }
  for (const v of ['v1', 'v2', 'v3'] as const) {
    if (found[v]) continue
    const s = await startCreditScorer({ version: v, port: 0 })
    closers.push(s.close)
    found[v] = {
      url: s.url,
      origin: v === 'v3' ? 'started by the demo; stops with it' : 'started by the demo (npm start scorer not found)',
    }
  }
  return found as Backends
}

async function registerModel(gw: Gateway, model: string, b: Backends): Promise<void> {
  await gw.admin('PUT', `/models/${model}`, modelInput())
  for (const v of ['v1', 'v2', 'v3'] as const)
    await gw.admin('PUT', `/models/${model}/versions/${v}`, { backend: { url: b[v].url, timeout_ms: 2_000 } })
  await gw.admin('POST', `/models/${model}/champion`, { version: 'v1' })
}

/** Requests/s over the last ~5 s across all drivers. */
function rateMeter(scenarios: Scenario[]): () => string {
  const samples: Array<[number, number]> = []
  return () => {
    const now = Date.now()
    const sent = scenarios.reduce((a, s) => a + s.driver.stats.sent, 0)
    samples.push([now, sent])
    while (samples.length > 2 && now - (samples[0] as [number, number])[0] > 5_000) samples.shift()
    const [t, n] = samples[0] as [number, number]
    return now - t > 500 ? ((sent - n) / ((now - t) / 1000)).toFixed(0) : '–'
  }
}

main()
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    const msg = err instanceof Error ? err.message : String(err)
    process.stderr.write(`\nnpm run demo failed: ${msg}\n`)
    process.exit(
      err instanceof SetupError || /\.dev\.vars|ADMIN_TOKEN|APPROVER_TOKEN|REPORTER_TOKENS/.test(msg) ? 2 : 1,
    )
  })
