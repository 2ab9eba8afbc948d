import { describe, expect, it } from 'vitest'
import { DomainError } from '../../../../src/core/errors'
import { ModelInput } from '../../../../src/schemas/model'
import {
  putVersion,
  rollback,
  setChampion,
  upsertModel,
  type ModelState,
} from '../../../../src/core/registry/model-state'
import { resolveRollbackTarget, rollbackPreview, rollbackTargetOf } from '../../../../src/core/registry/rollback-target'

const T0 = '2026-11-26T10:00:00.000Z'
const PROMOTED = '2026-11-26T12:00:00.000Z'
const HOUR = 3_600_000
const WEEK = 7 * 24 * HOUR
const http = (url: string) => ({ url, timeout_ms: 1000, stream_idle_timeout_ms: 30_000 })
const at = (iso: string, plusMs = 0) => Date.parse(iso) + plusMs

/** v1 champion since T0, then v2 promoted at PROMOTED. */
function promoted(): ModelState {
  let s = upsertModel(null, 'm', ModelInput.parse({ risk: 'low' }), { now: T0, salt: 'salt-abcdefgh' }).state
  s = putVersion(s, 'v1', http('http://a'), { now: T0 })!.state
  s = putVersion(s, 'v2', http('http://b'), { now: T0 })!.state
  s = setChampion(s, { version: 'v1', keep_weights: false }, { now: T0 }).state
  return setChampion(s, { version: 'v2', keep_weights: false }, { now: PROMOTED }).state
}

function refusal(fn: () => unknown): DomainError {
  try {
    fn()
  } catch (e) {
    if (e instanceof DomainError) return e
    throw e
  }
  throw new Error('no refusal')
}

describe('the previous champion as a rollback target', () => {
  it('is the target from the promotion until the window ends', () => {
    const s = promoted()
    expect(s.champion_since).toBe(PROMOTED)
    const during = rollbackTargetOf(s, at(PROMOTED, 2 * HOUR), WEEK)
    expect(during).toEqual({
      version: 'v1',
      promotedAt: PROMOTED,
      expiresAt: new Date(at(PROMOTED, WEEK)).toISOString(),
      live: true,
    })
    expect(rollbackTargetOf(s, at(PROMOTED, WEEK), WEEK)?.live).toBe(false)
  })

  it('without a target named: the previous champion while live, the champion after the window', () => {
    const s = promoted()
    expect(resolveRollbackTarget(s, undefined, at(PROMOTED, HOUR), WEEK)).toBe('previous_champion')
    expect(resolveRollbackTarget(s, undefined, at(PROMOTED, WEEK + 1), WEEK)).toBe('champion')
  })

  it('refuses the previous champion by name once the window has passed (409 with the reason)', () => {
    const s = promoted()
    expect(resolveRollbackTarget(s, 'previous_champion', at(PROMOTED, WEEK - 1), WEEK)).toBe('previous_champion')
    const e = refusal(() => resolveRollbackTarget(s, 'previous_champion', at(PROMOTED, WEEK), WEEK))
    expect(e.code).toBe('conflict')
    expect(e.extra).toMatchObject({ reason: 'rollback_target_expired', version: 'v1' })
  })

  it('ends with the rollback that restores it: the restored champion is champion since then', () => {
    const back = rollback(promoted(), 'previous_champion', { now: '2026-11-26T13:00:00.000Z', reason: 'r' }).state
    expect(back.champion_since).toBe('2026-11-26T13:00:00.000Z')
    expect(rollbackTargetOf(back, at(PROMOTED, HOUR), WEEK)).toBeNull()
    expect(resolveRollbackTarget(back, undefined, at(PROMOTED, HOUR), WEEK)).toBe('champion')
  })

  it('keeps a target stored before promotion times were recorded (no window known)', () => {
    const { champion_since: _, ...old } = promoted()
    expect(rollbackTargetOf(old, at(PROMOTED, 10 * WEEK), WEEK)).toMatchObject({ live: true, expiresAt: null })
  })
})

describe('rollbackPreview: what a rollback would do, stated before acting', () => {
  const routing = (weights: Record<string, number>) => ({ champion: 'v2', weights, rules: [], shadow: null })
  const target = { version: 'v1', promoted_at: PROMOTED }
  it('names the rollout it ends, the promotion it undoes, or says it changes nothing', () => {
    const view = { champion: 'v2', routing: routing({ v2: 100 }), rollback_target: target, active_rollout: null }
    expect(rollbackPreview({ ...view, active_rollout: { id: 'ro_1' } })).toEqual({
      kind: 'end_rollout',
      rollout: 'ro_1',
    })
    expect(rollbackPreview(view)).toEqual({
      kind: 'undo_promotion',
      version: 'v1',
      champion: 'v2',
      promotedAt: PROMOTED,
    })
    expect(rollbackPreview({ ...view, rollback_target: null })).toEqual({ kind: 'unchanged', version: 'v2' })
    expect(rollbackPreview({ ...view, rollback_target: null, routing: routing({ v2: 90, v1: 10 }) })).toEqual({
      kind: 'champion',
      version: 'v2',
    })
    expect(rollbackPreview({ ...view, champion: null, routing: null })).toEqual({ kind: 'no_champion' })
  })
})
