/**
 * Which admin writes wait for the edge (core/registry/publish-wait), seen through a KV whose writes
 * take 0.6 s (the fault-injection wrappers; the workers project runs with FAULT_INJECTION=on).
 */
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { setFaultPlan } from '../../src/adapters/faults'
import { currentKey } from '../../src/adapters/kv/routing-snapshot-store'
import { waitFor } from '../support/wait-for'
import { adminOk, uniqueModel } from './helpers/harness'

afterEach(() => setFaultPlan({}))

async function liveEpoch(model: string): Promise<number | null> {
  const live = await env.ROUTING.getWithMetadata<{ epoch?: number }>(currentKey(model))
  return live.metadata?.epoch ?? null
}

async function untilPublished(model: string, epoch: number): Promise<void> {
  await waitFor(`epoch ${epoch} of ${model} in KV`, async () => (await liveEpoch(model)) === epoch, { intervalMs: 100 })
}

describe('admin writes and the edge publish', () => {
  it('answers a version the routing table does not name before its KV write, which follows; a routing change answers once published', async () => {
    const m = uniqueModel('pubwait')
    await adminOk('PUT', `/models/${m}`, { risk: 'low' }, 201)
    await adminOk('PUT', `/models/${m}/versions/v1`, { backend: { url: inject('upstreamA') } }, 201)
    await adminOk('POST', `/models/${m}/champion`, { version: 'v1' })
    const routed = await adminOk('GET', `/models/${m}`)
    await untilPublished(m, routed.epoch)

    setFaultPlan({ kv: { kind: 'delay', delay_ms: 600, methods: ['put'] } })
    const registered = await adminOk('PUT', `/models/${m}/versions/v2`, { backend: { url: inject('upstreamB') } }, 201)
    expect(registered.epoch).toBe(routed.epoch + 1)
    expect(registered.published_epoch).toBeLessThan(registered.epoch)
    expect(await liveEpoch(m)).toBe(routed.epoch)
    await untilPublished(m, registered.epoch)

    const weighted = await adminOk('PUT', `/models/${m}/routing`, { weights: { v1: 95, v2: 5 }, reason: 'test' })
    expect(weighted.epoch).toBe(registered.epoch + 1)
    expect(await liveEpoch(m)).toBe(weighted.epoch)
    // A model that has a routing table: its settings change how requests are served, so it waits too.
    await adminOk('PUT', `/models/${m}`, { risk: 'low', fallback_to_champion: false })
    const view = await adminOk('GET', `/models/${m}`)
    expect(view.published_epoch).toBe(view.epoch)
    expect(await liveEpoch(m)).toBe(view.epoch)
  })
})
