/**
 * The Workers under test, each in its own Miniflare instance (= its own workerd process, so each
 * can be pinned and its CPU read on its own):
 *   - the gateway: the bundle `wrangler deploy --dry-run` emits, with the bindings wrangler.toml
 *     declares (turned into Miniflare options by wrangler itself), local in-memory KV, D1 and
 *     Durable Objects, and the D1 migrations applied;
 *   - the bare proxy: forwards method, path, headers and body to the upstream and returns the
 *     response, nothing else. It is the baseline every gateway configuration is compared with;
 *   - with --diagnose, a static Worker that answers without any subrequest (the runtime floor).
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { Miniflare, type WorkerOptions } from 'miniflare'
import { newChildPids } from './system'

export interface RunningWorker {
  url: string
  /** The workerd process serving it; null when it could not be identified. */
  pid: number | null
  mf: Miniflare
}

/** Extra settings of one gateway configuration (see configs.ts). */
export interface GatewayWorkerOptions {
  bindings: Record<string, string>
  miniflare?: Partial<WorkerOptions>
  /** Open a V8 inspector for --cpu-profile (never on a measured instance). */
  inspector?: boolean
  /** An entry module (in the bundle's directory) that imports the bundle and replaces its fetch. */
  wrapper?: string
  /**
   * Serve public/ as Workers Static Assets (the dashboard's and Swagger UI's files). Off unless
   * asked: on Cloudflare the platform serves assets in front of the Worker, while Miniflare
   * emulates it with a router worker in front of ours, one more hop on every request (about a
   * quarter of `npm run load`'s throughput on a 2-core VM) that measurements of the Worker leave out.
   */
  staticAssets?: boolean
}

// wrangler's logger prints to stdout ("Using secrets defined in .dev.vars"), which would corrupt
// --json output; only its errors matter here.
process.env.WRANGLER_LOG ??= 'error'
process.env.WRANGLER_SEND_METRICS = 'false'

/** Bundles the Worker exactly as `wrangler deploy` would and returns the entry module's path. */
export async function buildGatewayBundle(root: string, outDir: string): Promise<string> {
  const bin = path.join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
  const args = [bin, 'deploy', '--dry-run', '--outdir', outDir, '--config', path.join(root, 'wrangler.toml')]
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let text = ''
    child.stdout.on('data', (c: Buffer) => (text += c.toString()))
    child.stderr.on('data', (c: Buffer) => (text += c.toString()))
    child.on('error', reject)
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`wrangler deploy --dry-run failed (${code}):\n${text}`)),
    )
  })
  const entry = path.join(outDir, 'index.js')
  if (!existsSync(entry)) throw new Error(`wrangler deploy --dry-run did not emit ${entry}:\n${output}`)
  return entry
}

/** Miniflare options from wrangler.toml, minus anything a developer's .dev.vars might add. */
async function optionsFromWranglerToml(root: string): Promise<{ worker: WorkerOptions; vars: Record<string, string> }> {
  const wrangler = await import('wrangler')
  const configPath = path.join(root, 'wrangler.toml')
  const { workerOptions } = wrangler.unstable_getMiniflareWorkerOptions(configPath)
  const config = wrangler.unstable_readConfig({ config: configPath })
  const vars: Record<string, string> = {}
  for (const [k, v] of Object.entries(config.vars ?? {})) vars[k] = typeof v === 'string' ? v : JSON.stringify(v)
  // `bindings` mixes [vars] with .dev.vars secrets; rebuild it from [vars] alone so that a local
  // .dev.vars never changes what is measured.
  const { bindings: _ignored, ...rest } = workerOptions as WorkerOptions
  return { worker: rest as WorkerOptions, vars }
}

/** workerd's stdout would corrupt --json output; everything it prints goes to stderr. */
function toStderr(stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream): void {
  stdout.pipe(process.stderr, { end: false })
  stderr.pipe(process.stderr, { end: false })
}

async function startMiniflare(worker: WorkerOptions, inspector = false): Promise<RunningWorker> {
  const before = newChildPids('workerd', new Set())
  const mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    handleRuntimeStdio: toStderr,
    ...(inspector ? { inspectorPort: 0 } : {}),
    ...worker,
  } as ConstructorParameters<typeof Miniflare>[0])
  try {
    const url = await mf.ready
    const pids = [...newChildPids('workerd', before)]
    return { url: url.origin, pid: pids.length === 1 ? (pids[0] as number) : null, mf }
  } catch (err) {
    await mf.dispose().catch(() => undefined)
    throw err
  }
}

export async function startGateway(root: string, bundle: string, opts: GatewayWorkerOptions): Promise<RunningWorker> {
  const { worker: fromToml, vars } = await optionsFromWranglerToml(root)
  const { assets: _assets, ...withoutAssets } = fromToml as WorkerOptions & { assets?: unknown }
  const worker = opts.staticAssets ? fromToml : (withoutAssets as WorkerOptions)
  const running = await startMiniflare(
    {
      ...worker,
      ...opts.miniflare,
      name: 'modelgate',
      modules: [
        ...(opts.wrapper ? [{ type: 'ESModule' as const, path: opts.wrapper }] : []),
        { type: 'ESModule', path: bundle },
      ],
      // Module names are paths relative to this root; the default (cwd) would put "../" in them.
      modulesRoot: path.dirname(bundle),
      bindings: { ...vars, ...opts.bindings },
      ...(opts.inspector ? { unsafeInspectorProxy: true } : {}),
    } as WorkerOptions,
    opts.inspector === true,
  )
  try {
    await applyMigrations(running.mf, path.join(root, 'migrations'))
  } catch (err) {
    await running.mf.dispose().catch(() => undefined)
    throw err
  }
  return running
}

