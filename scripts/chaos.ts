/**
 * `npm run chaos`: a bad canary rolled back while the platform fails (scripts/chaos/run.ts).
 * Prints what happened and each invariant; exits 0 only when every invariant holds.
 *   npm run chaos -- --concurrency 16 --duration 60 --json
 */
import { parseArgs } from 'node:util'
import { DEFAULT_OPTIONS, runChaos, type ChaosReport } from './chaos/run'

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: String(DEFAULT_OPTIONS.concurrency) },
    duration: { type: 'string', default: String(DEFAULT_OPTIONS.durationS) },
    json: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
})

function print(r: ChaosReport): void {
  const out: string[] = []
  const s = (n: number | null) => (n === null ? 'never' : `${n.toFixed(1)} s`)
  out.push('', `modelgate chaos run: ${r.seconds.toFixed(0)} s, gate ticks from the coordinator's alarm only (1 s)`)
  out.push('fault schedule (seconds after the rollout started):')
  for (const w of DEFAULT_OPTIONS.schedule)
    out.push(`  ${String(w.from).padStart(3)}–${String(w.to).padEnd(3)} ${w.what}`)
  out.push(
    `rollback: ${s(r.rollback.atS)} (${r.rollback.trigger ?? '-'}), confirmed ${s(r.rollback.confirmedAtS)}; phase ${r.phase}`,
  )
  if (r.rollback.during.length > 0) out.push(`  faults in force at the rollback: ${r.rollback.during.join('; ')}`)
  out.push('version  served  recorded')
  for (const v of r.versions)
    out.push(`${v.version.padEnd(7)}  ${String(v.served).padStart(6)}  ${String(v.recorded).padStart(8)}`)
  out.push(`measurements dropped: ${r.dropped.records} in ${r.dropped.batches} batches`)
  const errors = Object.entries(r.clientErrors)
  out.push(`5xx seen by clients: ${errors.length ? errors.map(([k, n]) => `${k} ${n}`).join(', ') : 'none'}`)
  out.push(`connection failures: ${r.transportFailures}; answers reset mid-stream: ${r.resets}`)
  out.push(
    `faults injected: ${Object.entries(r.injected)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  )
  out.push(
    `audit: ${r.audit.ok ? 'verifies' : 'BROKEN'}, ${r.audit.checked} of ${r.audit.entries} entries, ${r.audit.complete ? 'complete in D1' : 'D1 behind'}`,
  )
  out.push('invariants:')
  for (const i of r.invariants) out.push(`  ${i.ok ? 'PASS' : 'FAIL'}  ${i.name} (${i.detail})`)
  out.push(r.ok ? 'chaos run: every invariant held' : 'chaos run: an invariant FAILED')
  process.stdout.write(`${out.join('\n')}\n`)
}

const report = await runChaos({
  ...DEFAULT_OPTIONS,
  concurrency: Number(values.concurrency),
  durationS: Number(values.duration),
  log: values.quiet ? () => undefined : (line) => process.stderr.write(`${line}\n`),
})
if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
else print(report)
process.exit(report.ok ? 0 : 1)
