/**
 * `npm run tick-scale`: how long one cron tick takes against the number of active rollouts.
 *
 * Starts the deployable gateway on Miniflare, registers models with a champion and a challenger,
 * starts a canary rollout on each (default gates; the first stage is live), and times the
 * scheduled handler — which evaluates every active rollout's gates — at each size.
 * Locally every Durable Object shares one workerd process and thread, so these figures are an
 * upper bound of the per-tick cost; on Cloudflare the coordinators run in parallel.
 *   npm run tick-scale -- --sizes 10,100,1000 --ticks 3 --shards 4
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { startUpstream } from '../test/support/upstream-server'
import { startLiveGateway, type LiveGateway } from './lib/live-gateway'

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,100,1000' },
    ticks: { type: 'string', default: '3' },
    shards: { type: 'string', default: '4' },
    json: { type: 'boolean', default: false },
  },
})
const sizes = values.sizes.split(',').map(Number)
const ticks = Number(values.ticks)
// Metrics shards per model (the model default is 4). Each is one more Durable Object the tick reads.
const shards = Number(values.shards)
const log = (s: string) => process.stderr.write(`${s}\n`)

async function createRollouts(gw: LiveGateway, upstream: string, from: number, to: number): Promise<void> {
  let next = from
  const worker = async () => {
    while (next < to) {
      const m = `scale-${next++}`
      await gw.admin('PUT', `/models/${m}`, { risk: 'low', metric_shards: shards })
      await gw.admin('PUT', `/models/${m}/versions/v1`, { backend: { url: upstream } })
      await gw.admin('PUT', `/models/${m}/versions/v2`, { backend: { url: `${upstream}/mode/echo` } })
      await gw.admin('POST', `/models/${m}/champion`, { version: 'v1' })
      const r = await gw.admin<{ phase: string }>('POST', `/models/${m}/rollouts`, {
        challenger: 'v2',
        strategy: 'canary',
        waive_evaluation: true,
      })
      if (r.phase !== 'progressing') throw new Error(`rollout on ${m} is ${r.phase}, expected progressing`)
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
}

/**
 * How many rollouts a tick really evaluated: each evaluation writes one verdict row (to D1 through
 * the coordinator's outbox), so a tick that failed for some rollouts shows fewer rows than rollouts.
 */
async function verdictsAt(gw: LiveGateway, tickTime: number, expected: number): Promise<number> {
  const db = await gw.worker.mf.getD1Database('DB')
  const at = new Date(tickTime).toISOString()
  let n = 0
  // The outbox flush follows the evaluation; give stragglers a moment.
  for (let i = 0; i < 20; i++) {
    n = ((
      await db
        .prepare('SELECT count(DISTINCT rollout_id) AS n FROM verdicts WHERE at = ?')
        .bind(at)
        .first<{ n: number }>()
    )?.n ?? 0) as number
    if (n >= expected) break
    await new Promise((r) => setTimeout(r, 250))
  }
  return n
}

/** The Worker logs one `cron: <model>: <error>` line per model a tick failed for. */
function countCronFailures(): { read(): number; stop(): void } {
  let failures = 0
  const original = process.stderr.write.bind(process.stderr)
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    failures += (String(chunk).match(/^cron: /gm) ?? []).length
    return (original as (...a: unknown[]) => boolean)(chunk, ...rest)
  }) as typeof process.stderr.write
  return { read: () => failures, stop: () => void (process.stderr.write = original) }
}

async function main(): Promise<void> {
  const upstream = await startUpstream('scale')
  // On disk, not in memory: workerd caps SQLite memory per process, and locally every object's
  // database lives in this one process (5,000 of them at 1,000 models with 4 metrics shards each).
  const doDir = mkdtempSync(path.join(os.tmpdir(), 'modelgate-tick-scale-'))
  const gw = await startLiveGateway({ durableObjectsDir: doDir, staticAssets: false })
  const failuresSeen = countCronFailures()
  const rows: Array<{
    rollouts: number
    ticksMs: number[]
    medianMs: number
    perRolloutMs: number
    evaluated: number[]
    failures: number[]
  }> = []
  try {
    let have = 0
    for (const size of sizes) {
      log(`creating rollouts ${have + 1}–${size}…`)
      const t0 = Date.now()
      await createRollouts(gw, upstream.url, have, size)
      log(`  ${size - have} rollouts in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
      have = size
      const times: number[] = []
      const evaluated: number[] = []
      const failures: number[] = []
      for (let i = 0; i < ticks; i++) {
        // Whole minutes, one apart, later than any tick before (the clock only moves forward).
        const tickTime = (Math.floor(Date.now() / 60_000) + 1 + i + rows.length * ticks) * 60_000
        const before = failuresSeen.read()
        const t = Date.now()
        await gw.scheduled(tickTime)
        times.push(Date.now() - t)
        failures.push(failuresSeen.read() - before)
        evaluated.push(await verdictsAt(gw, tickTime, size))
      }
      const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] as number
      rows.push({ rollouts: size, ticksMs: times, medianMs: median, perRolloutMs: median / size, evaluated, failures })
      log(`  tick: ${times.join(', ')} ms; evaluated ${evaluated.join(', ')} of ${size}; failed ${failures.join(', ')}`)
    }
  } finally {
    failuresSeen.stop()
    await gw.close()
    await upstream.close()
    if (!process.env.KEEP_DO_DIR) rmSync(doDir, { recursive: true, force: true })
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
    return
  }
  process.stdout.write(
    `\nmodelgate cron tick vs active rollouts (Miniflare, one workerd process; ${shards} metrics shards per model; ${ticks} ticks per size)\n`,
  )
  process.stdout.write(
    'rollouts  median tick ms  per rollout ms  all ticks ms        evaluated per tick  failed per tick\n',
  )
  for (const r of rows) {
    process.stdout.write(
      `${String(r.rollouts).padStart(8)}  ${String(r.medianMs).padStart(14)}  ${r.perRolloutMs.toFixed(2).padStart(14)}  ${r.ticksMs.join(', ').padEnd(18)}  ${r.evaluated.join(', ').padEnd(18)}  ${r.failures.join(', ')}\n`,
    )
  }
  const short = rows.filter((r) => r.evaluated.some((n) => n < r.rollouts) || r.failures.some((n) => n > 0))
  if (short.length > 0) {
    process.stdout.write(
      `INCOMPLETE: some ticks did not evaluate every rollout (sizes ${short.map((r) => r.rollouts).join(', ')}); their times are not valid figures\n`,
    )
    process.stdout.write(
      'If workerd printed SQLITE_NOMEM: locally every Durable Object keeps its SQLite database in this one process, under one process-wide SQLite memory cap, and 1,000 models with 4 metrics shards each are 5,000 databases. Re-run with --shards 1 (on Cloudflare each object has its own).\n',
    )
    process.exitCode = 1
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
