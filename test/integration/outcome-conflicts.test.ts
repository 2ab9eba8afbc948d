/**
 * Contradicted outcomes (docs/statistics.md §10.6): a second report for a request and metric with
 * another value is answered `conflict` (the first value stays), counted per arm, exported to
 * Prometheus, shown beside the gate's numbers, and above the threshold it halts the rollout for a
 * human instead of letting whoever reported first steer the gates.
 */
import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { describe, expect, inject, it } from 'vitest'
import { shardName, shardOf } from '../../src/core/metrics/shards'
import { migrateTables, SHARD_SCHEMA_VERSION } from '../../src/durable-objects/metrics-shard/tables'
import { admin, adminConfirmed, adminOk, infer, postOutcomes, settle, uniqueModel } from './helpers/harness'
import { approve, cron, fastPlan, passingReport, rollout } from './helpers/rollout'

const MIN = 60_000
const METRIC = 'repaid'
const METRICS = [{ name: METRIC, kind: 'proportion', direction: 'higher_is_better', window_s: 600 }]

async function modelWithMetric(): Promise<string> {
  const model = uniqueModel('conf')
  await adminOk('PUT', `/models/${model}`, { risk: 'low', metrics: METRICS }, 201)
  await adminOk('PUT', `/models/${model}/versions/v1`, { backend: { url: inject('upstreamA') } }, 201)
  await adminOk('PUT', `/models/${model}/versions/v2`, { backend: { url: inject('upstreamB') } }, 201)
  await adminConfirmed('POST', `/models/${model}/champion`, { version: 'v1' })
  return model
}

interface Served {
  id: string
  version: string
  arm: string
}

/** `n` answered requests with fresh units, and who served each. */
async function serve(model: string, n: number): Promise<Served[]> {
  const served: Served[] = []
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async (_, j) => {
        const res = await infer(model, '/predict', {
          method: 'POST',
          headers: { 'x-unit-id': `${model}-${i + j}`, 'content-type': 'application/json' },
          body: JSON.stringify({ x: i + j }),
        })
        await res.arrayBuffer()
        served.push({
          id: res.headers.get('x-request-id') as string,
          version: res.headers.get('x-model-version') as string,
          arm: res.headers.get('x-model-arm') as string,
        })
      }),
    )
  }
  await settle()
  return served
}

async function report(outcomes: Array<{ request_id: string; value: unknown }>): Promise<any> {
  const res = await postOutcomes({ outcomes: outcomes.map((o) => ({ ...o, metric: METRIC })) })
  const text = await res.text()
  expect(res.status, text).toBe(200)
  return JSON.parse(text)
}

/** modelgate_outcome_conflicts_total of `model`, keyed `version|arm|metric`. */
async function conflictCounters(model: string): Promise<Record<string, number>> {
  const families = parsePrometheusTextFormat(await (await admin('GET', '/metrics')).text()) as Array<{
    name: string
    type: string
    metrics: Array<{ labels: Record<string, string>; value: string }>
  }>
  const family = families.find((f) => f.name === 'modelgate_outcome_conflicts_total')
  expect(family?.type).toBe('COUNTER')
  const out: Record<string, number> = {}
  for (const m of family?.metrics ?? [])
    if (m.labels.model === model) out[`${m.labels.version}|${m.labels.arm}|${m.labels.metric}`] = Number(m.value)
  return out
}

