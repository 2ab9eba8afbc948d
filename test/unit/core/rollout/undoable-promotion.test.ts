import { describe, expect, it } from 'vitest'
import { apply, undoablePromotion, type RolloutState } from '../../../../src/core/rollout'
import { Driver, config } from './fixtures'

/** A blue/green rollout of v2 over v1 that completed: v2 was made champion. */
function promoted(): RolloutState {
  const d = new Driver(config({ strategies: ['blue_green'] }))
  d.evaluation()
  d.passStep()
  return d.state
}

describe('undoablePromotion: may an operator rollback undo this rollout through its runbook', () => {
  it('yes, while the model still has the promoted challenger as champion and the old champion as previous', () => {
    const done = promoted()
    expect(done).toMatchObject({ phase: 'completed', outcome: 'promoted' })
    expect(undoablePromotion(done, { champion: 'v2', previousChampion: 'v1' })).toBe(true)
  })

  it.each([
    ['the champion changed since', { champion: 'v3', previousChampion: 'v2' }],
    ['the champion went back to v1 some other way', { champion: 'v1', previousChampion: 'v2' }],
    ['another version is the previous champion', { champion: 'v2', previousChampion: 'v0' }],
    ['the model has no previous champion', { champion: 'v2', previousChampion: null }],
  ])('no when %s', (_name, model) => {
    expect(undoablePromotion(promoted(), model)).toBe(false)
  })

  it('no for a rollout that did not complete, whatever the model says', () => {
    const d = new Driver(config({ strategies: ['blue_green'] }))
    d.evaluation()
    const watching = d.state
    expect(watching.phase).not.toBe('completed')
    expect(undoablePromotion(watching, { champion: 'v2', previousChampion: 'v1' })).toBe(false)
  })

  it('names the version, the operator and the reason in the rollback it starts', () => {
    const done = promoted()
    const t = apply(done, { type: 'undo_promotion', now: done.updatedAt + 1000, actor: 'bob', reason: 'pager' })
    expect(t.state.phase).toBe('rolled_back')
    expect(t.event.reason).toContain('promotion of v2 undone by bob: pager')
  })
})
