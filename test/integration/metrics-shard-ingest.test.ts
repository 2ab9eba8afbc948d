/**
 * The metrics shard takes pre-aggregated rows from the Worker, and still takes the plain
 * measurement list that Workers deployed before pre-aggregation send until their isolates retire.
 * Both must leave the shard in the same state, and a replayed batch id must change nothing.
 */
import { shardByName } from '../../src/adapters/do/shard-client'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { ExportBatch } from '../../src/core/metrics/shard-data'
import {
  aggregate,
  type Measurement,
  type MeasurementBatch,
  type RequestMeasurement,
  type ShadowMeasurement,
} from '../../src/core/metrics/aggregate'

const at = Date.now()
const measurements: Measurement[] = [
  ...Array.from({ length: 30 }, (_, i): Measurement => ({
    type: 'request',
    requestId: `r${i}`,
    at,
    epoch: 2,
    version: i % 3 === 0 ? 'v2' : 'v1',
    arm: i % 3 === 0 ? 'challenger' : 'champion',
    segment: '',
    status: i % 7 === 0 ? 503 : 200,
    outcome: 'response',
    latencyMs: 5 + i * 3,
    fallback: null,
  })),
  {
    type: 'request',
    requestId: 'fb',
    at,
    epoch: 2,
    version: 'v1',
    arm: 'champion',
    segment: '',
    status: 200,
    outcome: 'response',
    latencyMs: 40,
    fallback: { version: 'v2', arm: 'challenger' },
  },
  {
    type: 'shadow',
    requestId: 's1',
    at,
    epoch: 2,
    version: 'v2',
    verdict: 'diverge',
    latencyMs: 22,
    championOutput: 'approve',
    shadowOutput: 'deny',
  },
]

function shard(name: string) {
  return shardByName(env.METRICS_SHARD, name)
}

async function state(name: string) {
  const s = shard(name)
  const summary = await s.stageSummary({ minEpoch: 0, now: at, metrics: [] })
  // The RPC stub types `unknown` fields as non-serializable; the shape is ExportBatch.
  const exported = (await s.exportSince(0)) as unknown as ExportBatch
  const totals = (await s.totals()).rows.sort((a, b) => `${a.version}|${a.arm}`.localeCompare(`${b.version}|${b.arm}`))
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

  it('takes a batch whose shadow outputs are megabytes: counts land, the sample keeps a marker, no pair is scored', async () => {
    const huge = 'z'.repeat(1_100_000)
    const batch: Measurement[] = [
      ...measurements.slice(0, 5),
      {
        type: 'shadow',
        requestId: 'big',
        at,
        epoch: 2,
        version: 'v2',
        verdict: 'diverge',
        latencyMs: 9,
        championOutput: huge,
        shadowOutput: `${huge}!`,
      },
    ]
    expect(await shard('ingest-big#0').ingest('bat_big', batch)).toEqual({ applied: true })
    const s = await state('ingest-big#0')
    expect(s.totals.reduce((a, t) => a + (t.arm === 'shadow' ? 0 : t.totals.requests), 0)).toBe(5)
    expect(s.samples).toHaveLength(1)
    expect(s.samples[0]!.championOutput).toMatchObject({ omitted: true, json_chars: huge.length + 2 })
    // An outcome for that request is still accepted, and nothing is scored against a marker.
    const statuses = await shard('ingest-big#0').recordOutcomes([
      {
        requestId: 'big',
        claims: { model: 'm', version: 'v1', arm: 'champion', cohort: false, epoch: 2, at, shards: 1 },
        metric: 'repaid',
        value: 1,
        raw: 'approve',
        comparator: { kind: 'label' },
      },
    ])
    expect(statuses).toEqual(['accepted'])
    const summary = await shard('ingest-big#0').stageSummary({ minEpoch: 0, now: at, metrics: [] })
    expect(summary.counterfactual).toEqual([])
  })

  it('scores an outcome that arrived before its shadow pair once the pair lands', async () => {
    const now = Date.now()
    const s = shard('ingest-early#0')
    const outcome = (requestId: string, at: number) => ({
      requestId,
      claims: { model: 'm', version: 'v1', arm: 'champion' as const, cohort: false, epoch: 2, at, shards: 1 },
      metric: 'approved',
      value: 1,
      raw: 'approve',
      comparator: { kind: 'label' },
    })
    // One outcome within seconds of its request, one for a request two minutes old.
    expect(await s.recordOutcomes([outcome('early', now), outcome('stale', now - 120_000)])).toEqual([
      'accepted',
      'accepted',
    ])
    expect((await s.stageSummary({ minEpoch: 0, now, metrics: [] })).counterfactual).toEqual([])
    const pair = (requestId: string): Measurement => ({
      type: 'shadow',
      requestId,
      at: now,
      epoch: 2,
      version: 'v2',
      verdict: 'diverge',
      latencyMs: 9,
      championOutput: 'approve',
      shadowOutput: 'deny',
    })
    await s.ingest('bat_pairs', [pair('early'), pair('stale')])
    const [cf] = (await s.stageSummary({ minEpoch: 0, now, metrics: [] })).counterfactual
    // The early outcome is scored (the champion was right); the stale one had not waited for a pair.
    expect(cf).toMatchObject({
      epoch: 2,
      version: 'v2',
      metric: 'approved',
      n: 1,
      championCorrect: 1,
      shadowCorrect: 0,
    })
    // Scored once: the pair arriving again (another batch) scores nothing more.
    await s.ingest('bat_pairs_again', [pair('early')])
    expect((await s.stageSummary({ minEpoch: 0, now, metrics: [] })).counterfactual[0]).toMatchObject({ n: 1 })
  })

  it('adds the losses a batch reports, and its skipped shadow copies and stream errors, to the Prometheus totals once', async () => {
    const s = shard('ingest-loss#0')
    const now = Date.now()
    const batch: MeasurementBatch = {
      rows: [
        ...aggregate([
          { ...(measurements[1] as RequestMeasurement), at: now, durationMs: 70 },
          { ...(measurements[1] as RequestMeasurement), at: now, outcome: 'stream_stalled', durationMs: 30_000 },
          { type: 'shadow', requestId: 'sk', at: now, epoch: 2, version: 'v2', verdict: 'skipped', latencyMs: null },
        ]).values(),
      ],
      shadows: [],
      dropped: { records: 5, batches: 2 },
    }
    expect(await s.ingest('bat_loss', batch)).toEqual({ applied: true })
    expect(await s.ingest('bat_loss', batch)).toEqual({ applied: false })
    const totals = await s.totals()
    expect(totals.dropped).toEqual({ records: 5, batches: 2 })
    const v1 = totals.rows.find((r) => r.version === 'v1')!.totals
    expect(v1.byClass).toEqual({ '2xx': 1, stream_stalled: 1 })
    expect(v1.duration).toMatchObject({ count: 2, sumMs: 30_070 })
    expect(totals.rows.find((r) => r.arm === 'shadow')!.totals.shadowSkipped).toBe(1)
    // A later batch without losses leaves the counters where they are; one with losses adds.
    await s.ingest('bat_loss_2', { rows: [], shadows: [] })
    await s.ingest('bat_loss_3', { rows: [], shadows: [], dropped: { records: 1, batches: 1 } })
    expect((await s.totals()).dropped).toEqual({ records: 6, batches: 3 })
  })
})
