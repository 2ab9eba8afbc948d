/**
 * The metrics shard takes pre-aggregated rows from the Worker, and still takes the plain
 * measurement list that Workers deployed before pre-aggregation send until their isolates retire.
 * Both must leave the shard in the same state, and a replayed batch id must change nothing.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { ExportBatch } from '../../src/adapters/do/metrics-shard'
import { aggregate, type Measurement, type MeasurementBatch, type ShadowMeasurement } from '../../src/core/metrics/aggregate'

const at = Date.now()
const measurements: Measurement[] = [
  ...Array.from({ length: 30 }, (_, i): Measurement => ({
    type: 'request', requestId: `r${i}`, at, epoch: 2, version: i % 3 === 0 ? 'v2' : 'v1', arm: i % 3 === 0 ? 'challenger' : 'champion',
    segment: '', status: i % 7 === 0 ? 503 : 200, outcome: 'response', latencyMs: 5 + i * 3, fallback: null,
  })),
  { type: 'request', requestId: 'fb', at, epoch: 2, version: 'v1', arm: 'champion', segment: '', status: 200, outcome: 'response', latencyMs: 40, fallback: { version: 'v2', arm: 'challenger' } },
  { type: 'shadow', requestId: 's1', at, epoch: 2, version: 'v2', verdict: 'diverge', latencyMs: 22, championOutput: 'approve', shadowOutput: 'deny' },
]

function shard(name: string) {
  return env.METRICS_SHARD.get(env.METRICS_SHARD.idFromName(name))
}

async function state(name: string) {
  const s = shard(name)
  const summary = await s.stageSummary({ minEpoch: 0, now: at, metrics: [] })
  // The RPC stub types `unknown` fields as non-serializable; the shape is ExportBatch.
  const exported = (await s.exportSince(0)) as unknown as ExportBatch
  const totals = (await s.totals()).sort((a, b) => `${a.version}|${a.arm}`.localeCompare(`${b.version}|${b.arm}`))
  return {
    cumulative: summary.cumulative.sort((a, b) => `${a.version}|${a.arm}`.localeCompare(`${b.version}|${b.arm}`)),
    minutes: exported.minutes.length,
    samples: exported.samples.map((x) => ({ ...x })),
    totals,
  }
}

describe('metrics shard ingest', () => {
  it('leaves the same state for a row batch as for the plain measurement list, and ignores a replayed batch', async () => {
    const rows: MeasurementBatch = {
      rows: [...aggregate(measurements).values()],
      shadows: measurements.filter((m): m is ShadowMeasurement => m.type === 'shadow'),
    }
    expect(await shard('ingest-rows#0').ingest('bat_rows', rows)).toEqual({ applied: true })
    expect(await shard('ingest-list#0').ingest('bat_list', measurements)).toEqual({ applied: true })
    expect(await shard('ingest-rows#0').ingest('bat_rows', rows)).toEqual({ applied: false })

    const fromRows = await state('ingest-rows#0')
    const fromList = await state('ingest-list#0')
    expect(fromRows).toEqual(fromList)
    const v1 = fromRows.totals.find((t) => t.version === 'v1' && t.arm === 'champion')!.totals
    expect(v1.requests).toBe(21)
    expect(v1.latencyCount).toBe(21)
    const v2 = fromRows.totals.find((t) => t.version === 'v2' && t.arm === 'challenger')!.totals
    expect(v2.requests).toBe(10)
    expect(v2.failedAttempts).toBe(1)
    expect(fromRows.samples).toHaveLength(1)
    expect(fromRows.samples[0]).toMatchObject({ requestId: 's1', verdict: 'diverge' })
  })
})
