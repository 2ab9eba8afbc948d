/**
 * @module core/rollout/operator
 * Operator actions (pause, resume, promote, abort, rollback): which phases allow them, and what
 * they do. `operatorRefusal` is the single table the machine, the API and the UI consult, so a
 * button the UI enables is one the machine accepts.
 *
 * | action   | allowed in                                | refused in (why)                       |
 * |----------|-------------------------------------------|----------------------------------------|
 * | pause    | progressing, watching                     | nothing to pause, or already held      |
 * | resume   | paused, halted                            | not held                               |
 * | promote  | progressing (step live), paused, watching | halted (SRM, outcome conflicts), awaiting_* (gates first) |
 * | abort    | every non-terminal phase                  | terminal phases                        |
 * | rollback | every non-terminal phase                  | terminal phases                        |
 */
import { DomainError, type ErrorCode } from '../errors'
import { formatDuration } from './describe'
import { OPERATOR_ACTIONS, type Action, type Input, type OperatorAction, type Transition } from './io'
import { isPromotion, routingForStep } from './plan'
import { championSwitched, commit, currentStep, labelAt } from './record'
import { endWithRollback } from './safety'
import { advance, complete } from './transitions'
import { isTerminal, type RolloutState } from './types'

type OperatorInput = Extract<Input, { type: OperatorAction }>

export interface Refusal {
  code: ErrorCode
  why: string
}

/** What halted the rollout, in words. */
function haltCause(state: RolloutState): string {
  return state.hold?.cause === 'outcome_conflicts' ? 'contradicted business outcomes' : 'a sample-ratio mismatch'
}

/** Why `action` is not allowed now, or null when it is. */
export function operatorRefusal(state: RolloutState, action: OperatorAction): Refusal | null {
  const { phase } = state
  const conflict = (why: string): Refusal => ({ code: 'conflict', why })
  if (isTerminal(phase)) return conflict(`the rollout has ended (${phase})`)
  switch (action) {
    case 'pause':
      if (phase === 'progressing' || phase === 'watching') return null
      if (phase === 'paused') return conflict('it is already paused')
      if (phase === 'halted') return conflict(`it is halted by ${haltCause(state)}; resume or roll back`)
      if (phase === 'awaiting_approval') {
        return conflict('it is already held until an approver decides')
      }
      return conflict('it serves no traffic yet: it is waiting for the offline evaluation')
    case 'resume':
      if (phase === 'paused' || phase === 'halted') return null
      return conflict(`it is not paused (${phase})`)
    case 'promote':
      if (phase === 'halted') {
        return conflict(
          `${haltCause(state)} makes the evidence untrustworthy; resume (restarting the stage) or roll back`,
        )
      }
      if (phase === 'awaiting_evaluation') {
        return conflict('no traffic before a passing offline evaluation')
      }
      if (phase === 'awaiting_approval') {
        const reason = state.pendingApproval?.reason ?? 'policy'
        return { code: 'approval_required', why: `the next step needs an approval: ${reason}` }
      }
      if (state.stepIndex >= 0 && state.stepEpoch === null) {
        return conflict(`the routing of ${labelAt(state, state.stepIndex)} is not live yet`)
      }
      return null
    case 'abort':
    case 'rollback':
      return null
    default: {
      const never: never = action
      return never
    }
  }
}

/** The operator actions allowed now (for the UI's buttons). */
export function allowedOperatorActions(state: RolloutState): OperatorAction[] {
  return OPERATOR_ACTIONS.filter((a) => operatorRefusal(state, a) === null)
}

