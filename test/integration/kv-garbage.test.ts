/**
 * A routing snapshot in KV that is not one (unparsable, or JSON that fails the snapshot schema) is
 * treated like a KV failure by the real read (src/adapters/kv/routing-snapshot-store.ts), never
 * routed on: an isolate with nothing good cached answers 503 `snapshot_unavailable`, and serves
 * again once the coordinator publishes a valid snapshot.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, inject, it } from 'vitest'
import { currentKey } from '../../src/adapters/kv/routing-snapshot-store'
import { isolateOf } from '../../src/compose'
import { adminOk, infer, problemOf, settle, uniqueModel } from './helpers/harness'

async function servingModel(): Promise<string> {
  const m = uniqueModel('kvjunk')
  await adminOk('PUT', `/models/${m}`, { risk: 'low' }, 201)
  await adminOk('PUT', `/models/${m}/versions/v1`, { backend: { url: `${inject('upstreamA')}/mode/echo` } }, 201)
  await adminOk('PUT', `/models/${m}/versions/v2`, { backend: { url: `${inject('upstreamB')}/mode/echo` } }, 201)
  await adminOk('POST', `/models/${m}/champion`, { version: 'v1' })
  return m
}

describe('a routing snapshot in KV that fails to parse or validate', () => {
  it.each([
    ['unparsable text', '{"model": "half a snapshot'],
    ['JSON of the wrong shape', JSON.stringify({ model: 'x', epoch: 'seven', weights: { v1: 2 } })],
  ])(
    '%s: a cold isolate answers 503 snapshot_unavailable, then serves the next valid snapshot',
    async (_kind, junk) => {
      const m = await servingModel()
      const good = await infer(m)
      expect(good.status).toBe(200)
      await good.arrayBuffer()

      await env.ROUTING.put(currentKey(m), junk)
      isolateOf(env).snapshots.clear()
      const res = await infer(m)
      expect(await problemOf(res)).toMatchObject({ status: 503, code: 'snapshot_unavailable' })

      // A routing change republishes a valid snapshot; once the cached failure is dropped, it serves.
      await adminOk('PUT', `/models/${m}/routing`, { weights: { v1: 50, v2: 50 } })
      await settle()
      isolateOf(env).snapshots.clear()
      const again = await infer(m)
      expect(again.status).toBe(200)
      expect(['v1', 'v2']).toContain(again.headers.get('x-model-version'))
      await again.arrayBuffer()
    },
  )
})
