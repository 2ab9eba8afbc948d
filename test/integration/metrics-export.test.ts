/**
 * The shard → D1 rollup under pressure: more changed rows than one export returns, and two rollups
 * of the same shard overlapping. Nothing may be skipped, counted twice or replaced by an older copy.
 */
import { shardByName } from '../../src/adapters/do/shard-client'
import { buildServices } from '../../src/compose'
import { env } from 'cloudflare:workers'
import { and, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import type { ExportBatch } from '../../src/core/metrics/shard-data'
import { openDb } from '../../src/adapters/d1/registry-store'
import { minuteRows, outcomeRows, pruneHistory, writeExport } from '../../src/adapters/d1/metrics-store'
import * as schema from '../../src/adapters/d1/schema'
import { aggregate, emptyAgg, type Measurement, type ShadowMeasurement } from '../../src/core/metrics/aggregate'
import { buildSeries } from '../../src/core/metrics/series'
import { adminOk, uniqueModel } from './helpers/harness'

const T0 = Date.UTC(2026, 10, 20, 12, 0)

function shard(name: string) {
  return shardByName(env.METRICS_SHARD, name)
}

/** `n` requests, each in its own minute starting at `firstMinute` (so `n` rows). */
function requests(firstMinute: number, n: number): Measurement[] {
  return Array.from({ length: n }, (_, i): Measurement => ({
    type: 'request',
    requestId: `r${firstMinute + i}`,
    at: T0 + (firstMinute + i) * 60_000,
    epoch: 1,
    version: 'v1',
    arm: 'champion',
    segment: '',
    status: 200,
    outcome: 'response',
    latencyMs: 10,
    fallback: null,
  }))
}

function shadows(n: number): ShadowMeasurement[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'shadow',
    requestId: `s${i}`,
    at: T0,
    epoch: 1,
    version: 'v2',
    verdict: 'agree',
    latencyMs: 5,
    championOutput: 'a',
    shadowOutput: 'a',
  }))
}

async function ingest(name: string, id: string, ms: Measurement[]) {
  const rows = [...aggregate(ms).values()]
  await shard(name).ingest(id, { rows, shadows: ms.filter((m): m is ShadowMeasurement => m.type === 'shadow') })
}

/** Exports until the cursor stops, as the rollup does; returns every batch. */
async function drain(name: string, limit: number): Promise<ExportBatch[]> {
  const s = shard(name)
  const batches: ExportBatch[] = []
  let cursor = 0
  for (let i = 0; i < 50; i++) {
    const b = (await s.exportSince(cursor, limit)) as unknown as ExportBatch
    if (b.cursor === cursor) break
    batches.push(b)
    cursor = b.cursor
  }
  return batches
}

describe('shard export', () => {
  it('returns every changed row once when one table fills an export and another has newer rows', async () => {
    const name = `${uniqueModel('exp')}#0`
    await ingest(name, 'b1', requests(0, 300))
    await ingest(name, 'b2', requests(300, 300))
    await ingest(name, 'b3', shadows(3))
    const batches = await drain(name, 500)
    const minutes = batches.flatMap((b) => b.minutes.map((m) => m.key.minute))
    // 600 request rows, one per minute, and one shadow row (in the first request's minute).
    expect(minutes).toHaveLength(601)
    expect(new Set(minutes).size).toBe(600)
    expect(batches.flatMap((b) => b.samples)).toHaveLength(3)
  })

  it('moves on when a single revision holds more rows than the limit', async () => {
    const name = `${uniqueModel('exp')}#0`
    await ingest(name, 'big', requests(0, 30))
    const batches = await drain(name, 10)
    expect(batches).toHaveLength(1)
    expect(batches[0]!.minutes).toHaveLength(30)
  })
})

describe('D1 rollup writes', () => {
  it('never replaces a minute with an older copy, and keeps a re-exported shadow sample once', async () => {
    const model = uniqueModel('overlap')
    const db = openDb(env.DB)
    const key = { minute: 100, epoch: 1, version: 'v1', arm: 'champion' as const, segment: '' as const }
    const older = { ...emptyAgg(), requests: 1, s2xx: 1 }
    const newer = { ...emptyAgg(), requests: 3, s2xx: 3 }
    const sample = {
      at: T0,
      requestId: 'req-1',
      version: 'v2',
      verdict: 'agree',
      championOutput: 'a',
      shadowOutput: 'a',
    }
    const batch = (agg: typeof older, rev: number, n: number): ExportBatch => ({
      minutes: [{ key, agg, rev }],
      outcomes: [
        {
          minute: 100,
          epoch: 1,
          version: 'v1',
          arm: 'champion',
          segment: '',
          metric: 'repaid',
          n,
          sum: n,
          sumSq: n,
          rev,
        },
      ],
      samples: [sample],
      cursor: rev,
    })
    // Rollup A read rev 1; rollup B read rev 2 and wrote first; A writes last.
    await writeExport(db, model, 0, batch(newer, 2, 3))
    await writeExport(db, model, 0, batch(older, 1, 1))
    const minute = await db.select().from(schema.metricMinutes).where(eq(schema.metricMinutes.model, model))
    expect(minute.map((r) => r.requests)).toEqual([3])
    const outcome = await db
      .select()
      .from(schema.outcomeMinutes)
      .where(and(eq(schema.outcomeMinutes.model, model), eq(schema.outcomeMinutes.metric, 'repaid')))
    expect(outcome.map((r) => r.n)).toEqual([3])
    const samples = await db.select().from(schema.shadowSamples).where(eq(schema.shadowSamples.model, model))
    expect(samples).toHaveLength(1)
    // A newer copy still replaces the row.
    await writeExport(db, model, 0, batch({ ...emptyAgg(), requests: 5, s2xx: 5 }, 3, 5))
    const after = await db.select().from(schema.metricMinutes).where(eq(schema.metricMinutes.model, model))
    expect(after.map((r) => r.requests)).toEqual([5])
  })
})

