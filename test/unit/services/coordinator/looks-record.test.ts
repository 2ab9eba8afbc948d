/**
 * Which recorded looks and look sides apply to the rollout's current step (docs/statistics.md §5.7,
 * src/services/coordinator/evaluate-step.ts): a record belongs to one step of one epoch, and a step
 * that began without a record of its own (before steps recorded their sides) plans the FAIL look
 * alone, so no PASS or SRM look is taken in the middle of a stage that spent those levels on the
 * mixtures.
 */
import { describe, expect, it } from 'vitest'
import type { PlannedLook } from '../../../../src/core/gates/types'
import {
  freshLooks,
  plannedSides,
  recordedLooks,
  withTakenLooks,
} from '../../../../src/services/coordinator/evaluate-step'
import type { LooksRecord, StoredRollout } from '../../../../src/services/coordinator/ports'

const look = (side: PlannedLook['side'], decision: PlannedLook['decision']): PlannedLook => ({
  metric: side === 'srm' ? 'srm' : 'conversion',
  ...(side === undefined ? {} : { side }),
  at: 1,
  variance: 1,
  vPlan: 1,
  contrast: 0,
  z: 0,
  boundary: 2,
  decision,
})

function stored(stepIndex: number, stepEpoch: number | null, looks?: LooksRecord): StoredRollout {
  return { state: { stepIndex, stepEpoch }, meta: {}, ...(looks ? { looks } : {}) } as unknown as StoredRollout
}

describe('the looks record of the current step', () => {
  it('starts a step with no looks and every side planned', () => {
    const r = freshLooks(stored(2, 7).state)
    expect(r).toEqual({ epoch: 7, step: 2, sides: ['fail', 'pass', 'srm'], looks: [] })
    expect(plannedSides(stored(2, 7, r!))).toEqual(new Set(['fail', 'pass', 'srm']))
    expect(freshLooks(stored(-1, null).state)).toBeNull()
  })

  it('does not carry a PASS look from a cohort step into the watch of the same epoch', () => {
    const cohort = { epoch: 7, step: 2, sides: ['fail', 'pass', 'srm'] as const, looks: [look('pass', 'pass')] }
    const watch = stored(3, 7, { ...cohort, sides: [...cohort.sides] })
    expect(recordedLooks(watch)).toEqual([])
    // Without a record of its own the watch plans only the FAIL look.
    expect(plannedSides(watch)).toEqual(new Set(['fail']))
    expect(recordedLooks(stored(2, 7, { ...cohort, sides: [...cohort.sides] }))).toEqual([look('pass', 'pass')])
  })

  it('ignores a record of another epoch, and reads a record from before `step` existed by its epoch', () => {
    expect(recordedLooks(stored(1, 8, { epoch: 7, looks: [look(undefined, 'fail')] }))).toEqual([])
    const old = stored(1, 7, { epoch: 7, looks: [look(undefined, 'continue')] })
    expect(recordedLooks(old)).toEqual([look(undefined, 'continue')])
    // A step that began before steps recorded their sides: the FAIL look only.
    expect(plannedSides(old)).toEqual(new Set(['fail']))
  })

  it('adds taken looks to the current record and keeps its step and sides', () => {
    const s = stored(2, 7, freshLooks(stored(2, 7).state)!)
    const once = withTakenLooks(s, [look('srm', 'continue')])
    expect(once).toEqual({ epoch: 7, step: 2, sides: ['fail', 'pass', 'srm'], looks: [look('srm', 'continue')] })
    const twice = withTakenLooks(stored(2, 7, once!), [look('pass', 'pass')])
    expect(twice?.looks).toEqual([look('srm', 'continue'), look('pass', 'pass')])
    // A stale record is replaced by one for the current step (no sides: it began without one).
    const stale = withTakenLooks(stored(3, 7, once!), [look('fail', 'continue')])
    expect(stale).toEqual({ epoch: 7, step: 3, looks: [look('fail', 'continue')] })
  })
})
