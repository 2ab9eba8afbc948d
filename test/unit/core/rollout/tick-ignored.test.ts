import { describe, expect, it } from 'vitest'
import { DAY, Driver, MIN, config, verdict } from './fixtures'

/** A high-risk canary stopped before its step to 100% for an approver. */
function awaitingApproval(): Driver {
  const d = new Driver(config(), { risk: 'high' })
  d.evaluation()
  for (let i = 0; i < 4; i++) d.passStep()
  expect(d.state.phase).toBe('awaiting_approval')
  return d
}

describe('ticks the controller does not act on say why', () => {
  it('before the offline evaluation passed', () => {
    const d = new Driver(config())
    const t = d.tick('PASS')
    expect(t.event).toMatchObject({ type: 'ignored', reason: 'no traffic before a passing offline evaluation' })
    expect(t.actions).toEqual([])
  })

  it('while exposed, paused or halted, with no verdict yet', () => {
    const d = new Driver(config())
    d.evaluation()
    d.passStep()
    expect(d.tick(null).event).toMatchObject({ type: 'ignored', reason: 'no evidence yet' })
    d.operator('pause')
    expect(d.state.phase).toBe('paused')
    expect(d.tick(null).event).toMatchObject({ type: 'ignored', reason: 'no evidence yet' })
  })

  it('after the rollout ended, naming how it ended', () => {
    const d = new Driver(config())
    d.evaluation()
    d.passStep()
    d.operator('abort')
    const t = d.tick('PASS')
    expect(t.event).toMatchObject({ type: 'ignored', reason: 'the rollout has ended (aborted)' })
    expect(t.state).toBe(d.log[d.log.length - 2]!.state)
  })
})

describe('an approval request waiting for its approver', () => {
  it('waits until its expiry, inclusive, whatever the evidence', () => {
    const d = awaitingApproval()
    const pending = d.state.pendingApproval!
    d.now = pending.expiresAt - MIN
    const t = d.tick('PASS')
    expect(d.now).toBe(pending.expiresAt)
    expect(t.event).toMatchObject({ type: 'ignored' })
    expect(t.event.reason).toMatch(/^waiting for approval before /)
    expect(d.state.pendingApproval).toEqual(pending)
  })

  it('after its expiry, waits for a PASS to renew it rather than renewing on weaker evidence', () => {
    const d = awaitingApproval()
    d.wait(DAY)
    const t = d.tick('CONTINUE')
    expect(t.event).toMatchObject({ type: 'ignored' })
    expect(t.event.reason).toContain('expired; waiting for a PASS to renew it')
    expect(t.actions).toEqual([])
  })

  it('renewed on a PASS, expires one approval lifetime after the renewal', () => {
    const d = awaitingApproval()
    const before = d.state.pendingApproval!
    d.wait(DAY)
    const t = d.tick('PASS')
    expect(t.event.type).toBe('approval_renewed')
    expect(d.state.pendingApproval).toMatchObject({
      forStep: before.forStep,
      requestedAt: d.now,
      expiresAt: d.now + DAY,
    })
    expect(t.actions.find((a) => a.type === 'alert')).toMatchObject({
      kind: 'approval_needed',
      summary: expect.stringContaining('credit-risk: approval still needed before'),
    })
  })

  it('rolls back on a FAIL even while it waits', () => {
    const d = awaitingApproval()
    const t = d.apply({
      type: 'tick',
      now: d.now + MIN,
      stepIndex: d.state.stepIndex,
      stepEpoch: d.state.stepEpoch,
      verdict: verdict('FAIL'),
    })
    expect(t.state.phase).toBe('rolled_back')
  })
})
