import { describe, expect, inject, it } from 'vitest'
import { adminConfirmed, infer, setupModel, uniqueModel } from './helpers/harness'

/** Sends one request per unit, `parallel` at a time; returns unit → version. */
async function routeUnits(
  model: string,
  units: string[],
  headers: (u: string) => Record<string, string> = () => ({}),
  parallel = 64,
): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (let i = 0; i < units.length; i += parallel) {
    const batch = units.slice(i, i + parallel)
    const versions = await Promise.all(
      batch.map(async (u) => {
        const res = await infer(model, '/predict', { headers: { 'x-unit-id': u, ...headers(u) } })
        await res.body?.cancel()
        expect(res.status).toBe(200)
        return res.headers.get('x-model-version') as string
      }),
    )
    batch.forEach((u, j) => out.set(u, versions[j] as string))
  }
  return out
}

describe('sticky weighted split through the gateway (acceptance 2)', () => {
  it('splits 10,000 units 90/10 within 1 pp, keeps each unit, and 10 → 50 moves nobody off v2', async () => {
    const model = uniqueModel('split')
    await setupModel(model, {
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
      weights: { v1: 90, v2: 10 },
    })
    const units = Array.from({ length: 10_000 }, (_, i) => `user-${i}`)
    const first = await routeUnits(model, units)
    const onV2 = [...first.values()].filter((v) => v === 'v2').length
    expect(Math.abs(onV2 / units.length - 0.1)).toBeLessThan(0.01)

    const sample = units.filter((_, i) => i % 10 === 0)
    const again = await routeUnits(model, sample)
    for (const u of sample) expect(again.get(u)).toBe(first.get(u))

    // 50% off the champion of a medium-risk model: the approver confirms it (two-person.test.ts).
    await adminConfirmed('PUT', `/models/${model}/routing`, { weights: { v1: 50, v2: 50 } })
    const wasOnV2 = units.filter((u) => first.get(u) === 'v2')
    const after = await routeUnits(model, wasOnV2)
    for (const u of wasOnV2) expect(after.get(u), `${u} flipped back`).toBe('v2')
  }, 120_000)
})

describe('cohort rules through the gateway (acceptance 3)', () => {
  it("sends every matching request to the rule's version and no other request", async () => {
    const model = uniqueModel('cohort')
    await setupModel(model, {
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB'), v3: `${inject('upstreamB')}/mode/echo` },
      champion: 'v1',
      weights: { v1: 80, v2: 20 },
      rules: [{ when: { header: 'x-tenant', in: ['acme', 'globex'] }, version: 'v3' }],
    })
    const units = Array.from({ length: 1_500 }, (_, i) => `u-${i}`)
    const tenant = (u: string) => ['acme', 'globex', 'initech'][Number(u.slice(2)) % 3] as string
    const routed = await routeUnits(model, units, (u) => ({ 'x-tenant': tenant(u) }))
    for (const u of units) {
      const matching = tenant(u) !== 'initech'
      if (matching) expect(routed.get(u)).toBe('v3')
      else expect(routed.get(u)).not.toBe('v3')
    }
  }, 60_000)
})
