/**
 * A pre-exposure covariate from the request header to the gate evidence (core/metrics/covariate):
 * Σx and Σx² over each arm's matured exposures, and Σxy over its outcomes with x taken from the
 * signed request id, read back from the model's metrics shards and as CUPED moments, with each
 * arm's exposures routed by the unit header (sticky); a canary's business verdict that says CUPED;
 * a 400 for a covariate on a mean metric; and a shard from before covariates that migrates.
 */
import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, inject, it } from 'vitest'
import { shardByName } from '../../src/adapters/do/shard-client'
import { parseCovariate } from '../../src/core/metrics/covariate'
import { buildEvidence } from '../../src/core/metrics/evidence'
import { shardName } from '../../src/core/metrics/shards'
import { mergeSummaries } from '../../src/core/metrics/summary'
import { momentsWithCovariate } from '../../src/core/stats/cuped'
import { migrateTables } from '../../src/durable-objects/metrics-shard/tables'
import { admin, adminConfirmed, adminOk, infer, postOutcomes, problemOf, settle, uniqueModel } from './helpers/harness'
import { approve, cron, fastPlan, passingReport, rollout } from './helpers/rollout'

const HEADER = 'x-modelgate-covariate'
const SHARDS = 2
const WINDOW_MS = 60_000

/** What the client sent per request: the header's text (absent: not sent) and the outcome reported. */
const sent = Array.from({ length: 48 }, (_, i) => ({
  header: i % 8 === 7 ? undefined : i % 8 === 6 ? 'not-a-number' : i % 8 === 5 ? 'Infinity' : (i * 0.37 - 4).toFixed(3),
  outcome: i % 3 === 0 ? 1 : i % 3 === 1 ? 0 : null,
}))

