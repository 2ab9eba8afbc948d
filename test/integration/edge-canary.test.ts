/**
 * Edge-located canaries: a cohort rule on the request's location (request.cf). The harness calls
 * the Worker's fetch handler with a Request built here, and workerd keeps the `cf` object given in
 * its RequestInit as `request.cf`; a Request built without one has `request.cf` undefined, as a
 * request that did not come through Cloudflare's edge.
 */
import { describe, expect, inject, it } from 'vitest'
import { adminOk, infer, settle, uniqueModel } from './helpers/harness'
import { approve, cron, fastPlan, passingReport, rollout } from './helpers/rollout'

const MIN = 60_000
const NZ = { country: 'NZ', continent: 'OC', colo: 'AKL' }
const DE = { country: 'DE', continent: 'EU', colo: 'FRA' }
type Origin = 'NZ' | 'DE' | 'none'

async function model(): Promise<string> {
  const name = uniqueModel('edge')
  await adminOk('PUT', `/models/${name}`, { risk: 'medium' }, 201)
  for (const v of ['v1', 'v2']) {
    const upstream = v === 'v1' ? inject('upstreamA') : inject('upstreamB')
    await adminOk('PUT', `/models/${name}/versions/${v}`, { backend: { url: `${upstream}/mode/predict-label-0` } }, 201)
  }
  await adminOk('POST', `/models/${name}/champion`, { version: 'v1' })
  return name
}

/** Sends n requests with fresh units, cycling NZ, DE and no location; counts versions per origin. */
async function trafficFrom(m: string, n: number): Promise<Record<Origin, Record<string, number>>> {
  const counts: Record<Origin, Record<string, number>> = { NZ: {}, DE: {}, none: {} }
  const origins: Origin[] = ['NZ', 'DE', 'none']
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async (_, j) => {
        const k = i + j
        const origin = origins[k % 3] as Origin
        const cf = origin === 'NZ' ? NZ : origin === 'DE' ? DE : undefined
        const res = await infer(m, '/predict', {
          method: 'POST',
          headers: { 'x-unit-id': `edge-${m}-${k}`, 'content-type': 'application/json' },
          body: JSON.stringify({ x: k }),
          ...(cf ? { cf } : {}),
        })
        await res.arrayBuffer()
        const v = res.headers.get('x-model-version') as string
        counts[origin][v] = (counts[origin][v] ?? 0) + 1
      }),
    )
  }
  await settle()
  return counts
}

describe('edge-located canary', () => {
  it("routes only one country's requests to the challenger and judges that cohort against its own control", async () => {
    const m = await model()
    const when = { cf: 'country', in: ['NZ'] }
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      {
        challenger: 'v2',
        strategy: 'feature_flag',
        evaluation: passingReport,
        ...fastPlan,
        cohort: { when, percents: [50], promote: false },
      },
      201,
    )
    await approve(started.id)
    const routing = (await adminOk('GET', `/models/${m}`)).routing
    expect(routing.weights).toEqual({ v1: 100 })
    expect(routing.rules).toEqual([{ when, version: 'v2', percent: 50 }])

    // 900 per origin: the 10% error floor needs 297 clean requests per arm (α_pass 0.025), ~450 here.
    const counts = await trafficFrom(m, 2_700)
    // Half of New Zealand's units reach v2; nobody from Germany or without a location does.
    const nzTotal = (counts.NZ.v1 ?? 0) + (counts.NZ.v2 ?? 0)
    expect(nzTotal).toBe(900)
    expect(Math.abs((counts.NZ.v2 ?? 0) / nzTotal - 0.5)).toBeLessThan(0.1)
    expect(counts.DE).toEqual({ v1: 900 })
    expect(counts.none).toEqual({ v1: 900 })

    await cron(Date.now() + MIN + 1_000)
    const r = await rollout(started.id)
    const v = r.verdicts.at(-1)
    expect(v.decision, v.reason).toBe('PASS')
    // Treatment = NZ units on v2, control = NZ units left on v1: the other 1,800 requests count nowhere.
    const error = v.metrics.find((x: any) => x.metric === 'error_rate')
    expect(error.challenger.n).toBe(counts.NZ.v2)
    expect(error.champion.n).toBe(counts.NZ.v1)
  }, 60_000)

  it('rejects a rule on a location field the runtime does not offer', async () => {
    const m = await model()
    const res = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      {
        challenger: 'v2',
        strategy: 'feature_flag',
        evaluation: passingReport,
        ...fastPlan,
        cohort: { when: { cf: 'city', equals: 'Auckland' }, percents: [50] },
      },
      400,
    )
    expect(res.errors.map((e: any) => e.field)).toContain('cohort.when.cf')
    await settle()
  })
})
