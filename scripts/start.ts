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
 * 4. runs the gateway with `wrangler dev` on 127.0.0.1:8787 (local KV, D1, Durable Objects);
 * 5. registers the demo model `credit-risk` (champion v1, 90/10 split) unless it exists already;
 * 6. prints the first requests to try. Ctrl-C stops everything.
 * Ports: GATEWAY_PORT, DEMO_V1_PORT, DEMO_V2_PORT override the defaults.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { startCreditScorer } from './demo/credit-scorer'
import { ensureDevVars } from './lib/dev-vars'

const root = path.resolve(import.meta.dirname, '..')
const wrangler = path.join(root, 'node_modules', '.bin', 'wrangler')
const gatewayPort = Number(process.env.GATEWAY_PORT ?? 8787)
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
        metrics: [{ name: 'repaid', kind: 'mean', direction: 'higher_is_better', window_s: 3_600, cap: 1, floor: 0 }],
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
  const migrate = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, CI: '1' },
  })
  if (migrate.status !== 0) throw new Error('wrangler d1 migrations apply failed')

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
    ],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: process.env,
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

Ctrl-C stops the gateway and the demo model.`)
}

main().catch((err) => {
  console.error(`npm start failed: ${(err as Error).message}`)
  process.exit(1)
})
