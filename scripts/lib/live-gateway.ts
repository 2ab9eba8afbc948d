/**
 * A real gateway for scripts and end-to-end tests: the bundle `wrangler deploy` would upload,
 * served by Miniflare on 127.0.0.1 with in-memory KV, D1 (migrations applied) and Durable
 * Objects. Used by the load and tick-scale scripts, the CLI tests and the browser tests.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildGatewayBundle, startGateway, type GatewayWorkerOptions, type RunningWorker } from '../bench/workers'

export const LIVE_ADMIN_TOKEN = 'live-admin-token-0123456789abcdef'
export const LIVE_APPROVER_TOKEN = 'live-approver-token-0123456789abcdef'
export const LIVE_REPORTER_TOKEN = 'live-reporter-token-0123456789abcdef'

export interface LiveGateway {
  url: string
  adminToken: string
  approverToken: string
  /** An outcome reporter's token (REPORTER_TOKENS), for POST /v1/outcomes. */
  reporterToken: string
  worker: RunningWorker
  /** Runs the Worker's scheduled handler (the cron tick) at `time`. */
  scheduled(time?: number): Promise<void>
  /** Calls /admin<path> with the operator token; throws with the problem body on non-2xx. */
  admin<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<T>
  close(): Promise<void>
}

const root = path.resolve(import.meta.dirname, '..', '..')

export interface LiveGatewayOptions {
  bindings?: Record<string, string>
  /** Keep Durable Object storage on disk under this folder instead of in memory. */
  durableObjectsDir?: string
  /** Serve the dashboard's and Swagger UI's static files (see GatewayWorkerOptions.staticAssets). */
  staticAssets?: boolean
}

export async function startLiveGateway(opts: LiveGatewayOptions = {}): Promise<LiveGateway> {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'modelgate-live-'))
  const bundle = await buildGatewayBundle(root, outDir)
  const worker = await startGateway(root, bundle, {
    bindings: {
      ADMIN_TOKEN: LIVE_ADMIN_TOKEN,
      APPROVER_TOKEN: LIVE_APPROVER_TOKEN,
      REPORTER_TOKENS: LIVE_REPORTER_TOKEN,
      KV_MIN_WRITE_INTERVAL_MS: '5',
      // The model servers and webhook receivers of scripts and tests listen on 127.0.0.1.
      EGRESS_ALLOW: '127.0.0.1',
      ...opts.bindings,
    },
    staticAssets: opts.staticAssets ?? true,
    ...(opts.durableObjectsDir
      ? { miniflare: { durableObjectsPersist: opts.durableObjectsDir } as GatewayWorkerOptions['miniflare'] }
      : {}),
  })
  const admin = async <T>(method: string, p: string, body?: unknown, token = LIVE_ADMIN_TOKEN): Promise<T> => {
    const res = await fetch(`${worker.url}/admin${p}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} /admin${p} → ${res.status}: ${text}`)
    return (text ? JSON.parse(text) : null) as T
  }
  return {
    url: worker.url,
    adminToken: LIVE_ADMIN_TOKEN,
    approverToken: LIVE_APPROVER_TOKEN,
    reporterToken: LIVE_REPORTER_TOKEN,
    worker,
    admin,
    async scheduled(time = Date.now()) {
      const w = await worker.mf.getWorker()
      await w.scheduled({ scheduledTime: new Date(time), cron: '* * * * *' })
    },
    async close() {
      await worker.mf.dispose().catch(() => undefined)
      rmSync(outDir, { recursive: true, force: true })
    },
  }
}
