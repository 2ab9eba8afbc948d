/**
 * `npm run load`: the no-loss and latency-accuracy check of per-request recording, under load.
 *
 * Starts the deployable gateway on Miniflare and a local upstream, registers a model with two
 * versions (70/30, sticky on x-unit-id), sends N requests (default 20,000) with C in flight, and
 * then compares what the clients received with what the gateway recorded:
 *   - per version, the Prometheus request counter must equal the client's count exactly;
 *   - per version, the p99 from the recorded exponential histogram (metrics API, after the cron
 *     rollup) must be within 1.1% of the exact p99 of the latencies the gateway reported to the
 *     client in `server-timing` for the same requests.
 * Exits non-zero if either check fails.
 *   npm run load -- --requests 20000 --concurrency 64
 */
import { parseArgs } from 'node:util'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { startUpstream } from '../test/support/upstream-server'
import { startLiveGateway } from './lib/live-gateway'

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    json: { type: 'boolean', default: false },
  },
})
const N = Number(values.requests)
const C = Number(values.concurrency)
const log = (s: string) => process.stderr.write(`${s}\n`)

function nearestRank(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number
}

async function main(): Promise<number> {
  const upstream = await startUpstream('load')
  // Counts and latencies of /v1 requests: the static assets (dashboard files) play no part.
  const gw = await startLiveGateway({ staticAssets: false })
  try {
    const model = 'load-check'
    await gw.admin('PUT', `/models/${model}`, { risk: 'low' })
    await gw.admin('PUT', `/models/${model}/versions/v1`, { backend: { url: upstream.url } })
    await gw.admin('PUT', `/models/${model}/versions/v2`, { backend: { url: `${upstream.url}/mode/echo` } })
    await gw.admin('POST', `/models/${model}/champion`, { version: 'v1' })
    await gw.admin('PUT', `/models/${model}/routing`, { weights: { v1: 70, v2: 30 } })

    log(`sending ${N} requests, ${C} in flight…`)
    const counts: Record<string, number> = {}
    const latencies: Record<string, number[]> = {}
    let next = 0
    let failed = 0
    const started = Date.now()
    const worker = async () => {
      while (next < N) {
        const i = next++
        try {
          const res = await fetch(`${gw.url}/v1/models/${model}/predict`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-unit-id': `user-${i}` },
            body: JSON.stringify({ x: i }),
          })
          await res.arrayBuffer()
          const v = res.headers.get('x-model-version') ?? 'none'
          counts[v] = (counts[v] ?? 0) + 1
          const dur = /upstream;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')
          if (dur) (latencies[v] ??= []).push(Number(dur[1]))
        } catch {
          failed++
        }
      }
    }
    await Promise.all(Array.from({ length: C }, worker))
    const seconds = (Date.now() - started) / 1000
    log(`done in ${seconds.toFixed(1)} s (${Math.round(N / seconds)} req/s), ${failed} client-side failures`)

    // Recording leaves through waitUntil in batches (one per MEASURE_FLUSH_MS, 1 s by default):
    // wait until the counters have not moved for longer than that.
    let recorded: Record<string, number> = {}
    for (let i = 0, stable = 0; i < 100 && stable < 8; i++) {
      await new Promise((r) => setTimeout(r, 300))
      const text = await (
        await fetch(`${gw.url}/admin/metrics`, { headers: { authorization: `Bearer ${gw.adminToken}` } })
      ).text()
      const families = parsePrometheusTextFormat(text) as Array<{
        name: string
        metrics: Array<{ labels: Record<string, string>; value: string }>
      }>
      const family = families.find((f) => f.name === 'modelgate_requests_total')
      const now: Record<string, number> = {}
      for (const m of family?.metrics ?? [])
        if (m.labels.model === model) now[m.labels.version as string] = Number(m.value)
      stable = JSON.stringify(now) === JSON.stringify(recorded) ? stable + 1 : 0
      recorded = now
    }

    await gw.scheduled() // roll the shards' minutes up into D1 for the metrics API
    const from = new Date(started - 120_000).toISOString()
    const series = await gw.admin<{
      series: Array<{ version: string; arm: string; points: Array<{ requests: number; p99_ms: number | null }> }>
    }>('GET', `/models/${model}/metrics?from=${from}&step=3600`)
    const rows = Object.keys(counts)
      .sort()
      .map((version) => {
        const exact = nearestRank(
          [...(latencies[version] ?? [])].sort((a, b) => a - b),
          0.99,
        )
        const point = series.series
          .filter((s) => s.version === version)
          .flatMap((s) => s.points)
          .find((p) => p.requests > 0)
        const est = point?.p99_ms ?? null
        const relErr = est === null ? null : Math.abs(est - exact) / exact
        return {
          version,
          client: counts[version] ?? 0,
          recorded: recorded[version] ?? 0,
          exactP99: exact,
          histogramP99: est,
          relErr,
        }
      })
    const countsOk = rows.every((r) => r.client === r.recorded) && failed === 0
    const p99Ok = rows.every((r) => r.relErr !== null && r.relErr <= 0.011)
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ requests: N, concurrency: C, seconds, failed, rows, countsOk, p99Ok }, null, 2)}\n`,
      )
    } else {
      process.stdout.write(
        `\nmodelgate load check: ${N} requests, ${C} in flight, ${Math.round(N / seconds)} req/s through Miniflare\n`,
      )
      process.stdout.write('version  client  recorded  equal  exact p99 ms  histogram p99 ms  rel. error\n')
      for (const r of rows) {
        process.stdout.write(
          `${r.version.padEnd(7)}  ${String(r.client).padStart(6)}  ${String(r.recorded).padStart(8)}  ${(r.client === r.recorded ? 'yes' : 'NO').padStart(5)}  ${r.exactP99.toFixed(3).padStart(12)}  ${(r.histogramP99?.toFixed(3) ?? '-').padStart(16)}  ${r.relErr === null ? '-' : `${(r.relErr * 100).toFixed(2)}%`}\n`,
        )
      }
      process.stdout.write(`counts equal: ${countsOk ? 'PASS' : 'FAIL'}; p99 within 1.1%: ${p99Ok ? 'PASS' : 'FAIL'}\n`)
    }
    return countsOk && p99Ok ? 0 : 1
  } finally {
    await gw.close()
    await upstream.close()
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
