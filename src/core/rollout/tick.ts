/**
 * @module core/rollout/tick
 * What a cron tick does with a gate verdict.
 *
 * Sticky and idempotent: a tick is acted on only if it carries evidence for the current step
 * (same index and routing epoch) and is newer than the last tick acted on, so a repeated tick, a
 * tick computed before a decision and a tick for an older step all yield no actions.
 *
 * By phase:
 * - progressing: PASS (after the step's minimum duration) → next step or approval; CONTINUE →
 *   hold; INCONCLUSIVE → pause + alert; HALT → halt + alert; FAIL → rollback + alert + incident.
 * - watching: PASS or CONTINUE once the watch has lasted its duration → completed; otherwise as
 *   progressing, except that nothing is promoted.
 * - awaiting_approval, paused, halted: the challenger is still exposed, so protective verdicts
 *   still act (FAIL rolls back; HALT halts), but nothing else does: the decision already taken
 *   (PASS awaiting approval, a pause) stands. Once the evidence put before approvers has expired,
 *   the next PASS re-issues the request with fresh evidence.
 */
import type { VerdictRecord } from '../gates/types'
import { formatDuration, stepLabel, verdictSays } from './describe'
import type { Action, Input, Transition } from './io'
import { CONTROLLER, commit, currentStep, hold, ignore, labelAt, recordVerdict } from './record'
import { endWithRollback, halt, pauseInconclusive } from './safety'
import { advance, complete } from './transitions'
import { isTerminal, type RolloutState, type Step } from './types'

type Tick = Extract<Input, { type: 'tick' }>

/** Apply one tick (see the module comment). */
export function onTick(state: RolloutState, tick: Tick): Transition {
  const stale = staleness(state, tick)
  if (stale !== null) return ignore(state, tick.now, stale)
  const { now, verdict } = tick
  switch (state.phase) {
    case 'awaiting_evaluation':
      return ignore(state, now, 'no traffic before a passing offline evaluation')
    case 'awaiting_approval':
      return whileAwaitingApproval(state, now, verdict)
    case 'progressing':
    case 'watching':
      if (verdict === null) return ignore(state, now, 'no evidence yet')
      return whileExposed(state, now, verdict)
    case 'paused':
    case 'halted':
      if (verdict === null) return ignore(state, now, 'no evidence yet')
      return protect(state, now, verdict) ?? ignore(state, now, heldReason(state, verdict))
    case 'completed':
    case 'rolled_back':
    case 'aborted':
      return ignore(state, now, `the rollout has ended (${state.phase})`)
    default: {
      const never: never = state.phase
      return never
    }
  }
}

/** Why a tick must not be acted on, or null when it may. */
function staleness(state: RolloutState, tick: Tick): string | null {
  if (isTerminal(state.phase)) return `the rollout has ended (${state.phase})`
  if (tick.stepIndex !== state.stepIndex || tick.stepEpoch !== state.stepEpoch) {
    return (
      `evidence for step ${tick.stepIndex} (epoch ${tick.stepEpoch}) but the current step is ` +
      `${state.stepIndex} (epoch ${state.stepEpoch})`
    )
  }
  if (state.stepIndex >= 0 && state.stepEpoch === null) {
    return `the routing of ${labelAt(state, state.stepIndex)} is not live yet`
  }
  if (state.lastTickAt !== null && tick.now <= state.lastTickAt) {
    return `duplicate or out-of-order tick (the last tick acted on was at ${state.lastTickAt})`
  }
  return null
}

/** FAIL and HALT act in every phase where the challenger is exposed. */
function protect(state: RolloutState, now: number, verdict: VerdictRecord): Transition | null {
  if (state.stepIndex < 0) return null
  if (verdict.decision === 'FAIL') {
    const recorded = recordVerdict(state, verdict, now, true)
    const reason = verdictSays('FAIL', labelAt(state, state.stepIndex), verdict.reason)
    const end = { actor: CONTROLLER, trigger: 'gate_fail' as const, reason, verdict }
    return endWithRollback(recorded.state, now, end, [recorded.action])
  }
  if (verdict.decision === 'HALT' && state.phase !== 'halted') return halt(state, now, verdict)
  return null
}

