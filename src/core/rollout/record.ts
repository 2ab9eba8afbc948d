/**
 * @module core/rollout/record
 * How a transition is recorded: the event for the timeline (quiet ones are not kept), the
 * bounded verdict history, and the small lookups every handler needs.
 *
 * Internal to core/rollout.
 */
import type { VerdictRecord } from '../gates/types'
import { stepLabel } from './describe'
import type { Action, Transition } from './io'
import { isPromotion } from './plan'
import {
  QUIET_EVENTS,
  type EventType,
  type RolloutEvent,
  type RolloutState,
  type Step,
  type VerdictSummary,
} from './types'

/** The actor of decisions the controller takes on its own. */
export const CONTROLLER = 'controller'
export const MAX_EVENTS = 200
export const MAX_VERDICTS = 200
/** Ordinary (non-decisive) verdicts kept per step; decisive ones are always kept. */
export const VERDICTS_KEPT_PER_STEP = 5

export interface Cause {
  actor: string
  reason: string
  /** Event type when the cause enters a step (`advanced`, `approved`, `started`). */
  type: EventType
}

type EventDraft = Omit<RolloutEvent, 'details'> & { details?: Record<string, unknown> }

/** Record `next` with its event (unless quiet); `from` is the state the input was applied to. */
export function commit(from: RolloutState, next: RolloutState, actions: Action[], draft: EventDraft): Transition {
  const event: RolloutEvent = {
    ...draft,
    details: { from: from.phase, to: next.phase, step: next.stepIndex, ...draft.details },
  }
  const events = QUIET_EVENTS.has(event.type) ? next.events : [...next.events, event].slice(-MAX_EVENTS)
  return { state: { ...next, events, updatedAt: draft.at }, actions, event }
}

/** Nothing happens: same state, no actions, a quiet event saying why. */
export function ignore(state: RolloutState, now: number, reason: string, actor = CONTROLLER): Transition {
  const event: RolloutEvent = {
    at: now,
    type: 'ignored',
    actor,
    reason,
    details: { phase: state.phase },
  }
  return { state, actions: [], event }
}

export function currentStep(state: RolloutState): Step | undefined {
  return state.plan[state.stepIndex]
}

export function labelAt(state: RolloutState, index: number): string {
  const step = state.plan[index]
  return step === undefined ? 'before the first step' : stepLabel(step)
}

/** Whether the challenger has been made champion by a step entered so far. */
export function championSwitched(state: RolloutState): boolean {
  return state.plan.slice(0, state.stepIndex + 1).some(isPromotion)
}

/** Keep a verdict in state (bounded) and produce the `record_verdict` action for it. */
export function recordVerdict(
  state: RolloutState,
  verdict: VerdictRecord,
  now: number,
  decisive: boolean,
): { state: RolloutState; action: Action } {
  const summary: VerdictSummary = {
    ...verdict,
    at: now,
    stepIndex: state.stepIndex,
    stepEpoch: state.stepEpoch,
    decisive,
  }
  const all = [...state.verdicts, summary]
  const ordinary = all.filter((v) => v.stepIndex === state.stepIndex && !v.decisive)
  const drop = new Set(ordinary.slice(0, Math.max(0, ordinary.length - VERDICTS_KEPT_PER_STEP)))
  const verdicts = all.filter((v) => !drop.has(v)).slice(-MAX_VERDICTS)
  return {
    state: { ...state, verdicts, lastTickAt: now },
    action: { type: 'record_verdict', verdict: summary },
  }
}

/** Record a non-decisive verdict and stay put. */
export function hold(state: RolloutState, now: number, verdict: VerdictRecord, reason: string): Transition {
  const recorded = recordVerdict(state, verdict, now, false)
  return commit(state, recorded.state, [recorded.action], {
    at: now,
    type: 'held',
    actor: CONTROLLER,
    reason,
  })
}
