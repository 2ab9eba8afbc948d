import { describe, expect, it } from 'vitest'
import type { RegistryCommand } from '../../../../src/core/registry/commands'
import {
  putVersion,
  setChampion,
  setRouting,
  upsertModel,
  type ModelState,
} from '../../../../src/core/registry/model-state'
import { publishWait, routesTo } from '../../../../src/core/registry/publish-wait'
import { ModelInput } from '../../../../src/schemas/model'

const T0 = '2026-11-26T10:00:00.000Z'
const http = (url: string) => ({ url, timeout_ms: 1000, stream_idle_timeout_ms: 30_000 })
const created = () =>
  upsertModel(null, 'm', ModelInput.parse({ risk: 'low' }), { now: T0, salt: 'salt-abcdefgh' }).state
const put = (version: string): RegistryCommand => ({ type: 'put_version', version, backend: http(`http://${version}`) })
const upsert: RegistryCommand = { type: 'upsert_model', input: ModelInput.parse({ risk: 'low' }) }

/** v1 champion with 90%, v2 10%, v3 shadow, v4 in a cohort rule; v5 registered only. */
function served(): ModelState {
  let s = created()
  for (const v of ['v1', 'v2', 'v3', 'v4', 'v5']) s = putVersion(s, v, http(`http://${v}`), { now: T0 })!.state
  s = setChampion(s, { version: 'v1', keep_weights: false }, { now: T0 }).state
  return setRouting(
    s,
    {
      weights: { v1: 90, v2: 10 },
      rules: [{ when: { header: 'x-tier', equals: 'beta' }, version: 'v4' }],
      shadow: { version: 'v3', sample_rate: 0.5 },
    },
    { now: T0 },
  ).state
}

describe('which admin changes wait for the edge publish', () => {
  it('answers a new model and a version the routing table does not name without waiting', () => {
    expect(publishWait(upsert, created()).wait).toBe(false)
    expect(publishWait(put('v5'), served())).toEqual({
      wait: false,
      reason: 'version v5 gets no traffic until the routing table names it',
    })
    // A version of a model without a routing table yet: nothing routes to it either.
    expect(publishWait(put('v1'), putVersion(created(), 'v1', http('http://v1'), { now: T0 })!.state).wait).toBe(false)
  })

  it('waits for a version the champion, weights, a cohort rule or the shadow names', () => {
    for (const v of ['v1', 'v2', 'v3', 'v4']) expect(publishWait(put(v), served()).wait, v).toBe(true)
  })

  it('waits for routing, champion, rollback and a model update once it has a routing table', () => {
    const s = served()
    expect(publishWait(upsert, s).wait).toBe(true)
    expect(publishWait({ type: 'set_routing', input: { weights: { v1: 100 }, rules: [] } }, s).wait).toBe(true)
    expect(publishWait({ type: 'set_champion', input: { version: 'v2', keep_weights: false } }, s).wait).toBe(true)
    expect(publishWait({ type: 'rollback', reason: 'r' }, s).wait).toBe(true)
  })

  it('names a version routed only by a zero weight as routed (the table still names it)', () => {
    const s = served()
    expect(routesTo({ ...s.routing!, weights: { v1: 100, v5: 0 } }, 'v5')).toBe(true)
    expect(routesTo(null, 'v1')).toBe(false)
  })
})
