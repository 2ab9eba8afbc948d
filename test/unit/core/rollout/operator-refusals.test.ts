import { describe, expect, it } from 'vitest'
import { DomainError } from '../../../../src/core/errors'
import { operatorRefusal, type OperatorAction, type RolloutState } from '../../../../src/core/rollout'
import { Driver, MIN, config } from './fixtures'

/** A canary exposed at its first stage, its routing live. */
function exposed(): Driver {
  const d = new Driver(config(), { risk: 'high' })
  d.evaluation()
  d.passStep()
  return d
}

const why = (state: RolloutState, action: OperatorAction) => operatorRefusal(state, action)

describe('why an operator action is refused, in words the operator can act on', () => {
  it('pause', () => {
    expect(why(new Driver(config()).state, 'pause')).toEqual({
      code: 'conflict',
      why: 'it serves no traffic yet: it is waiting for the offline evaluation',
    })
    const d = exposed()
    expect(why(d.state, 'pause')).toBeNull()
    d.operator('pause')
    expect(why(d.state, 'pause')).toEqual({ code: 'conflict', why: 'it is already paused' })
    const halted = exposed()
    halted.tick('HALT')
    expect(why(halted.state, 'pause')).toEqual({
      code: 'conflict',
      why: 'it is halted by a sample-ratio mismatch; resume or roll back',
    })
  })

  it('resume', () => {
    const d = exposed()
    expect(why(d.state, 'resume')).toEqual({ code: 'conflict', why: 'it is not paused (progressing)' })
    d.operator('pause')
    expect(why(d.state, 'resume')).toBeNull()
  })

  it('promote', () => {
    expect(why(new Driver(config()).state, 'promote')).toEqual({
      code: 'conflict',
      why: 'no traffic before a passing offline evaluation',
    })
    const halted = exposed()
    halted.tick('HALT')
    expect(why(halted.state, 'promote')).toEqual({
      code: 'conflict',
      why: 'a sample-ratio mismatch makes the evidence untrustworthy; resume (restarting the stage) or roll back',
    })
    const d = exposed()
    for (let i = 0; i < 3; i++) d.passStep()
    expect(d.state.phase).toBe('awaiting_approval')
    const refusal = why(d.state, 'promote')!
    expect(refusal.code).toBe('approval_required')
    expect(refusal.why).toBe(`the next step needs an approval: ${d.state.pendingApproval!.reason}`)
  })

  it('anything after the end', () => {
    const d = exposed()
    d.operator('abort')
    for (const action of ['pause', 'resume', 'promote', 'abort', 'rollback'] as const) {
      expect(why(d.state, action)).toEqual({ code: 'conflict', why: 'the rollout has ended (aborted)' })
    }
  })

  it('throws the refusal as a DomainError naming the action and the rollout', () => {
    const d = exposed()
    let error: unknown
    try {
      d.operator('resume')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(DomainError)
    expect((error as DomainError).code).toBe('conflict')
    expect((error as DomainError).message).toBe(`cannot resume rollout ${d.state.id}: it is not paused (progressing)`)
  })
})

describe('what an operator action records', () => {
  it('a pause holds the rollout for the operator, with who and why', () => {
    const d = exposed()
    const t = d.operator('pause', 'carol', 'looking into alerts')
    expect(t.state.hold).toEqual({ cause: 'operator', since: d.now, actor: 'carol' })
    expect(t.event).toMatchObject({ type: 'paused', actor: 'carol', reason: 'pause by carol: looking into alerts' })
  })

  it('a promote during the watch ends it early and says after how long', () => {
    const d = new Driver(config({ strategies: ['blue_green'] }))
    d.evaluation()
    expect(d.state.phase).toBe('watching')
    d.wait(25 * MIN)
    const t = d.operator('promote', 'dave')
    expect(t.state.phase).toBe('completed')
    expect(t.event.reason).toMatch(/^promote by dave; watch ended early after 25 ?min;/)
  })
})