describe('a CUPED covariate declared on a business metric', () => {
  it('carries the header value to per-arm Σx, Σx², Σxy and the evidence; requests without it still work', async () => {
    const m = uniqueModel('cuped')
    const metric = { name: 'conversion', kind: 'proportion', direction: 'higher_is_better', window_s: 60 }
    await adminOk(
      'PUT',
      `/models/${m}`,
      { risk: 'low', metric_shards: SHARDS, metrics: [{ ...metric, covariate: { header: HEADER } }] },
      201,
    )
    await adminOk('PUT', `/models/${m}/versions/v1`, { backend: { url: inject('upstreamA') } }, 201)
    await adminOk('PUT', `/models/${m}/versions/v2`, { backend: { url: inject('upstreamB') } }, 201)
    await adminConfirmed('POST', `/models/${m}/champion`, { version: 'v1' })
    await adminConfirmed('PUT', `/models/${m}/routing`, { weights: { v1: 50, v2: 50 } })

    const expected: Record<string, { sumX: number; sumXSq: number; sumXY: number; n: number; y: number }> = {}
    // Requests with the unit header are routed by it (sticky): counted per arm for the SRM look.
    const sticky: Record<string, number> = { champion: 0, challenger: 0 }
    const reports: Array<{ request_id: string; metric: string; value: number }> = []
    await Promise.all(
      sent.map(async (s, i) => {
        const headers: Record<string, string> = i % 4 === 3 ? {} : { 'x-unit-id': `unit-${i}` }
        if (s.header !== undefined) headers[HEADER] = s.header
        const res = await infer(m, '/predict', { method: 'POST', headers, body: '{}' })
        expect(res.status).toBe(200)
        await res.text()
        const id = res.headers.get('x-request-id')!
        const arm = res.headers.get('x-model-arm')!
        // The gateway rounds to 6 significant digits and reads anything unreadable as 0.
        const x = parseCovariate(s.header) ?? 0
        expect(id.startsWith(x === 0 ? 'mg3~' : 'mg4~'), id).toBe(true)
        if (i % 4 !== 3) sticky[arm] = (sticky[arm] ?? 0) + 1
        const e = (expected[arm] ??= { sumX: 0, sumXSq: 0, sumXY: 0, n: 0, y: 0 })
        e.n++
        e.sumX += x
        e.sumXSq += x * x
        if (s.outcome !== null) {
          e.sumXY += x * s.outcome
          e.y += s.outcome
          reports.push({ request_id: id, metric: 'conversion', value: s.outcome })
        }
      }),
    )
    expect(Object.keys(expected).sort()).toEqual(['challenger', 'champion'])
    await settle()
    const res = await postOutcomes({ outcomes: reports })
    const body = (await res.json()) as { results: Array<{ status: string }> }
    expect(res.status).toBe(200)
    expect(body.results.map((r) => r.status)).toEqual(reports.map(() => 'accepted'))

    // Read as a gate would, at a clock where every request's window has passed.
    const q = { minEpoch: 0, now: Date.now() + 3 * WINDOW_MS, metrics: [{ name: 'conversion', windowMs: WINDOW_MS }] }
    const parts = await Promise.all(
      Array.from({ length: SHARDS }, (_, s) => shardByName(env.METRICS_SHARD, shardName(m, s)).stageSummary(q)),
    )
    const summary = mergeSummaries(parts)
    for (const [arm, e] of Object.entries(expected)) {
      const rows = [...summary.matured.values()].filter((r) => r.arm === arm && r.metric === 'conversion')
      const got = (f: 'exposures' | 'sum' | 'sumX' | 'sumXSq' | 'sumXY') => rows.reduce((a, r) => a + (r[f] ?? 0), 0)
      expect(got('exposures'), arm).toBe(e.n)
      expect(got('sum'), arm).toBe(e.y)
      expect(got('sumX'), arm).toBeCloseTo(e.sumX, 9)
      expect(got('sumXSq'), arm).toBeCloseTo(e.sumXSq, 9)
      expect(got('sumXY'), arm).toBeCloseTo(e.sumXY, 9)
    }

    const evidence = buildEvidence(
      summary,
      { kind: 'canary', champion: 'v1', challenger: 'v2', weight: 50 },
      [{ name: 'conversion', kind: 'proportion', covariate: true }],
      { stageStartedAt: 0, now: q.now },
    )
    expect(evidence.champion.stickyExposures).toBe(sticky.champion)
    expect(evidence.challenger.stickyExposures).toBe(sticky.challenger)
    expect(evidence.champion.exposures + evidence.challenger.exposures).toBe(sent.length)
    const c = expected.challenger!
    const want = momentsWithCovariate(c.n, c.y, c.y, c.sumX, c.sumXSq, c.sumXY)
    const have = evidence.challenger.outcomes.conversion!
    expect(have.n).toBe(want.n)
    expect(have.x!.mean).toBeCloseTo(want.x!.mean, 9)
    expect(have.x!.m2).toBeCloseTo(want.x!.m2, 9)
    expect(have.x!.c).toBeCloseTo(want.x!.c, 9)
  }, 30_000)

  it('is refused on a mean metric: 400 validation_failed naming metrics.<i>.covariate', async () => {
    const order = { name: 'order_value', kind: 'mean', direction: 'higher_is_better', window_s: 60, cap: 500, floor: 0 }
    const res = await admin('PUT', `/models/${uniqueModel('cupedmean')}`, {
      risk: 'low',
      metrics: [
        { name: 'conversion', kind: 'proportion', direction: 'higher_is_better' },
        { ...order, covariate: { header: HEADER } },
      ],
    })
    expect(res.status).toBe(400)
    const p = await problemOf(res)
    expect(p.code).toBe('validation_failed')
    expect(p.errors.map((e: { field: string }) => e.field)).toEqual(['metrics.1.covariate'])
  })

  it("reaches a canary's gate: the business metric's verdict is CUPED-adjusted", async () => {
    const m = uniqueModel('cupedgate')
    const metric = { name: 'conversion', kind: 'proportion', direction: 'higher_is_better', window_s: 60 }
    await adminOk('PUT', `/models/${m}`, { risk: 'low', metrics: [{ ...metric, covariate: { header: HEADER } }] }, 201)
    await adminOk('PUT', `/models/${m}/versions/v1`, { backend: { url: inject('upstreamA') } }, 201)
    await adminOk('PUT', `/models/${m}/versions/v2`, { backend: { url: inject('upstreamB') } }, 201)
    await adminConfirmed('POST', `/models/${m}/champion`, { version: 'v1' })
    const body = { challenger: 'v2', strategy: 'canary', stages: [50, 100], evaluation: passingReport, ...fastPlan }
    const started = await adminOk('POST', `/models/${m}/rollouts`, body, 201)
    if (started.phase === 'awaiting_approval') await approve(started.id)

    // x in [0, 1) per unit; the outcome follows it (y = 1 when x ≥ 0.5): a strongly predictive covariate.
    const reports: Array<{ request_id: string; metric: string; value: number }> = []
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const x = ((i * 37) % 100) / 100
        const headers = { 'x-unit-id': `gate-${i}`, [HEADER]: String(x) }
        const res = await infer(m, '/predict', { method: 'POST', headers, body: '{}' })
        await res.text()
        reports.push({ request_id: res.headers.get('x-request-id')!, metric: 'conversion', value: x >= 0.5 ? 1 : 0 })
      }),
    )
    await settle()
    expect((await postOutcomes({ outcomes: reports })).status).toBe(200)
    await cron(Date.now() + 3 * WINDOW_MS)
    const r = await rollout(started.id)
    const reasons = r.verdicts.map((v: any) => v.metrics.find((g: any) => g.metric === 'conversion')?.reason)
    expect(
      reasons.some((why: string | undefined) => why?.includes('CUPED: θ =')),
      JSON.stringify(reasons),
    ).toBe(true)
  }, 30_000)

  it('migrates a shard from before covariates: its outcome and matured rows read x = 0', async () => {
    const stub = env.METRICS_SHARD.get(env.METRICS_SHARD.idFromName(shardName(uniqueModel('cupedmig'), 0)))
    await runInDurableObject(stub, async (_instance, state) => {
      const sql = state.storage.sql
      // The tables as first shipped, with a row each, at the schema version before covariates.
      sql.exec('DROP TABLE outcome')
      sql.exec('DROP TABLE matured')
      sql.exec(
        'CREATE TABLE outcome (minute INTEGER, epoch INTEGER, version TEXT, arm TEXT, segment TEXT, metric TEXT, n INTEGER, sum REAL, sum_sq REAL, rev INTEGER NOT NULL, PRIMARY KEY (minute, epoch, version, arm, segment, metric))',
      )
      sql.exec(
        'CREATE TABLE matured (epoch INTEGER, version TEXT, arm TEXT, segment TEXT, metric TEXT, exposures INTEGER, n INTEGER, sum REAL, sum_sq REAL, PRIMARY KEY (epoch, version, arm, segment, metric))',
      )
      sql.exec("INSERT INTO outcome VALUES (1, 1, 'v1', 'champion', '', 'conversion', 2, 1, 1, 1)")
      sql.exec("INSERT INTO matured VALUES (1, 'v1', 'champion', '', 'conversion', 5, 2, 1, 1)")
      sql.exec("UPDATE meta SET v = 2 WHERE k = 'schema'")
      migrateTables(state.storage)
      expect(sql.exec('SELECT sum_x, sum_x_sq, sum_xy FROM outcome').one()).toEqual({
        sum_x: 0,
        sum_x_sq: 0,
        sum_xy: 0,
      })
      const row = sql.exec('SELECT exposures, sum_x, out_sum_x, sum_xy FROM matured').one()
      expect(row).toEqual({ exposures: 5, sum_x: 0, out_sum_x: 0, sum_xy: 0 })
    })
  })
})
