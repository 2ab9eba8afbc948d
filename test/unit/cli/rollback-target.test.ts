import { describe, expect, it } from 'vitest'
import { main } from '../../../src/cli/main'
import { rollbackStatement } from '../../../src/cli/rollback-target'
import { fakeIo } from './fake-io'

const NOW = Date.parse('2026-11-26T12:00:00Z')
const PROMOTED = new Date(NOW - 2 * 3_600_000).toISOString()
const EXPIRES = new Date(NOW + 6 * 86_400_000).toISOString()
const v2Only = { champion: 'v2', weights: { v2: 100 }, rules: [], shadow: null }
const promotedView = {
  champion: 'v2',
  previous_champion: 'v1',
  routing: v2Only,
  rollback_target: { version: 'v1', promoted_at: PROMOTED, expires_at: EXPIRES },
  active_rollout: null,
}

describe('modelgate rollback states its target before acting', () => {
  it('after a promotion: "roll back to v1, undoing v2, promoted 2 h ago"', () => {
    const s = rollbackStatement('credit', promotedView, undefined, NOW)
    expect(s.acts).toBe(true)
    expect(s.line).toContain('roll back credit to v1, undoing v2, promoted 2 h ago')
    expect(s.line).toContain('until 2026-12-02')
  })

  it('says a rollback would change nothing once the routing already is the target', () => {
    const s = rollbackStatement('credit', { ...promotedView, rollback_target: null }, undefined, NOW)
    expect(s).toEqual({
      acts: false,
      line: 'nothing to roll back: credit already routes 100% to v2; v1 is no longer a rollback target',
    })
    expect(rollbackStatement('credit', promotedView, 'champion', NOW).acts).toBe(false)
  })

  it('asks on a terminal before acting, and sends nothing when the answer is no', async () => {
    const routes = {
      'GET /admin/models/credit': () => promotedView,
      'POST /admin/models/credit/rollback': () => ({ ...v2Only, epoch: 9, published_at: PROMOTED }),
    }
    const io = fakeIo({ routes, interactive: true, answers: ['n'], now: NOW })
    expect(await main(['rollback', 'credit'], io)).toBe(0)
    expect(io.stderr()).toContain('roll back credit to v1, undoing v2, promoted 2 h ago')
    expect(io.stderr()).toContain('not rolled back')
    expect(io.calls.some((c) => c.method === 'POST')).toBe(false)
  })

  it('reports changed: false as nothing rolled back, without waiting for a confirmation', async () => {
    const routes = {
      'GET /admin/models/credit': () => ({ ...promotedView, rollback_target: null }),
      'POST /admin/models/credit/rollback': () => ({
        ...v2Only,
        epoch: 9,
        published_at: PROMOTED,
        changed: false,
        rolled_back_from: v2Only,
        ended_rollout: null,
      }),
    }
    const io = fakeIo({ routes, interactive: true, now: NOW })
    expect(await main(['rollback', 'credit'], io)).toBe(0)
    expect(io.stdout()).toContain('nothing to roll back: credit already routes v2 100% (epoch 9, unchanged)')
    expect(io.stdout()).not.toContain('rolled back credit')
    expect(io.calls.filter((c) => c.method === 'GET').length).toBe(1)
  })
})
