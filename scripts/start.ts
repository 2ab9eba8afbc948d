/**
 * `npm start`: the gateway with local storage and a demo model, in one command.
 *
 * 1. creates .dev.vars from .dev.vars.example if missing (local admin/approver tokens, and
 *    EGRESS_ALLOW=127.0.0.1 so that the gateway may call the local model servers), or adds to an
 *    existing one the settings it lacks (e.g. REPORTER_TOKENS and MODELGATE_ENV=development, without
 *    which a gateway refuses the example tokens: 503 insecure_configuration);
 * 2. applies the D1 migrations to the local database (.wrangler/state);
 * 3. starts two versions of a real model — a logistic-regression credit scorer — on
 *    127.0.0.1:9101 (v1) and 127.0.0.1:9102 (v2);
 * 4. runs the gateway with `wrangler dev` on 127.0.0.1:8787 (local KV, D1, Durable Objects),
 *    quietly: no banner or update check, no `request.cf` download (Miniflare's placeholder
 *    instead: offline it only printed a stack trace), no per-request log lines;
 * 5. registers the demo model `credit-risk` (champion v1, 90/10 split) unless it exists already;
 * 6. prints the first requests to try, then a one-line traffic summary every 5 s while requests
 *    come in (scripts/lib/traffic-summary). Ctrl-C stops everything.
 * Options: `--port <n>` (or GATEWAY_PORT) for the gateway; `--verbose` for wrangler's full log (every
 * request); `--persist-to <dir>` for local storage elsewhere than .wrangler/state. DEMO_V1_PORT and
 * DEMO_V2_PORT move the demo model's servers.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { startCreditScorer } from './demo/credit-scorer'
import { ensureDevVars } from './lib/dev-vars'
import { countsOf, summaryLine, type Counts } from './lib/traffic-summary'

const root = path.resolve(import.meta.dirname, '..')
const wrangler = path.join(root, 'node_modules', '.bin', 'wrangler')
const { values: options } = parseArgs({
  options: {
    port: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    'persist-to': { type: 'string' },
  },
})
const gatewayPort = Number(options.port ?? process.env.GATEWAY_PORT ?? 8787)
/** Local storage elsewhere than .wrangler/state (wrangler's own option; the start test uses it). */
const persist = options['persist-to'] ? ['--persist-to', options['persist-to']] : []
const SUMMARY_EVERY_MS = 5_000
/**
 * What wrangler and Miniflare let us switch off: the banner with its npm update check, telemetry,
 * and the `request.cf` download from workers.cloudflare.com (CLOUDFLARE_CF_FETCH_ENABLED=false:
 * Miniflare's placeholder location instead, as offline, without the stack trace). A value the
 * developer set wins.
 */
const quietEnv: NodeJS.ProcessEnv = {
  WRANGLER_HIDE_BANNER: 'true',
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  ...process.env,
}
const v1Port = Number(process.env.DEMO_V1_PORT ?? 9101)
const v2Port = Number(process.env.DEMO_V2_PORT ?? 9102)
const gateway = `http://127.0.0.1:${gatewayPort}`

function devVars(): Record<string, string> {
  const { vars, created, added } = ensureDevVars(root)
  if (created) console.log('created .dev.vars from .dev.vars.example')
  if (added.length > 0) console.log(`added to .dev.vars from .dev.vars.example: ${added.join(', ')}`)
  return vars
}

