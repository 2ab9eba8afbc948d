import { describe, expect, it } from 'vitest'
import { DomainError } from '../../../../src/core/errors'
import { ModelInput } from '../../../../src/schemas/model'
import { RoutingSnapshot } from '../../../../src/schemas/routing'
import {
  putVersion,
  rollback,
  setChampion,
  setRouting,
  toSnapshot,
  upsertModel,
  type ModelState,
} from '../../../../src/core/registry/model-state'
import { routingProblems } from '../../../../src/core/registry/routing-table'

const T = '2026-11-26T10:00:00.000Z'
const http = (url: string) => ({ url, timeout_ms: 1000, stream_idle_timeout_ms: 30_000 })

function base(): ModelState {
  let s = upsertModel(null, 'm', ModelInput.parse({ risk: 'medium' }), { now: T, salt: 'salt-abcdefgh' }).state
  s = putVersion(s, 'v1', http('http://a'), { now: T })!.state
  s = putVersion(s, 'v2', http('http://b'), { now: T })!.state
  return setChampion(s, { version: 'v1', keep_weights: false }, { now: T }).state
}

function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    if (e instanceof DomainError) return e.code
    throw e
  }
  return 'no error'
}

describe('model state transitions', () => {
  it('bumps the epoch by exactly one per change, starting at 1', () => {
    const s = base()
    expect(s.epoch).toBe(4) // create, v1, v2, champion
    expect(setRouting(s, { weights: { v1: 90, v2: 10 }, rules: [] }, { now: T }).state.epoch).toBe(5)
  })

  it('keeps the salt for the life of the model (stickiness survives settings changes)', () => {
    const s = base()
    const updated = upsertModel(
      s,
      'm',
      ModelInput.parse({ risk: 'high', unit_header: 'x-user', fallback_to_champion: false }),
      { now: T, salt: 'another-salt' },
    ).state
    expect(updated.salt).toBe(s.salt)
    expect(updated.routing).toEqual(s.routing)
  })

  it('switching the champion is an atomic 100% switch that remembers the previous champion', () => {
    const s = setChampion(base(), { version: 'v2', keep_weights: false }, { now: T }).state
    expect(s.routing!.weights).toEqual({ v2: 100 })
    expect(s.previous_champion).toBe('v1')
  })

  it('freezes versions the routing table exposes, including shadow targets', () => {
    let s = base()
    expect(s.versions.v2!.first_exposed_epoch).toBeNull()
    s = setRouting(
      s,
      { weights: { v1: 100 }, rules: [], shadow: { version: 'v2', sample_rate: 0.1 } },
      { now: T },
    ).state
    expect(s.versions.v2!.first_exposed_epoch).toBe(s.epoch)
    expect(codeOf(() => putVersion(s, 'v2', http('http://other'), { now: T }))).toBe('version_immutable')
    expect(putVersion(s, 'v2', http('http://b'), { now: T })).toBeNull() // identical: no-op
  })

  it('lists every routing problem at once', () => {
    const s = base()
    const problems = routingProblems(s, {
      champion: 'v1',
      weights: { v1: 50, v9: 20 },
      rules: [{ when: { header: 'x', equals: 'y' }, version: 'v8' }],
      shadow: { version: 'v1', sample_rate: 1 },
    })
    expect(problems.map((p) => p.field)).toEqual(['weights.v9', 'weights', 'rules.0.version', 'shadow.version'])
  })

  it('drops zero weights so the published table only names versions that get traffic', () => {
    const s = setRouting(base(), { weights: { v1: 100, v2: 0 }, rules: [] }, { now: T }).state
    expect(s.routing!.weights).toEqual({ v1: 100 })
    expect(s.versions.v2!.first_exposed_epoch).toBeNull()
  })

  it('rolls back to 100% champion and clears rules and shadow', () => {
    let s = setRouting(
      base(),
      { weights: { v1: 50, v2: 50 }, rules: [{ when: { header: 'x', equals: 'y' }, version: 'v2' }], shadow: null },
      { now: T },
    ).state
    const t = rollback(s, 'champion', { now: T, reason: 'error spike' })
    expect(t.state.routing).toEqual({ champion: 'v1', weights: { v1: 100 }, rules: [], shadow: null })
    expect(t.change).toMatchObject({ action: 'routing.rollback', reason: 'error spike' })
    expect((t.change.before as any).weights).toEqual({ v1: 50, v2: 50 })
    s = t.state
    expect(codeOf(() => rollback(s, 'previous_champion', { now: T, reason: 'x' }))).toBe('conflict')
  })

  it('refuses routing before a champion and unknown champions', () => {
    const s = upsertModel(null, 'm', ModelInput.parse({ risk: 'low' }), { now: T, salt: 'salt-abcdefgh' }).state
    expect(codeOf(() => setRouting(s, { weights: { v1: 100 }, rules: [] }, { now: T }))).toBe('conflict')
    expect(codeOf(() => setChampion(s, { version: 'v1', keep_weights: false }, { now: T }))).toBe('validation_failed')
    expect(codeOf(() => rollback(s, 'champion', { now: T, reason: 'x' }))).toBe('conflict')
  })

  it('publishes a snapshot with everything the data plane needs', () => {
    const snap = toSnapshot(base(), { actor: 'operator', reason: 'r', now: T })
    expect(snap).toMatchObject({
      schema: 1,
      model: 'm',
      epoch: 4,
      // New models route by hash v2's stored layout (docs/routing.md): the champion owns every bucket.
      hash_version: 2,
      segments: { v1: [[0, 10_000]] },
      salt: 'salt-abcdefgh',
      unit_header: 'x-unit-id',
    })
    expect(RoutingSnapshot.parse(snap)).toEqual(snap)
    const fresh = upsertModel(null, 'n', ModelInput.parse({ risk: 'low' }), { now: T, salt: 'salt-abcdefgh' }).state
    expect(toSnapshot(fresh, { actor: 'operator', reason: 'r', now: T })).toMatchObject({
      hash_version: 2,
      routing: null,
    })
    expect(Object.keys(snap.versions)).toEqual(['v1', 'v2'])
  })
})