function whileExposed(state: RolloutState, now: number, verdict: VerdictRecord): Transition {
  const protective = protect(state, now, verdict)
  if (protective !== null) return protective
  const step = currentStep(state)
  if (step === undefined) return ignore(state, now, 'no current step')
  const label = stepLabel(step)
  const elapsed = now - state.stepStartedAt
  switch (verdict.decision) {
    case 'INCONCLUSIVE':
      return pauseInconclusive(state, now, verdict)
    case 'PASS':
    case 'CONTINUE': {
      const said = verdictSays(verdict.decision, label, verdict.reason)
      const due = dueAfter(step)
      if (step.kind === 'watch') {
        if (elapsed < due) return hold(state, now, verdict, said)
        if (verdict.metrics.every((m) => m.decision === 'insufficient_data')) {
          // A watch that saw nothing it could judge (no traffic, no baseline) has not shown that
          // the new champion is fine: a human decides, as for any INCONCLUSIVE stage.
          const why = `${label} ended after ${formatDuration(elapsed)} without evidence to judge (${verdict.reason})`
          return pauseInconclusive(state, now, { ...verdict, decision: 'INCONCLUSIVE', reason: why })
        }
        const recorded = recordVerdict(state, verdict, now, true)
        const clean = `${label} ended cleanly after ${formatDuration(elapsed)} (${said})`
        return complete(recorded.state, now, { actor: CONTROLLER, type: 'completed', reason: clean }, [recorded.action])
      }
      if (verdict.decision === 'CONTINUE') return hold(state, now, verdict, said)
      if (elapsed < due) {
        const wait = `${formatDuration(elapsed)} of ${formatDuration(due)}`
        return hold(state, now, verdict, `${said}; held until the minimum duration (${wait})`)
      }
      const recorded = recordVerdict(state, verdict, now, true)
      const cause = { actor: CONTROLLER, type: 'advanced' as const, reason: said }
      return advance(recorded.state, state.stepIndex + 1, now, cause, [recorded.action])
    }
    // Handled by protect() above; listed so that the switch stays exhaustive.
    case 'FAIL':
    case 'HALT':
      return ignore(state, now, `${verdict.decision} already handled`)
    default: {
      const never: never = verdict.decision
      return never
    }
  }
}

/** How long a step must run before it may pass (a watch: before it may complete). */
function dueAfter(step: Step): number {
  switch (step.kind) {
    case 'shadow':
    case 'canary':
    case 'cohort':
      return step.minDurationMs
    case 'watch':
      return step.durationMs
    case 'switch':
      return 0
    default: {
      const never: never = step
      return never
    }
  }
}

function whileAwaitingApproval(state: RolloutState, now: number, verdict: VerdictRecord | null): Transition {
  const protective = verdict === null ? null : protect(state, now, verdict)
  if (protective !== null) return protective
  const pending = state.pendingApproval
  if (pending === null) return ignore(state, now, 'no approval pending')
  const label = labelAt(state, pending.forStep)
  if (now <= pending.expiresAt) return ignore(state, now, `waiting for approval before ${label}`)
  // Before any exposure the evidence is the configuration alone; afterwards it must be a PASS.
  const exposed = state.stepIndex >= 0
  if (exposed && verdict?.decision !== 'PASS') {
    return ignore(state, now, `the approval request for ${label} expired; waiting for a PASS to renew it`)
  }
  let next: RolloutState = { ...state, lastTickAt: now }
  const actions: Action[] = []
  if (exposed && verdict !== null) {
    const recorded = recordVerdict(state, verdict, now, true)
    next = recorded.state
    actions.push(recorded.action)
  }
  const { model, challenger, approval } = state.config
  const renewed = { ...pending, requestedAt: now, expiresAt: now + approval.approvalTtlMs }
  next = { ...next, pendingApproval: renewed }
  actions.push({
    type: 'alert',
    kind: 'approval_needed',
    severity: 'warning',
    summary: `${model}: approval still needed before ${label} of ${challenger} (evidence renewed)`,
    details: {
      rollout: state.id,
      model,
      challenger,
      forStep: pending.forStep,
      step: label,
      reason: pending.reason,
      expiresAt: renewed.expiresAt,
    },
  })
  const reason = `evidence before approvers expired; renewed with the latest (${pending.reason})`
  return commit(state, next, actions, {
    at: now,
    type: 'approval_renewed',
    actor: CONTROLLER,
    reason,
  })
}

function heldReason(state: RolloutState, verdict: VerdictRecord): string {
  const why =
    state.phase === 'halted'
      ? `halted (${state.hold?.cause === 'outcome_conflicts' ? 'outcome conflicts' : 'sample-ratio mismatch'})`
      : `paused (${state.hold?.cause ?? 'operator'})`
  return `${verdict.decision} ignored: the rollout is ${why}; only a FAIL acts until it is resumed`
}
