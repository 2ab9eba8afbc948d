/**
 * `npx tsx scripts/admin-latency.ts`: how long admin writes take against a running gateway
 * (`npm start`). Registers a scratch model `latency-probe-<time>` and times N version registrations
 * back to back (`PUT /admin/models/{m}/versions/v{i}`), then N routing changes
 * (`PUT …/routing`, which wait for the edge: README, "Admin API"), and prints each series' median and p90.
 * Options: --gateway <url> (default http://127.0.0.1:$GATEWAY_PORT or :8787), --n <count> (20).
 * The admin token comes from MODELGATE_ADMIN_TOKEN or .dev.vars.
 */
import path from 'node:path'
import { parseArgs } from 'node:util'
import { readDevVars } from './lib/dev-vars'

const root = path.resolve(import.meta.dirname, '..')
const { values } = parseArgs({
  options: {
    gateway: { type: 'string', default: `http://127.0.0.1:${process.env.GATEWAY_PORT ?? 8787}` },
    n: { type: 'string', default: '20' },
  },
})
const gateway = values.gateway.replace(/\/$/, '')
const n = Number(values.n)
const token = process.env.MODELGATE_ADMIN_TOKEN ?? readDevVars(root)?.ADMIN_TOKEN

/** The q-quantile of `xs` (nearest rank). */
export function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number
}

async function admin(method: string, p: string, body: unknown, attempt = 1): Promise<number> {
  const started = performance.now()
  const res = await fetch(`${gateway}/admin${p}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'x-modelgate-actor': 'admin-latency',
    },
    body: JSON.stringify(body),
  })
  const text = await res.text()
  const ms = performance.now() - started
  // wrangler dev's proxy answers this while it reloads the Worker after a file change (README,
  // Quick start): not the gateway's time, so the call is sent again and only the retry counts.
  if (res.status === 503 && text.includes('restarted mid-request') && attempt < 5) {
    await new Promise((r) => setTimeout(r, 2_000))
    return admin(method, p, body, attempt + 1)
  }
  if (!res.ok) throw new Error(`${method} /admin${p} → ${res.status}: ${text}`)
  return ms
}

function line(label: string, ms: number[]): string {
  const f = (x: number) => `${x.toFixed(1)} ms`
  return `${label.padEnd(28)} n=${ms.length}  median ${f(quantile(ms, 0.5))}  p90 ${f(quantile(ms, 0.9))}  max ${f(Math.max(...ms))}`
}

async function main(): Promise<void> {
  if (!token) throw new Error('no admin token: set MODELGATE_ADMIN_TOKEN or run npm start once (it writes .dev.vars)')
  const model = `latency-probe-${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`
  await admin('PUT', `/models/${model}`, { risk: 'low' })
  const versions: number[] = []
  for (let i = 1; i <= n; i++) {
    versions.push(
      await admin('PUT', `/models/${model}/versions/v${i}`, { backend: { url: `http://127.0.0.1:9/v${i}` } }),
    )
  }
  console.log(`${gateway}, model ${model}`)
  console.log(line('PUT …/versions/v{i}', versions))
  await admin('POST', `/models/${model}/champion`, { version: 'v1' })
  const routing: number[] = []
  for (let i = 1; i <= n; i++) {
    const share = i % 2 === 0 ? 10 : 5
    routing.push(
      await admin('PUT', `/models/${model}/routing`, {
        weights: { v1: 100 - share, v2: share },
        reason: 'latency probe',
      }),
    )
  }
  console.log(line('PUT …/routing', routing))
}

main().catch((err) => {
  console.error(`admin-latency failed: ${(err as Error).message}`)
  process.exit(1)
})
