/**
 * @module core/rollout/handlers
 * Inputs other than ticks and operator actions: the offline evaluation report, an approval, the
 * caller's confirmation that a step is live, and the rollback confirmation.
 *
 * Internal to core/rollout; `machine.ts` dispatches to them.
 */
import { CONFIRM, confirmationReason, isFinal } from './confirmation'
import { DomainError } from '../errors'
import { formatDuration, stepLabel } from './describe'
import type { Action, Input, Transition } from './io'
import { isPromotion } from './plan'
import { checkApproval } from './policy'
import { CONTROLLER, commit, ignore } from './record'
import { advance, complete, enterStep } from './transitions'
import { isTerminal, type Approval, type RolloutState } from './types'

export function onEvaluation(state: RolloutState, input: Extract<Input, { type: 'evaluation_report' }>): Transition {
  if (state.phase !== 'awaiting_evaluation') {
    throw new DomainError(
      'conflict',
      `rollout ${state.id} is not waiting for an evaluation ` +
        `(${state.phase}; evaluation ${state.evaluation.status})`,
    )
  }
  const { now, passed, report } = input
  const actor = input.actor ?? 'operator'
  const reason = input.reason ?? `offline evaluation ${passed ? 'passed' : 'failed'}`
  const evaluated: RolloutState = {
    ...state,
    evaluation: { status: passed ? 'passed' : 'failed', report, reason, at: now },
  }
  if (passed) return advance(evaluated, 0, now, { actor, type: 'advanced', reason })
  const { model, challenger } = state.config
  const alert: Action = {
    type: 'alert',
    kind: 'fail',
    severity: 'warning',
    summary: `${model}: ${challenger} failed its offline evaluation; it gets no traffic`,
    details: { rollout: state.id, model, challenger, reason, report },
  }
  const why = `${reason}; no traffic until a passing report (or abort)`
  return commit(state, evaluated, [alert], {
    at: now,
    type: 'evaluation_failed',
    actor,
    reason: why,
  })
}

export function onApprove(state: RolloutState, input: Extract<Input, { type: 'approve' }>): Transition {
  const pending = state.pendingApproval
  if (state.phase !== 'awaiting_approval' || pending === null) {
    throw new DomainError('conflict', `rollout ${state.id} has no pending approval (${state.phase})`)
  }
  const { now, approver } = input
  const check = checkApproval(
    { evidenceHash: input.evidenceHash, expiresAt: pending.expiresAt, forStep: input.forStep },
    { now, currentEvidenceHash: input.currentEvidenceHash, forStep: pending.forStep },
  )
  if (!check.valid) {
    throw new DomainError('conflict', `approval refused (${check.reason}): ${check.detail}`, {
      extra: { refusal: check.reason, forStep: pending.forStep },
    })
  }
  const approval: Approval = {
    approver,
    at: now,
    forStep: pending.forStep,
    evidenceHash: input.evidenceHash,
    reason: pending.reason,
    rules: pending.rules,
    comment: input.comment ?? null,
  }
  const approved: RolloutState = { ...state, approvals: [...state.approvals, approval] }
  const reason = `approved by ${approver} (${pending.reason})`
  return enterStep(approved, pending.forStep, now, { actor: approver, type: 'approved', reason })
}

/**
 * The routing of the current step is live: its statistics start now. A step to 100% has nothing
 * to compare arms with, so it hands over to the watch at once.
 */
export function onPublished(state: RolloutState, input: Extract<Input, { type: 'step_published' }>): Transition {
  const { now, epoch, stepIndex } = input
  if (isTerminal(state.phase)) return ignore(state, now, `the rollout has ended (${state.phase})`)
  if (stepIndex !== state.stepIndex) {
    return ignore(state, now, `confirmation for step ${stepIndex}; the current step is ${state.stepIndex}`)
  }
  if (state.stepEpoch !== null) {
    return ignore(state, now, `step ${stepIndex} is already live at epoch ${state.stepEpoch}`)
  }
  const step = state.plan[stepIndex]
  if (step === undefined) return ignore(state, now, 'nothing was published before the first step')
  const live: RolloutState = { ...state, stepEpoch: epoch, stepStartedAt: now }
  const label = stepLabel(step)
  if (!isPromotion(step)) {
    const reason = `${label} live at epoch ${epoch}; its statistics start now`
    return commit(state, live, [], { at: now, type: 'step_live', actor: CONTROLLER, reason })
  }
  const { challenger } = state.config
  const watch = state.plan[stepIndex + 1]
  const promoted = `${challenger} is champion with 100% since epoch ${epoch}`
  if (watch === undefined) {
    return complete(live, now, { actor: CONTROLLER, type: 'completed', reason: promoted })
  }
  const next: RolloutState = {
    ...live,
    stepIndex: stepIndex + 1,
    phase: state.phase === 'progressing' ? 'watching' : state.phase,
  }
  const span = watch.kind === 'watch' ? ` for ${formatDuration(watch.durationMs)}` : ''
  const reason = `${promoted}; ${stepLabel(watch)} started: watching${span} against the baseline`
  return commit(state, next, [], { at: now, type: 'advanced', actor: CONTROLLER, reason })
}

export function onRollbackConfirmed(
  state: RolloutState,
  input: Extract<Input, { type: 'rollback_confirmed' }>,
): Transition {
  const rollback = state.rollback
  if (rollback === null) {
    throw new DomainError('conflict', `rollout ${state.id} has no rollback to confirm (${state.phase})`)
  }
  const { now, ok, details } = input
  if (rollback.confirmation?.ok) return ignore(state, now, 'the rollback is already confirmed')
  const timeToConfirmMs = now - rollback.at
  const next: RolloutState = {
    ...state,
    rollback: { ...rollback, confirmation: { at: now, ok, timeToConfirmMs, details } },
  }
  const { model } = state.config
  const why = confirmationReason(details) ?? 'traffic or metrics not recovered'
  const summary = ok
    ? `${model}: rollback to ${rollback.version} confirmed after ${formatDuration(timeToConfirmMs)}`
    : isFinal({ ok, timeToConfirmMs })
      ? `${model}: rollback to ${rollback.version} NOT confirmed: ${why}`
      : `${model}: rollback to ${rollback.version} not confirmed yet: ${why}; checked again every tick for ${formatDuration(CONFIRM.giveUpMs)}`
  const alert: Action = {
    type: 'alert',
    kind: 'rollback_confirmed',
    severity: ok ? 'info' : 'critical',
    summary,
    details: {
      rollout: state.id,
      model,
      version: rollback.version,
      target: rollback.target,
      timeToConfirmMs,
      ok,
      details,
    },
  }
  const type = ok ? 'rollback_confirmed' : 'rollback_unconfirmed'
  return commit(state, next, [alert], { at: now, type, actor: CONTROLLER, reason: summary })
}