/** Apply an operator action; throws DomainError when the phase does not allow it. */
export function onOperator(state: RolloutState, input: OperatorInput): Transition {
  const refusal = operatorRefusal(state, input.type)
  if (refusal !== null) {
    throw new DomainError(refusal.code, `cannot ${input.type} rollout ${state.id}: ${refusal.why}`, {
      extra: { phase: state.phase, action: input.type },
    })
  }
  const { now, actor } = input
  const by = `${input.type} by ${actor}${input.reason ? `: ${input.reason}` : ''}`
  switch (input.type) {
    case 'pause': {
      const next: RolloutState = {
        ...state,
        phase: 'paused',
        hold: { cause: 'operator', since: now, actor },
      }
      return commit(state, next, [], { at: now, type: 'paused', actor, reason: by })
    }
    case 'resume':
      return resume(state, now, actor, by)
    case 'promote': {
      const step = currentStep(state)
      if (step?.kind === 'watch') {
        const early = `${by}; watch ended early after ${formatDuration(now - state.stepStartedAt)}`
        return complete(state, now, { actor, type: 'completed', reason: early })
      }
      return advance(state, state.stepIndex + 1, now, { actor, type: 'advanced', reason: by })
    }
    case 'abort':
      return endWithRollback(state, now, { actor, trigger: 'abort', reason: by })
    case 'rollback':
      return endWithRollback(state, now, { actor, trigger: 'operator_rollback', reason: by })
    default: {
      const never: never = input.type
      return never
    }
  }
}

/**
 * Whether an operator's rollback to the previous champion undoes this rollout's promotion through
 * its runbook: it completed by making its challenger champion, and the model still routes to that
 * champion with the rollout's champion as the previous one.
 */
export function undoablePromotion(
  state: RolloutState,
  model: { champion: string | null; previousChampion: string | null },
): boolean {
  const { champion, challenger } = state.config
  return (
    state.phase === 'completed' &&
    championSwitched(state) &&
    model.champion === challenger &&
    model.previousChampion === champion
  )
}

/** Undo a completed promotion: the rollout ends rolled back, with the operator rollback's runbook. */
export function onUndoPromotion(state: RolloutState, input: Extract<Input, { type: 'undo_promotion' }>): Transition {
  if (state.phase !== 'completed' || !championSwitched(state)) {
    throw new DomainError('conflict', `rollout ${state.id} did not end with a promotion to undo (${state.phase})`, {
      extra: { phase: state.phase, action: 'rollback' },
    })
  }
  const { now, actor } = input
  const by = `promotion of ${state.config.challenger} undone by ${actor}${input.reason ? `: ${input.reason}` : ''}`
  return endWithRollback(state, now, { actor, trigger: 'operator_rollback', reason: by })
}

/**
 * Back to the current step. After an INCONCLUSIVE, SRM or conflict hold the step's statistics restart
 * (the old evidence hit its cap or is untrustworthy); after an operator pause they carry on.
 */
function resume(state: RolloutState, now: number, actor: string, by: string): Transition {
  const restart = state.hold !== null && state.hold.cause !== 'operator'
  const step = currentStep(state)
  // Evidence is kept per routing epoch: the statistics restart only on a new one, so the step's
  // routing is published again and its evidence starts from that epoch (as when it was entered).
  // A watch or a promotion step has no routing of its own to publish; only its clock restarts.
  const { champion, challenger } = state.config
  const routing =
    restart && step !== undefined && !isPromotion(step)
      ? routingForStep(step, { champion, challenger, baseRules: state.baseRules })
      : null
  const next: RolloutState = {
    ...state,
    phase: step?.kind === 'watch' ? 'watching' : 'progressing',
    hold: null,
    stepStartedAt: restart ? now : state.stepStartedAt,
    stepEpoch: routing !== null ? null : state.stepEpoch,
  }
  const label = labelAt(state, state.stepIndex)
  const reason = `${by}; ${label} ${!restart ? 'continues' : routing !== null ? 'restarts its statistics from a new routing epoch' : 'restarts its clock'}`
  const actions: Action[] =
    routing !== null
      ? [{ type: 'publish_routing', routing, reason: `rollout ${state.id}: ${label} restarted (${by})` }]
      : []
  return commit(state, next, actions, { at: now, type: 'resumed', actor, reason })
}
