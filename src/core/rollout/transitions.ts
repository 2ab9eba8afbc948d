/**
 * @module core/rollout/transitions
 * Moving forward: enter a step, ask for approval first when policy wants one, or complete.
 * Each returns a whole `Transition`, so a handler is a sequence of checks with early returns
 * (Argo's reconcile shape) rather than one long method.
 *
 * Internal to core/rollout; `machine.ts` is the public entry point.
 */
import { stepLabel } from './describe'
import type { Action, Transition } from './io'
import { isPromotion, routingForStep, servesTraffic } from './plan'
import { approvalNeeded, type ApprovalRequirement } from './policy'
import { championSwitched, commit, labelAt, type Cause } from './record'
import type { Outcome, RolloutState } from './types'

/** A move to step `toStep` at `now`, for `cause`, after the actions `pre`. */
type StepMove = (state: RolloutState, toStep: number, now: number, cause: Cause, pre?: Action[]) => Transition

/** Go to `toStep` (or complete after the last step), asking for approval first if policy wants. */
export const advance: StepMove = (state, toStep, now, cause, pre = []) => {
  if (toStep >= state.plan.length) return complete(state, now, cause, pre)
  const need = approvalNeeded(state, { ...state.policy, toStep })
  if (need !== null) return requestApproval(state, toStep, need, now, cause, pre)
  return enterStep(state, toStep, now, cause, pre)
}

/**
 * Enter a step: publish its routing (or make the challenger champion for a step to 100%) and
 * restart its clock. A watch publishes nothing: the previous step's routing and epoch stay live.
 */
export const enterStep: StepMove = (state, toStep, now, cause, pre = []) => {
  const step = state.plan[toStep]
  if (step === undefined) return complete(state, now, cause, pre)
  const { champion, challenger } = state.config
  const label = stepLabel(step)
  const why = `rollout ${state.id}: ${label} (${cause.reason})`
  const actions = [...pre]
  const routing = routingForStep(step, { champion, challenger, baseRules: state.baseRules })
  if (isPromotion(step)) actions.push({ type: 'set_champion', version: challenger, reason: why })
  else if (routing !== null) actions.push({ type: 'publish_routing', routing, reason: why })
  const next: RolloutState = {
    ...state,
    phase: step.kind === 'watch' ? 'watching' : 'progressing',
    hold: null,
    pendingApproval: null,
    stepIndex: toStep,
    stepStartedAt: now,
    stepEpoch: step.kind === 'watch' ? state.stepEpoch : null,
  }
  const details = { label, ...(routing ? { routing } : {}) }
  return commit(state, next, actions, {
    at: now,
    type: cause.type,
    actor: cause.actor,
    reason: `${cause.reason}; ${label} started`,
    details,
  })
}

export function requestApproval(
  state: RolloutState,
  toStep: number,
  need: ApprovalRequirement,
  now: number,
  cause: Cause,
  pre: Action[] = [],
): Transition {
  const label = labelAt(state, toStep)
  const { model, challenger, approval } = state.config
  const pendingApproval = {
    forStep: toStep,
    reason: need.reason,
    rules: need.rules,
    requestedAt: now,
    expiresAt: now + approval.approvalTtlMs,
  }
  const next: RolloutState = { ...state, phase: 'awaiting_approval', hold: null, pendingApproval }
  const alert: Action = {
    type: 'alert',
    kind: 'approval_needed',
    severity: 'warning',
    summary: `${model}: approval needed before ${label} of ${challenger}`,
    details: {
      rollout: state.id,
      model,
      challenger,
      forStep: toStep,
      step: label,
      rules: need.rules,
      reason: need.reason,
      expiresAt: pendingApproval.expiresAt,
    },
  }
  const reason = `${cause.reason}; approval needed before ${label}: ${need.reason}`
  return commit(state, next, [...pre, alert], {
    at: now,
    type: 'approval_requested',
    actor: cause.actor,
    reason,
    details: { rules: need.rules },
  })
}

export function complete(state: RolloutState, now: number, cause: Cause, pre: Action[] = []): Transition {
  const outcome = outcomeOf(state)
  const next: RolloutState = {
    ...state,
    phase: 'completed',
    hold: null,
    pendingApproval: null,
    endedAt: now,
    outcome,
  }
  const reason = `${cause.reason}; rollout completed (${outcome.replace('_', ' ')})`
  return commit(state, next, pre, { at: now, type: 'completed', actor: cause.actor, reason })
}

function outcomeOf(state: RolloutState): Outcome {
  if (championSwitched(state)) return 'promoted'
  if (state.plan.some((s) => s.kind === 'cohort')) return 'cohort_released'
  return state.plan.some(servesTraffic) ? 'promoted' : 'shadow_passed'
}