describe('series from D1 history', () => {
  it('reads a range page by page into the same series as reading it whole', async () => {
    const model = uniqueModel('pages')
    const db = openDb(env.DB)
    // 120 minutes, two shards, two arms: 480 minute rows and 240 outcome rows.
    for (const shardNo of [0, 1]) {
      const minutes: ExportBatch['minutes'] = []
      const outcomes: ExportBatch['outcomes'] = []
      for (let minute = 1_000; minute < 1_120; minute++) {
        for (const [version, arm] of [
          ['v1', 'champion'],
          ['v2', 'challenger'],
        ] as const) {
          const agg = aggregate(
            requests(minute, 1).map((m) => ({
              ...m,
              version,
              arm,
              latencyMs: 5 + (minute % 17) + shardNo,
              status: minute % 11 === 0 ? 503 : 200,
            })),
          )
          minutes.push({ key: { minute, epoch: 1, version, arm, segment: '' }, agg: [...agg.values()][0]!.agg, rev: 1 })
        }
        outcomes.push({
          minute,
          epoch: 1,
          version: 'v1',
          arm: 'champion',
          segment: '',
          metric: 'repaid',
          n: 2,
          sum: 1,
          sumSq: 1,
          rev: 1,
        })
      }
      // Written in slices: D1 caps the statements of one batch.
      for (let i = 0; i < minutes.length; i += 50)
        await writeExport(db, model, shardNo, {
          minutes: minutes.slice(i, i + 50),
          outcomes: [],
          samples: [],
          cursor: 1,
        })
      await writeExport(db, model, shardNo, { minutes: [], outcomes, samples: [], cursor: 1 })
    }
    const from = 1_000
    const whole = buildSeries(
      await minuteRows(db, model, from, from + 119),
      await outcomeRows(db, model, from, from + 119),
      from,
      from + 119,
      15,
    )
    const paged = await buildServices(env).measurement.series(model, from, from + 119, 15, 7)
    expect(paged).toEqual(whole)
    expect(whole.find((s) => s.version === 'v1')!.points[0]).toMatchObject({
      requests: 30,
      business: { repaid: { n: 60 } },
    })
  })
})

describe('history retention', () => {
  const row = (minute: number): ExportBatch => ({
    minutes: [
      {
        key: { minute, epoch: 1, version: 'v1', arm: 'champion', segment: '' },
        agg: { ...emptyAgg(), requests: 1, s2xx: 1 },
        rev: 1,
      },
    ],
    outcomes: [
      {
        minute,
        epoch: 1,
        version: 'v1',
        arm: 'champion',
        segment: '',
        metric: 'repaid',
        n: 1,
        sum: 1,
        sumSq: 1,
        rev: 1,
      },
    ],
    samples: [],
    cursor: 1,
  })
  const minutesOf = async (db: ReturnType<typeof openDb>, model: string) =>
    (await minuteRows(db, model, 0, Number.MAX_SAFE_INTEGER)).map((r) => r.minute)

  it('deletes rows before the cut, a bounded number per call, and keeps the rest', async () => {
    const model = uniqueModel('prune')
    const db = openDb(env.DB)
    for (const m of [10, 11, 12, 13, 50]) await writeExport(db, model, 0, row(m))
    expect(await pruneHistory(db, model, 40, 3)).toBe(6) // 3 minute rows and 3 outcome rows
    expect(await minutesOf(db, model)).toEqual([13, 50])
    expect(await pruneHistory(db, model, 40, 3)).toBe(2)
    expect(await minutesOf(db, model)).toEqual([50])
    expect((await outcomeRows(db, model, 0, Number.MAX_SAFE_INTEGER)).map((r) => r.minute)).toEqual([50])
  })

  it('runs on the cron tick with HISTORY_RETENTION_DAYS (35 by default)', async () => {
    const model = uniqueModel('prunecron')
    await adminOk('PUT', `/models/${model}`, { risk: 'low' }, 201)
    const db = openDb(env.DB)
    const now = Date.now()
    const nowMinute = Math.floor(now / 60_000)
    await writeExport(db, model, 0, row(nowMinute - 36 * 1_440))
    await writeExport(db, model, 0, row(nowMinute - 34 * 1_440))
    await buildServices(env).scheduled(now)
    expect(await minutesOf(db, model)).toEqual([nowMinute - 34 * 1_440])
  })
})
