import { buildServices } from '../../src/compose'
import { env } from 'cloudflare:workers'
import { describe, expect, inject, it } from 'vitest'
import { signRequestId } from '../../src/core/attribution/request-token'
import { quantile, relativeError } from '../../src/core/stats/histogram'
import { sumWhere } from '../../src/core/metrics/summary'
import {
  admin,
  adminConfirmed,
  adminOk,
  infer,
  postOutcomes,
  problemOf,
  setupModel,
  settle,
  uniqueModel,
} from './helpers/harness'
import { exactQuantile, requestsOf, serverTiming, summary } from './helpers/measure'

async function drive(model: string, n: number, parallel = 64, body?: (i: number) => string) {
  const counts: Record<string, number> = {}
  const latencies: number[] = []
  const ids: Array<{ id: string; version: string }> = []
  for (let i = 0; i < n; i += parallel) {
    await Promise.all(
      Array.from({ length: Math.min(parallel, n - i) }, async (_, j) => {
        const k = i + j
        const res = await infer(model, '/predict', {
          method: 'POST',
          headers: { 'x-unit-id': `unit-${k}`, 'content-type': 'application/json' },
          body: body ? body(k) : JSON.stringify({ x: k }),
        })
        await res.arrayBuffer()
        const v = res.headers.get('x-model-version') as string
        counts[v] = (counts[v] ?? 0) + 1
        latencies.push(serverTiming(res))
        ids.push({ id: res.headers.get('x-request-id') as string, version: v })
      }),
    )
  }
  await settle()
  return { counts, latencies, ids }
}

describe('per-request recording', () => {
  it('records exactly one measurement per client response, per version, and p99 within 1.1%', async () => {
    const model = uniqueModel('noloss')
    await setupModel(model, {
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
      weights: { v1: 70, v2: 30 },
    })
    const { counts, latencies } = await drive(model, 4_000)
    const s = await summary(model)
    expect(requestsOf(s, 'v1')).toBe(counts.v1)
    expect(requestsOf(s, 'v2')).toBe(counts.v2)
    const all = sumWhere(s, (r) => r.arm !== 'shadow')
    expect(all.latency.count).toBe(4_000)
    const exact = exactQuantile(latencies, 0.99)
    const est = quantile(all.latency, 0.99)
    expect(Math.abs(est - exact) / exact).toBeLessThanOrEqual(Math.max(0.011, relativeError(all.latency.scale)))
  }, 60_000)

  it('attributes a fallback to the failing version as an error and to the champion as the answer', async () => {
    const model = uniqueModel('fbrec')
    await setupModel(model, {
      versions: { v1: inject('upstreamA'), v2: `${inject('upstreamB')}/mode/status-503` },
      champion: 'v1',
      weights: { v2: 100 },
    })
    await drive(model, 20)
    const s = await summary(model)
    const v1 = sumWhere(s, (r) => r.version === 'v1')
    const v2 = sumWhere(s, (r) => r.version === 'v2')
    expect(v1.requests).toBe(20)
    expect(v1.fallbackAnswers).toBe(20)
    expect(v2.failedAttempts).toBe(20)
  })

  it('rolls minutes up into D1 idempotently and serves per-arm series', async () => {
    const model = uniqueModel('series')
    await setupModel(model, {
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
      weights: { v1: 50, v2: 50 },
    })
    const { counts } = await drive(model, 300)
    await buildServices(env).scheduled(Date.now())
    await buildServices(env).scheduled(Date.now()) // a second tick must not double anything
    const res = await adminOk('GET', `/models/${model}/metrics?from=-10m&step=600`)
    const byVersion = Object.fromEntries(
      res.series.map((s: any) => [s.version, s.points.reduce((a: number, p: any) => a + p.requests, 0)]),
    )
    expect(byVersion).toEqual({ v1: counts.v1, v2: counts.v2 })
    const point = res.series[0].points.find((p: any) => p.requests > 0)
    expect(point.error_rate).toBe(0)
    expect(point.p99_ms).toBeGreaterThanOrEqual(point.p50_ms)
  })
})