/** Applies migrations/*.sql in name order through the D1 binding (as wrangler's migrations do). */
async function applyMigrations(mf: Miniflare, dir: string): Promise<void> {
  const { unstable_splitSqlQuery } = await import('wrangler')
  const db = await mf.getD1Database('DB')
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
  for (const file of files) {
    const sql = readFileSync(path.join(dir, file), 'utf8')
    const statements = unstable_splitSqlQuery(sql)
      .map((s) => s.trim())
      .filter(Boolean)
    if (statements.length > 0) await db.batch(statements.map((s) => db.prepare(s)))
  }
}

const BARE_PROXY = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    return fetch(env.UPSTREAM + url.pathname + url.search, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    })
  },
}
`

export async function startBareProxy(compatibilityDate: string, upstream: string): Promise<RunningWorker> {
  return startMiniflare({
    name: 'bare-proxy',
    modules: true,
    script: BARE_PROXY,
    compatibilityDate,
    bindings: { UPSTREAM: upstream },
  } as WorkerOptions)
}

/**
 * A reference, not the gateway: only what the data-plane contract makes every request do, in the
 * cheapest form we found. It copies the request headers adding a request id and the hop count the
 * loop guard needs, races the upstream's response head against a timer, and rewraps the response to
 * add x-request-id, x-model-version and x-routing-epoch. No routing table, no signing, no header
 * hygiene, no recording. Its ratio to the bare proxy is roughly the ceiling for a gateway that
 * keeps that contract, on this runtime and machine.
 */
const FLOOR_ID = `const ID = 'req_0123456789abcdefghij'`
const FLOOR_FETCH = `
  async fetch(request, env) {
    const url = new URL(request.url)
    const headers = new Headers(request.headers)
    headers.set('x-request-id', ID)
    headers.set('x-modelgate-hops', '1')
    let timer
    const expired = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('upstream timeout')), 30000)
    })
    try {
      const upstream = await Promise.race([
        fetch(env.UPSTREAM + url.pathname + url.search, { method: request.method, headers, body: request.body }),
        expired,
      ])
      const response = new Response(upstream.body, upstream)
      response.headers.set('x-request-id', ID)
      response.headers.set('x-model-version', 'v1')
      response.headers.set('x-routing-epoch', '1')
      return response
    } finally {
      clearTimeout(timer)
    }
  },
`

const CONTRACT_FLOOR = `${FLOOR_ID}
export default {${FLOOR_FETCH}}
`

export const CONTRACT_FLOOR_NAME = 'contract-floor'

export async function startContractFloor(compatibilityDate: string, upstream: string): Promise<RunningWorker> {
  return startMiniflare({
    name: CONTRACT_FLOOR_NAME,
    modules: true,
    script: CONTRACT_FLOOR,
    compatibilityDate,
    bindings: { UPSTREAM: upstream },
  } as WorkerOptions)
}

export const CONTRACT_FLOOR_IN_GATEWAY_NAME = 'contract-floor-in-gateway'

/**
 * The contract floor's handler, unchanged, as the fetch handler of the gateway's own bundle and
 * Miniflare configuration: the bundle is imported (its module code runs, its Durable Object classes
 * are exported, its bindings exist) but never handles a request. Against contract-floor it shows
 * what the gateway's bundle and configuration cost before any of its code runs per request; against
 * the gateway configurations, what the gateway's per-request code costs.
 */
const CONTRACT_FLOOR_WRAPPER = `import gateway from './index.js'
export * from './index.js'
${FLOOR_ID}
export default {
  scheduled: gateway.scheduled,${FLOOR_FETCH}}
`

export async function startContractFloorInGateway(
  root: string,
  bundle: string,
  upstream: string,
  bindings: Record<string, string>,
): Promise<RunningWorker> {
  const wrapper = path.join(path.dirname(bundle), 'contract-floor-entry.js')
  writeFileSync(wrapper, CONTRACT_FLOOR_WRAPPER)
  return startGateway(root, bundle, { bindings: { ...bindings, UPSTREAM: upstream }, wrapper })
}

const STATIC_ANSWER = `
const BODY = JSON.stringify({
  id: 'pred-bench', object: 'prediction', model: 'bench',
  outputs: [{ label: 'approve', score: 0.87 }],
})
export default {
  async fetch() {
    return new Response(BODY, { headers: { 'content-type': 'application/json' } })
  },
}
`

/** Diagnostic floor: the same runtime answering without a subrequest (what workerd costs). */
export async function startStaticWorker(compatibilityDate: string): Promise<RunningWorker> {
  return startMiniflare({
    name: 'bare-static',
    modules: true,
    script: STATIC_ANSWER,
    compatibilityDate,
  } as WorkerOptions)
}

/** wrangler.toml's compatibility date, so that the baseline runs with the same semantics. */
export async function compatibilityDateOf(root: string): Promise<string> {
  const wrangler = await import('wrangler')
  const config = wrangler.unstable_readConfig({ config: path.join(root, 'wrangler.toml') })
  if (!config.compatibility_date) throw new Error('wrangler.toml has no compatibility_date')
  return config.compatibility_date
}
