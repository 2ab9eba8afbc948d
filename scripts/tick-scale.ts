/**
 * `npm run tick-scale`: how long one cron tick takes against the number of active rollouts.
 *
 * Starts the deployable gateway on Miniflare, registers models with a champion and a challenger,
 * starts a canary rollout on each (default gates; the first stage is live), and times the
 * scheduled handler — which evaluates every active rollout's gates — at each size.
 * Locally every Durable Object shares one workerd process and thread, so these figures are an
 * upper bound of the per-tick cost; on Cloudflare the coordinators run in parallel.
 *   npm run tick-scale -- --sizes 10,100,1000 --ticks 3
 */
import { parseArgs } from 'node:util'
import { startUpstream } from '../test/support/upstream-server'
import { startLiveGateway, type LiveGateway } from './lib/live-gateway'

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '10,100,1000' }, ticks: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } },
})
const sizes = values.sizes.split(',').map(Number)
const ticks = Number(values.ticks)
const log = (s: string) => process.stderr.write(`${s}\n`)

async function createRollouts(gw: LiveGateway, upstream: string, from: number, to: number): Promise<void> {
  let next = from
  const worker = async () => {
    while (next < to) {
      const m = `scale-${next++}`
      await gw.admin('PUT', `/models/${m}`, { risk: 'low' })
      await gw.admin('PUT', `/models/${m}/versions/v1`, { backend: { url: upstream } })
      await gw.admin('PUT', `/models/${m}/versions/v2`, { backend: { url: `${upstream}/mode/echo` } })
      await gw.admin('POST', `/models/${m}/champion`, { version: 'v1' })
      const r = await gw.admin<{ phase: string }>('POST', `/models/${m}/rollouts`, { challenger: 'v2', strategy: 'canary', waive_evaluation: true })
      if (r.phase !== 'progressing') throw new Error(`rollout on ${m} is ${r.phase}, expected progressing`)
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
}

async function main(): Promise<void> {
  const upstream = await startUpstream('scale')
  const gw = await startLiveGateway()
  const rows: Array<{ rollouts: number; ticksMs: number[]; medianMs: number; perRolloutMs: number }> = []
  try {
    let have = 0
    for (const size of sizes) {
      log(`creating rollouts ${have + 1}–${size}…`)
      const t0 = Date.now()
      await createRollouts(gw, upstream.url, have, size)
      log(`  ${size - have} rollouts in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
      have = size
      const times: number[] = []
      for (let i = 0; i < ticks; i++) {
        const t = Date.now()
        await gw.scheduled(Date.now() + (i + 1) * 60_000)
        times.push(Date.now() - t)
      }
      const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] as number
      rows.push({ rollouts: size, ticksMs: times, medianMs: median, perRolloutMs: median / size })
      log(`  tick: ${times.join(', ')} ms`)
    }
  } finally {
    await gw.close()
    await upstream.close()
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
    return
  }
  process.stdout.write(`\nmodelgate cron tick vs active rollouts (Miniflare, one workerd process; ${ticks} ticks per size)\n`)
  process.stdout.write('rollouts  median tick ms  per rollout ms  all ticks ms\n')
  for (const r of rows) {
    process.stdout.write(`${String(r.rollouts).padStart(8)}  ${String(r.medianMs).padStart(14)}  ${r.perRolloutMs.toFixed(2).padStart(14)}  ${r.ticksMs.join(', ')}\n`)
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err)
    process.exit(1)
  }
)