describe('metrics query validation', () => {
  it.each([
    ['a relative time beyond the calendar', 'from=-200000001d&to=-200000000d', 'query.to'],
    ['unix ms beyond the year 9999', 'from=1&to=999999999999999', 'query.to'],
    ['a step that is not whole minutes', 'from=-1h&step=90', 'query.step'],
    ['from after to within one minute', 'from=2026-11-20T12:00:50Z&to=2026-11-20T12:00:10Z', 'query.from'],
    ['a time that is not one', 'from=yesterday', 'query.from'],
  ])('answers %s with a 400 naming the field', async (_label, query, field) => {
    const model = uniqueModel('mq')
    await adminOk('PUT', `/models/${model}`, { risk: 'low' }, 201)
    const res = await admin('GET', `/models/${model}/metrics?${query}`)
    expect(res.status).toBe(400)
    const p = await problemOf(res)
    expect(p.code).toBe('validation_failed')
    expect(p.errors.map((e: any) => e.field)).toContain(field)
  })
})

describe('business outcomes', () => {
  const METRICS = [
    { name: 'repaid', kind: 'proportion', direction: 'higher_is_better', window_s: 600, positive_labels: ['repaid'] },
    { name: 'revenue', kind: 'mean', direction: 'higher_is_better', window_s: 600, cap: 100, floor: 0 },
  ]

  async function modelWithMetrics(opts: { v2?: string; shards?: number } = {}) {
    const model = uniqueModel('outcome')
    await adminOk(
      'PUT',
      `/models/${model}`,
      { risk: 'medium', metrics: METRICS, ...(opts.shards ? { metric_shards: opts.shards } : {}) },
      201,
    )
    await adminOk('PUT', `/models/${model}/versions/v1`, { backend: { url: inject('upstreamA') } }, 201)
    await adminOk('PUT', `/models/${model}/versions/v2`, { backend: { url: opts.v2 ?? inject('upstreamB') } }, 201)
    await adminOk('POST', `/models/${model}/champion`, { version: 'v1' })
    // Half the traffic off the champion of a medium-risk model: the approver confirms it.
    await adminConfirmed('PUT', `/models/${model}/routing`, { weights: { v1: 50, v2: 50 } })
    return model
  }

  it('accepts valid ids, rejects forged, malformed and expired ones with a reason, and counts duplicates once', async () => {
    const model = await modelWithMetrics()
    const { ids } = await drive(model, 40)
    const valid = ids[0]!.id
    const forged = valid.slice(0, -4) + (valid.endsWith('AAAA') ? 'BBBB' : 'AAAA')
    // Claim the other arm while keeping the original signature.
    const tampered = valid.replace(/~(c|h)-~/, (_m, a) => (a === 'c' ? '~h-~' : '~c-~'))
    const old = await signRequestId(buildServices(env).settings.requestIdSecret!, {
      model,
      version: 'v1',
      arm: 'champion',
      cohort: false,
      epoch: 1,
      at: Date.now() - 3_600_000,
      shards: 4,
    })
    const res = await postOutcomes({
      outcomes: [
        { request_id: valid, value: 'repaid' },
        { request_id: valid, value: 'repaid' },
        { request_id: forged, value: 'repaid' },
        { request_id: tampered, value: 'repaid' },
        { request_id: 'req_not-a-token', value: 1 },
        { request_id: old, value: 'repaid' },
        { request_id: ids[1]!.id, value: 'repaid', metric: 'nope' },
        { request_id: ids[1]!.id, value: 'a lot', metric: 'revenue' },
      ],
    })
    expect(res.status).toBe(200)
    const report = (await res.json()) as any
    expect(
      report.results.map((r: any) => (r.status === 'rejected' ? r.reason : r.status)),
      JSON.stringify(report.results, null, 1),
    ).toEqual([
      'accepted',
      'duplicate',
      'invalid_signature',
      'invalid_signature',
      'malformed_request_id',
      'outside_attribution_window',
      'unknown_metric',
      'invalid_value',
    ])
    expect(report).toMatchObject({ accepted: 1, duplicates: 1, rejected: 6 })
  })

  it('keeps per-arm outcome statistics equal to what was sent, counting matured requests only', async () => {
    const model = await modelWithMetrics()
    const { ids } = await drive(model, 200)
    const sent: Record<string, { n: number; positives: number; revenue: number[] }> = {
      v1: { n: 0, positives: 0, revenue: [] },
      v2: { n: 0, positives: 0, revenue: [] },
    }
    const items: any[] = []
    ids.forEach(({ id, version }, i) => {
      if (i % 4 === 3) return // some requests never get an outcome
      const repaid = i % 3 !== 0
      items.push({ request_id: id, value: repaid ? 'repaid' : 'defaulted', metric: 'repaid' })
      const rev = (i % 7) * 30 // some above the cap of 100
      items.push({ request_id: id, value: rev, metric: 'revenue' })
      sent[version]!.n++
      if (repaid) sent[version]!.positives++
      sent[version]!.revenue.push(Math.min(rev, 100))
    })
    const report = (await (await postOutcomes({ outcomes: items })).json()) as any
    expect(report.accepted).toBe(items.length)
    const metrics = [
      { name: 'repaid', windowMs: 600_000 },
      { name: 'revenue', windowMs: 600_000 },
    ]
    // Not matured yet: nothing counts for gates.
    const early = await summary(model, { metrics })
    expect([...early.matured.values()].filter((r) => r.n > 0)).toEqual([])
    // Eleven minutes later every request has matured.
    const later = await summary(model, { metrics, now: Date.now() + 11 * 60_000 })
    for (const v of ['v1', 'v2']) {
      const armName = v === 'v1' ? 'champion' : 'challenger'
      const repaid = later.matured.get(`${v}|${armName}||repaid`)!
      const revenue = later.matured.get(`${v}|${armName}||revenue`)!
      expect(repaid.exposures).toBe(ids.filter((x) => x.version === v).length)
      expect(repaid.n).toBe(sent[v]!.n)
      expect(repaid.sum).toBe(sent[v]!.positives)
      expect(revenue.n).toBe(sent[v]!.n)
      expect(revenue.sum).toBe(sent[v]!.revenue.reduce((a, b) => a + b, 0))
      expect(revenue.sumSq).toBe(sent[v]!.revenue.reduce((a, b) => a + b * b, 0))
    }
    // Once folded, a late outcome for those requests is refused, not silently lost.
    const late = (await (
      await postOutcomes({ request_id: ids[3]!.id, value: 'repaid', metric: 'repaid' })
    ).json()) as any
    expect(late.results[0]).toMatchObject({ status: 'rejected', reason: 'outside_attribution_window' })
  })

  it('credits the outcome of a rescued request to the arm it was assigned to, where its exposure is', async () => {
    const model = await modelWithMetrics({ v2: `${inject('upstreamB')}/mode/status-503` })
    const { ids } = await drive(model, 40)
    expect(new Set(ids.map((x) => x.version))).toEqual(new Set(['v1'])) // the champion answered every one
    const assigned = (id: string) => id.split('~')[2]
    const rescued = ids.filter((x) => assigned(x.id) === 'v2').length
    expect(rescued).toBeGreaterThan(0)
    const report = (await (
      await postOutcomes({ outcomes: ids.map(({ id }) => ({ request_id: id, value: 'repaid', metric: 'repaid' })) })
    ).json()) as any
    expect(report.accepted).toBe(40)
    const later = await summary(model, {
      metrics: [{ name: 'repaid', windowMs: 600_000 }],
      now: Date.now() + 11 * 60_000,
    })
    const champion = later.matured.get('v1|champion||repaid')!
    const challenger = later.matured.get('v2|challenger||repaid')!
    expect([challenger.exposures, challenger.n, challenger.sum]).toEqual([rescued, rescued, rescued])
    expect([champion.exposures, champion.n, champion.sum]).toEqual([40 - rescued, 40 - rescued, 40 - rescued])
  })

  it('still counts a repeated outcome once after the metric shard count grew', async () => {
    const model = await modelWithMetrics({ shards: 1 })
    const { ids } = await drive(model, 20)
    const items = ids.map(({ id }) => ({ request_id: id, value: 'repaid', metric: 'repaid' }))
    expect(((await (await postOutcomes({ outcomes: items })).json()) as any).accepted).toBe(20)
    await adminOk('PUT', `/models/${model}`, { risk: 'medium', metrics: METRICS, metric_shards: 8 })
    const again = (await (await postOutcomes({ outcomes: items })).json()) as any
    expect(again).toMatchObject({ accepted: 0, duplicates: 20 })
    const later = await summary(model, {
      metrics: [{ name: 'repaid', windowMs: 600_000 }],
      now: Date.now() + 11 * 60_000,
      shards: 8,
    })
    expect([...later.matured.values()].reduce((a, r) => a + r.n, 0)).toBe(20)
  })

  it('rejects a malformed body with 400 problem+json', async () => {
    const res = await postOutcomes({ outcomes: [] })
    expect(res.status).toBe(400)
    // problemOf checks the problem+json content type, the status in the body and the request id.
    const p = await problemOf(res)
    expect(p.code).toBe('validation_failed')
    expect(p.request_id).toMatch(/\S/)
    expect(p.errors.map((e: { field: string }) => e.field)).toContain('outcomes')
  })
})
