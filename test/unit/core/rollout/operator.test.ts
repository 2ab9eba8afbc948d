import { describe, expect, it } from 'vitest'
import vectors from '../../../vectors/rollout/operator-actions-v1.json'
import { DomainError } from '../../../../src/core/errors'
import {
  OPERATOR_ACTIONS,
  PHASES,
  allowedOperatorActions,
  apply,
  type Input,
  type Phase,
  type RolloutState,
} from '../../../../src/core/rollout'
import { Driver, config, evidenceHash } from './fixtures'

/** A rollout in each phase, reached through real transitions. */
function inPhase(phase: Phase): RolloutState {
  const d = new Driver(config(), { risk: 'high' })
  const exposed = () => {
    d.evaluation()
    d.passStep()
  }
  switch (phase) {
    case 'awaiting_evaluation':
      break
    case 'awaiting_approval':
      d.evaluation()
      for (let i = 0; i < 4; i++) d.passStep()
      break
    case 'progressing':
      exposed()
      break
    case 'paused':
      exposed()
      d.operator('pause')
      break
    case 'halted':
      exposed()
      d.tick('HALT')
      break
    case 'watching':
    case 'completed': {
      const bg = new Driver(config({ strategies: ['blue_green'] }))
      bg.evaluation()
      if (phase === 'completed') bg.passStep()
      return bg.state
    }
    case 'rolled_back':
      exposed()
      d.tick('FAIL')
      break
    case 'aborted':
      exposed()
      d.operator('abort')
      break
  }
  return d.state
}

function inputFor(name: string, state: RolloutState): Input {
  const now = state.updatedAt + 60_000
  if (name === 'approve') {
    const hash = evidenceHash(state)
    return {
      type: 'approve',
      now,
      approver: 'alice',
      evidenceHash: hash,
      currentEvidenceHash: hash,
    }
  }
  if (name === 'evaluation_report') {
    return { type: 'evaluation_report', now, passed: true, report: {} }
  }
  return { type: name as (typeof OPERATOR_ACTIONS)[number], now, actor: 'bob' }
}

describe('operator-actions-v1 vectors', () => {
  it('cover every phase and input', () => {
    expect(vectors.specVersion).toBe('1')
    expect(new Set(vectors.cases.map((c) => c.phase))).toEqual(new Set(PHASES))
    expect(vectors.cases).toHaveLength(PHASES.length * 7)
  })

  it.each(PHASES.map((p) => [p]))('the fixture for %s is in that phase', (phase) => {
    expect(inPhase(phase as Phase).phase).toBe(phase)
  })

  it.each(vectors.cases.map((c) => [c.input, c.phase, c] as const))('%s in %s', (_i, _p, c) => {
    const state = inPhase(c.phase as Phase)
    const run = () => apply(state, inputFor(c.input, state))
    if (c.allowed) {
      expect(run().state.phase).toBe(c.to)
      return
    }
    try {
      run()
      expect.fail(`${c.input} should be refused in ${c.phase}`)
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError)
      expect((e as DomainError).code).toBe(c.code)
      expect((e as DomainError).detail).toMatch(/^(cannot \w+ rollout ro_test: |rollout ro_test )/)
    }
  })

  it('allowedOperatorActions agrees with the table (what the UI enables)', () => {
    for (const phase of PHASES) {
      const expected = vectors.cases
        .filter((c) => c.phase === phase && c.allowed && (OPERATOR_ACTIONS as readonly string[]).includes(c.input))
        .map((c) => c.input)
      expect(allowedOperatorActions(inPhase(phase)), phase).toEqual(expected)
    }
  })
})

describe('operator semantics', () => {
  it('abort before any exposure publishes nothing and records no rollback', () => {
    const t = new Driver().operator('abort', 'bob', 'wrong challenger')
    expect(t.actions).toEqual([])
    expect(t.state).toMatchObject({ phase: 'aborted', outcome: 'aborted', rollback: null })
    expect(t.event.reason).toBe('abort by bob: wrong challenger; the challenger was never exposed')
  })

  it('abort after exposure reverts the routing without paging anyone', () => {
    const t = apply(inPhase('progressing'), {
      type: 'abort',
      now: Date.UTC(2027, 0, 1),
      actor: 'bob',
    })
    expect(t.actions.map((a) => a.type)).toEqual(['rollback_routing'])
    expect(t.state.rollback).toMatchObject({ trigger: 'abort', target: 'champion' })
  })

  it('an operator rollback alerts and opens an incident', () => {
    const t = apply(inPhase('watching'), {
      type: 'rollback',
      now: Date.UTC(2027, 0, 1),
      actor: 'bob',
    })
    expect(t.actions.map((a) => a.type)).toEqual(['rollback_routing', 'alert', 'open_incident'])
    expect(t.actions[0]).toMatchObject({ target: 'previous_champion' })
    expect(t.actions[2]).toMatchObject({ trigger: 'operator_rollback' })
  })

  it('an operator pause keeps the step clock; resuming continues the statistics', () => {
    const d = new Driver()
    d.evaluation()
    const startedAt = d.state.stepStartedAt
    d.wait(20 * 60_000).operator('pause')
    d.wait(60 * 60_000).operator('resume')
    expect(d.state).toMatchObject({ phase: 'progressing', stepStartedAt: startedAt, hold: null })
  })

  it('pause while watching resumes into watching', () => {
    const d = new Driver(config({ strategies: ['blue_green'] }))
    d.evaluation()
    d.operator('pause')
    d.operator('resume')
    expect(d.state.phase).toBe('watching')
  })

  it('promote is refused while the step routing is still being published', () => {
    const d = new Driver()
    d.apply({ type: 'evaluation_report', now: d.now, passed: true, report: null })
    expect(() => d.operator('promote')).toThrow(/not live yet/)
  })
})

describe('undo_promotion: an operator rollback after the rollout completed', () => {
  const undo = (state: RolloutState): Input => ({ type: 'undo_promotion', now: state.updatedAt + 60_000, actor: 'bob' })

  it('ends a completed promotion rolled back to the previous champion, with the rollback runbook', () => {
    const done = inPhase('completed')
    expect(done.outcome).toBe('promoted')
    const t = apply(done, undo(done))
    expect(t.state).toMatchObject({ phase: 'rolled_back', outcome: 'rolled_back' })
    expect(t.state.rollback).toMatchObject({ trigger: 'operator_rollback', target: 'previous_champion', actor: 'bob' })
    expect(t.actions[0]).toMatchObject({ type: 'rollback_routing', target: 'previous_champion' })
    expect(t.actions.map((a) => a.type)).toContain('open_incident')
    expect(t.state.events.map((e) => e.type).slice(-2)).toEqual(['completed', 'rolled_back'])
  })

  it('is refused in every other phase (nothing was promoted, or it is still running)', () => {
    for (const phase of PHASES.filter((p) => p !== 'completed')) {
      const s = inPhase(phase)
      expect(() => apply(s, undo(s)), phase).toThrow(DomainError)
    }
  })
})