describe('POST /v1/outcomes: a contradicting report', () => {
  it('is a conflict (first value kept), the same value again a duplicate, and Prometheus counts each request once', async () => {
    const model = await modelWithMetric()
    const [a, b] = await serve(model, 2)
    const key = `${a!.version}|${a!.arm}|${METRIC}`

    const first = await report([{ request_id: a!.id, value: 1 }])
    expect(first).toMatchObject({ accepted: 1, duplicates: 0, conflicts: 0 })
    expect(await conflictCounters(model)).toEqual({ [key]: 0 })

    const contradicted = await report([{ request_id: a!.id, value: 0 }])
    expect(contradicted).toMatchObject({ accepted: 0, duplicates: 0, conflicts: 1, rejected: 0 })
    expect(contradicted.results).toEqual([{ request_id: a!.id, status: 'conflict', metric: METRIC }])
    expect(await conflictCounters(model)).toEqual({ [key]: 1 })

    const again = await report([{ request_id: a!.id, value: 1 }])
    expect(again.results.map((r: any) => r.status)).toEqual(['duplicate'])
    // Every contradicting report is answered as one, but a request is counted once.
    expect((await report([{ request_id: a!.id, value: false }])).results.map((r: any) => r.status)).toEqual([
      'conflict',
    ])
    expect(await conflictCounters(model)).toEqual({ [key]: 1 })

    // Within one batch too: the first report of a request counts, a contradicting one is refused.
    const batch = await report([
      { request_id: b!.id, value: true },
      { request_id: b!.id, value: 0 },
    ])
    expect(batch.results.map((r: any) => r.status)).toEqual(['accepted', 'conflict'])
    // No rollout: the champion served both.
    expect(`${b!.version}|${b!.arm}|${METRIC}`).toBe(key)
    expect(await conflictCounters(model)).toEqual({ [key]: 2 })
  })

  it('answers duplicate where the shard stored no first value (rows from before values were kept)', async () => {
    const model = await modelWithMetric()
    const [old, fresh] = await serve(model, 2)
    const shardOfId = (id: string) =>
      env.METRICS_SHARD.get(env.METRICS_SHARD.idFromName(shardName(model, shardOf(id, 4))))
    // A shard as it was before the migration: `seen` without the new columns, holding one request.
    await report([{ request_id: old!.id, value: 1 }])
    await runInDurableObject(shardOfId(old!.id), async (_instance, state) => {
      const sql = state.storage.sql
      const row = sql.exec<{ minute: number }>('SELECT minute FROM seen WHERE request_id = ?', old!.id).one()
      sql.exec('DROP TABLE seen')
      sql.exec('CREATE TABLE seen (request_id TEXT, metric TEXT, minute INTEGER, PRIMARY KEY (request_id, metric))')
      sql.exec('INSERT INTO seen (request_id, metric, minute) VALUES (?, ?, ?)', old!.id, METRIC, row.minute)
      sql.exec("DELETE FROM meta WHERE k = 'schema'")
      migrateTables(state.storage)
      // Counted by hand in metrics-shard/tables.ts (MIGRATIONS): a new migration must bump this.
      expect(sql.exec("SELECT v FROM meta WHERE k = 'schema'").one().v).toBe(10)
      expect(SHARD_SCHEMA_VERSION).toBe(10)
    })
    expect((await report([{ request_id: old!.id, value: 0 }])).results.map((r: any) => r.status)).toEqual(['duplicate'])
    const after = await report([
      { request_id: fresh!.id, value: 0 },
      { request_id: fresh!.id, value: 1 },
    ])
    expect(after.results.map((r: any) => r.status)).toEqual(['accepted', 'conflict'])
  })
})

describe('contradicted outcomes in a rollout', () => {
  /**
   * A 50% canary whose challenger requests all get outcome 1, then 0 for 25 of them: a reporter
   * that spoke first, contradicted later by the business system.
   */
  async function contradictedCanary(canaryGates: Record<string, unknown> = {}) {
    const model = await modelWithMetric()
    const started = await adminOk(
      'POST',
      `/models/${model}/rollouts`,
      {
        challenger: 'v2',
        strategy: 'canary',
        stages: [50, 100],
        evaluation: passingReport,
        ...fastPlan,
        gates: { ...fastPlan.gates, canary: { ...fastPlan.gates.canary, ...canaryGates } },
      },
      201,
    )
    await approve(started.id)
    const served = await serve(model, 240)
    const challenger = served.filter((s) => s.version === 'v2')
    expect(challenger.length).toBeGreaterThan(60)
    await report(served.map((s) => ({ request_id: s.id, value: 1 })))
    const contradicted = await report(challenger.slice(0, 25).map((s) => ({ request_id: s.id, value: 0 })))
    expect(contradicted.conflicts).toBe(25)
    await cron(Date.now() + MIN + 1_000)
    return { r: await rollout(started.id), accepted: challenger.length }
  }

  it('above the threshold: HALT naming the metric, arm and rate; halted for a human, routing unchanged', async () => {
    const { r, accepted } = await contradictedCanary()
    const v = r.verdicts.at(-1)
    expect(v.decision, v.reason).toBe('HALT')
    expect(v.reason).toContain(`outcome_conflicts: ${METRIC} on the challenger arm: 25 of ${accepted}`)
    expect(r.phase).toBe('halted')
    expect(r.phase_description).toContain('contradicted outcomes')
    expect(r.events.at(-1)).toMatchObject({ type: 'halted', reason: expect.stringContaining('outcome_conflicts') })
    expect(r.allowed_actions).toContain('resume')
    expect(r.allowed_actions).not.toContain('promote')
    const m = v.metrics.find((x: any) => x.metric === METRIC)
    expect(m.challenger).toMatchObject({ conflicts: 25, conflict_rate: 25 / accepted })
    expect(m.champion).toMatchObject({ conflicts: 0, conflict_rate: 0 })
    expect(r.config.gates.canary).toMatchObject({ max_conflict_rate: 0.01, min_conflicts: 20 })
    expect((await adminOk('GET', `/models/${r.model}`)).routing.weights).toEqual({ v1: 50, v2: 50 })
  }, 60_000)

  it('below the threshold: the stage goes on, with the conflicts beside the numbers', async () => {
    const { r, accepted } = await contradictedCanary({ max_conflict_rate: 0.5 })
    const v = r.verdicts.at(-1)
    expect(v.decision, v.reason).not.toBe('HALT')
    expect(r.phase).toBe('progressing')
    const m = v.metrics.find((x: any) => x.metric === METRIC)
    expect(m.challenger).toMatchObject({ conflicts: 25, conflict_rate: 25 / accepted })
    expect(r.config.gates.canary).toMatchObject({ max_conflict_rate: 0.5 })
  }, 60_000)
})
