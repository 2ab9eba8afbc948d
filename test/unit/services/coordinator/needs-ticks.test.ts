/**
 * needsTicks and the tick's dedupe (services/coordinator/rollout-commands): a coordinator keeps its
 * own gate ticks while a rollout runs, a rollback waits for a final confirmation, or a decision's
 * effects (publishes among them) are still pending; a tick at a time already ticked acts no more.
 */
import { describe, expect, it, vi } from 'vitest'
import { CONFIRM } from '../../../../src/core/rollout/confirmation'
import { PHASES, isTerminal, type Phase } from '../../../../src/core/rollout/index'
import { needsTicks, tickRollout } from '../../../../src/services/coordinator/rollout-commands'
import type { Intent, StoredRollout } from '../../../../src/services/coordinator/ports'
import { FakePort, MIN } from './fake-port'
import { failedCanary, plantCanary25, startWithRunner } from './rollouts'

type Confirmation = NonNullable<NonNullable<StoredRollout['state']['rollback']>['confirmation']>

const withPhase = (s: StoredRollout, phase: Phase): StoredRollout => ({ ...s, state: { ...s.state, phase } })

const withConfirmation = (s: StoredRollout, c: Confirmation | null): StoredRollout => ({
  ...s,
  state: { ...s.state, rollback: { ...s.state.rollback!, confirmation: c } },
})

const confirmation = (ok: boolean, timeToConfirmMs: number): Confirmation => ({
  at: 0,
  ok,
  timeToConfirmMs,
  details: {},
})

/** A decision's effects still to run: the champion's publish, say. */
const pendingIntent: Intent = {
  pending: [{ action: { type: 'set_champion', version: 'v2', reason: 'promoted' }, actor: 'controller' }],
  epoch: 3,
  seq: 2,
  done: 0,
}

async function progressing() {
  const port = new FakePort({ risk: 'low', sla: { p99_ms: 250 } })
  const { runner, stored } = await startWithRunner(port)
  return { port, runner, stored }
}

describe('needsTicks', () => {
  it('is false without a rollout', () => {
    expect(needsTicks(null)).toBe(false)
  })

  it('is true for a rollout still running, whatever its live phase', async () => {
    const { stored } = await progressing()
    expect(stored.state.phase).toBe('progressing')
    expect(needsTicks(stored)).toBe(true)
    const live = PHASES.filter((p) => !isTerminal(p))
    expect(live).toEqual(
      expect.arrayContaining([
        'awaiting_evaluation',
        'awaiting_approval',
        'progressing',
        'paused',
        'halted',
        'watching',
      ]),
    )
    for (const phase of live) expect(needsTicks(withPhase(stored, phase))).toBe(true)
  })

  it('is false for an ended rollout with nothing left to confirm or run', async () => {
    const { stored } = await progressing()
    expect(stored.state.rollback).toBeNull()
    for (const phase of ['completed', 'aborted', 'rolled_back'] as const) {
      expect(needsTicks({ ...withPhase(stored, phase), intent: null })).toBe(false)
    }
  })

  it('is true for a rolled-back rollout whose rollback is not confirmed yet', async () => {
    const port = new FakePort({ risk: 'low' })
    const { stored } = await failedCanary(port)
    expect(stored.meta.rollbackEpoch).not.toBeNull()
    expect(stored.state.rollback!.confirmation).toBeNull()
    expect(stored.intent ?? null).toBeNull()
    expect(needsTicks(stored)).toBe(true)
    // "Not confirmed" is checked again on later ticks until the give-up time.
    expect(needsTicks(withConfirmation(stored, confirmation(false, 60_000)))).toBe(true)
    expect(needsTicks(withConfirmation(stored, confirmation(false, CONFIRM.giveUpMs)))).toBe(true)
  })

  it('is false once the rollback verdict is final: confirmed, or given up', async () => {
    const port = new FakePort({ risk: 'low' })
    const { stored } = await failedCanary(port)
    expect(needsTicks(withConfirmation(stored, confirmation(true, 90_000)))).toBe(false)
    expect(needsTicks(withConfirmation(stored, confirmation(false, CONFIRM.giveUpMs + 1)))).toBe(false)
  })

  it('is false for a rollback that published nothing (no rollback epoch to confirm against)', async () => {
    const port = new FakePort({ risk: 'low' })
    const { stored } = await failedCanary(port)
    expect(needsTicks({ ...stored, meta: { ...stored.meta, rollbackEpoch: null } })).toBe(false)
  })

  it("is true while a decision's effects are pending, even on an ended rollout", async () => {
    const port = new FakePort({ risk: 'low' })
    const { stored } = await failedCanary(port)
    const final = withConfirmation(stored, confirmation(true, 90_000))
    expect(needsTicks(final)).toBe(false)
    expect(needsTicks({ ...final, intent: pendingIntent })).toBe(true)
    const { stored: live } = await progressing()
    expect(needsTicks({ ...withPhase(live, 'completed'), intent: pendingIntent })).toBe(true)
  })
})

describe('tickRollout: one verdict per scheduled time', () => {
  it('skips a tick at a time already ticked (the cron and the alarm for the same minute)', async () => {
    const { port, runner, stored } = await progressing()
    const run = vi.spyOn(runner, 'run')
    const evaluate = vi.spyOn(runner, 'evaluate')
    const at = port.advance(MIN)
    const first = await tickRollout(port, runner, at)
    expect(first).toMatchObject({ rollout: stored.state.id, routed: true })
    expect(port.active()!.state.lastTickAt).toBe(at)
    const saved = port.savedRollouts.length
    const queries = port.summaryQueries.length
    const second = await tickRollout(port, runner, at)
    expect(second).toEqual({ rollout: stored.state.id, phase: first.phase, decision: null, routed: false })
    // An older time is skipped as well.
    expect(await tickRollout(port, runner, at - 30_000)).toMatchObject({ decision: null, routed: false })
    expect(run).toHaveBeenCalledTimes(1)
    expect(evaluate).toHaveBeenCalledTimes(1)
    expect(port.savedRollouts).toHaveLength(saved)
    expect(port.summaryQueries).toHaveLength(queries)
  })

  it('a later time ticks again, and acts on its verdict', async () => {
    const { port, runner } = await progressing()
    const at = port.advance(MIN)
    await tickRollout(port, runner, at)
    plantCanary25(port, 0.03)
    const out = await tickRollout(port, runner, at + MIN)
    expect(out).toMatchObject({ phase: 'rolled_back', decision: 'FAIL', routed: true })
    expect(port.active()!.state.lastTickAt).toBe(at + MIN)
  })

  it('runs at the scheduled time even when the port clock lags behind it', async () => {
    const { port, runner } = await progressing()
    const at = port.now() + 5 * MIN // the clock has not reached the scheduled minute
    await tickRollout(port, runner, at)
    expect(port.active()!.state.lastTickAt).toBe(at)
  })
})