async function waitFor(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    try {
      const res = await fetch(url)
      if (res.ok) return
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up within ${ms / 1000} s`)
    await new Promise((r) => setTimeout(r, 300))
  }
}

async function call(token: string, method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${gateway}/admin${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-modelgate-actor': 'npm-start' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : null }
}

/** Registers the demo model once; later runs leave whatever the user changed alone. */
async function seed(token: string, v1: string, v2: string): Promise<void> {
  const existing = await call(token, 'GET', '/models/credit-risk')
  if (existing.status === 200) {
    console.log(
      `demo model credit-risk already registered (epoch ${existing.json.epoch}); leaving its routing as it is`,
    )
    return
  }
  const steps: Array<[string, string, unknown]> = [
    [
      'PUT',
      '/models/credit-risk',
      {
        risk: 'medium',
        unit_header: 'x-unit-id',
        sla: { p99_ms: 250 },
        // Outcomes: 1 = the loan was repaid, 0 = it defaulted, reported within an hour of the request.
        // A mean declares its bounds (cap and floor), so no single outcome can decide a gate.
        // A response metric needs no outcome call: each answer's predicted default risk, read from
        // its body; a challenger that sees markedly more risk in the same applicants declines more.
        metrics: [
          { name: 'repaid', kind: 'mean', direction: 'higher_is_better', window_s: 3_600, cap: 1, floor: 0 },
          {
            name: 'predicted_risk',
            kind: 'mean',
            direction: 'lower_is_better',
            source: 'response',
            pointer: '/predictions/0/probability_default',
            cap: 1,
            floor: 0,
            margin: 0.1,
          },
        ],
        // A shadow is judged on the decision it would have made, not on the whole body (which names the version).
        shadow_compare: { pointer: '/predictions/0/label', comparator: { kind: 'label' } },
      },
    ],
    ['PUT', '/models/credit-risk/versions/v1', { backend: { url: v1, timeout_ms: 2000 } }],
    ['PUT', '/models/credit-risk/versions/v2', { backend: { url: v2, timeout_ms: 2000 } }],
    ['POST', '/models/credit-risk/champion', { version: 'v1' }],
    ['PUT', '/models/credit-risk/routing', { weights: { v1: 90, v2: 10 }, reason: 'demo seed' }],
  ]
  for (const [method, p, body] of steps) {
    const r = await call(token, method, p, body)
    if (r.status >= 300) throw new Error(`${method} ${p} → ${r.status}: ${JSON.stringify(r.json)}`)
  }
  console.log('registered demo model credit-risk: champion v1, 90% v1 / 10% v2, sticky on x-unit-id')
}

async function main(): Promise<void> {
  const vars = devVars()
  if (!vars.ADMIN_TOKEN) throw new Error('.dev.vars has no ADMIN_TOKEN')
  const reporter = (vars.REPORTER_TOKENS ?? '').split(',')[0]?.trim() || '<a token of REPORTER_TOKENS>'

  console.log('applying D1 migrations to the local database…')
  const migrate = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', ...persist], {
    cwd: root,
    stdio: options.verbose ? 'inherit' : 'pipe',
    encoding: 'utf8',
    env: { ...quietEnv, CI: '1' },
  })
  if (migrate.status !== 0) {
    if (!options.verbose) process.stderr.write(`${migrate.stdout ?? ''}${migrate.stderr ?? ''}`)
    throw new Error('wrangler d1 migrations apply failed')
  }

  const v1 = await startCreditScorer({ version: 'v1', port: v1Port })
  const v2 = await startCreditScorer({ version: 'v2', port: v2Port })
  console.log(`demo model versions: v1 ${v1.url}, v2 ${v2.url}`)

  const dev: ChildProcess = spawn(
    wrangler,
    // --test-scheduled serves /__scheduled: one cron tick on request (cron never fires locally).
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(gatewayPort),
      '--show-interactive-dev-session=false',
      '--test-scheduled',
      ...persist,
      // "warn" drops the info lines (one per request, reloads, the bindings table); the Worker's
      // own console.warn and console.error still show. The summary below counts the requests.
      '--log-level',
      options.verbose ? 'log' : 'warn',
    ],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: quietEnv,
    },
  )
  let stopping = false
  const stop = async (code: number) => {
    if (stopping) return
    stopping = true
    dev.kill('SIGINT')
    await Promise.all([v1.close(), v2.close()])
    process.exit(code)
  }
  process.on('SIGINT', () => void stop(0))
  process.on('SIGTERM', () => void stop(0))
  dev.on('exit', (code) => void stop(code ?? 1))

  await waitFor(`${gateway}/healthz`, 90_000)
  await seed(vars.ADMIN_TOKEN, v1.url, v2.url)
  console.log(`
modelgate is running on ${gateway}

  # score an applicant (sticky: the same x-unit-id always gets the same version)
  curl -s ${gateway}/v1/models/credit-risk/predict -H 'content-type: application/json' -H 'x-unit-id: user-42' \\
    -d '{"features":{"income_k":52,"debt_to_income":0.31,"credit_history_years":6,"delinquencies_2y":0,"utilization":0.42}}' -i

  # report its outcome later (1 = repaid): the request id from x-request-id, the reporter token from .dev.vars
  curl -s ${gateway}/v1/outcomes -H 'authorization: Bearer ${reporter}' -H 'content-type: application/json' \\
    -d '{"request_id":"<x-request-id>","metric":"repaid","value":1}'

  # the model, its versions and the current routing table (token from .dev.vars)
  curl -s ${gateway}/admin/models/credit-risk -H 'authorization: Bearer ${vars.ADMIN_TOKEN}'

  # run the cron tick now (locally cron never fires by itself)
  curl -s '${gateway}/__scheduled'

${
  options.verbose
    ? 'wrangler logs every request (--verbose).'
    : `Every ${SUMMARY_EVERY_MS / 1000} s with traffic, one line sums up the requests and errors per version (npm start -- --verbose: every request).`
}
Ctrl-C stops the gateway and the demo model.`)
  // With --verbose wrangler logs each request already, and the summary's readings would add theirs.
  if (!options.verbose) summarize(vars.ADMIN_TOKEN)
}

/**
 * Prints a traffic summary line every SUMMARY_EVERY_MS from the gateway's own counters
 * (`GET /admin/metrics`); nothing while no request comes in.
 */
function summarize(token: string): void {
  let before: Counts | null = null
  let at = Date.now()
  const read = async () => {
    try {
      const res = await fetch(`${gateway}/admin/metrics`, { headers: { authorization: `Bearer ${token}` } })
      if (res.ok) {
        const now = countsOf(await res.text())
        const t = Date.now()
        const line = before === null ? null : summaryLine(before, now, (t - at) / 1000, new Date(t))
        if (line !== null) console.log(line)
        before = now
        at = t
      }
    } catch {
      // The gateway is reloading after a file change: the next reading covers this interval too.
    }
    setTimeout(() => void read(), SUMMARY_EVERY_MS).unref()
  }
  void read()
}

main().catch((err) => {
  console.error(`npm start failed: ${(err as Error).message}`)
  process.exit(1)
})
