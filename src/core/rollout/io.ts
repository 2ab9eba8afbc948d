/**
 * @module core/rollout/io
 * What the rollout machine reads (inputs) and what it asks the caller to do (actions).
 * Both are closed unions: the caller's executor switches over `Action['type']` exhaustively.
 */
import type { VerdictRecord } from '../gates/types'
import type { StepRouting } from './plan'
import type { RollbackTarget, RolloutEvent, RolloutState, VerdictSummary } from './types'

export const ALERT_KINDS = [
  'fail',
  'rollback',
  'inconclusive',
  'srm',
  'outcome_conflicts',
  'approval_needed',
  'rollback_confirmed',
] as const
export type AlertKind = (typeof ALERT_KINDS)[number]

/**
 * Whether a webhook subscribed to `events` gets an alert of `kind`. A webhook that takes `srm` also
 * gets `outcome_conflicts`: both halt the rollout for a human, and webhooks stored before the
 * second kind existed list only the first.
 */
export function subscribedTo(events: readonly string[], kind: AlertKind): boolean {
  return events.includes(kind) || (kind === 'outcome_conflicts' && events.includes('srm'))
}

/** PagerDuty Events v2 severities; the generic and Slack bodies reuse them. */
export type Severity = 'critical' | 'error' | 'warning' | 'info'

export type IncidentTrigger = 'gate_fail' | 'operator_rollback'

/**
 * Side effects, executed by the caller in order. Protective actions (rollback) come first, so that
 * a failing webhook or D1 write never delays taking traffic off a bad challenger.
 */
export type Action =
  /** Publish this routing table for the model (then confirm with `step_published`). */
  | { type: 'publish_routing'; routing: StepRouting; reason: string }
  /** Make `version` champion with 100% in one publish (registry `setChampion`, which keeps the
   *  old champion as `previous_champion`); then confirm with `step_published`. */
  | { type: 'set_champion'; version: string; reason: string }
  /** Registry `rollback(target)`: 100% to the stable version, rules and shadow cleared. */
  | { type: 'rollback_routing'; target: RollbackTarget; reason: string }
  | {
      type: 'alert'
      kind: AlertKind
      severity: Severity
      summary: string
      details: Record<string, unknown>
    }
  | { type: 'open_incident'; trigger: IncidentTrigger; summary: string }
  /** Persist the verdict row (per arm n and estimate, contrast, boundary, p-value, decision). */
  | { type: 'record_verdict'; verdict: VerdictSummary }

export type ActionType = Action['type']

export const OPERATOR_ACTIONS = ['pause', 'resume', 'promote', 'abort', 'rollback'] as const
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number]

export type Input =
  /**
   * A cron evaluation. `stepIndex` and `stepEpoch` name the step the evidence was gathered for
   * (copied from the state the caller read); evidence for any other step is ignored.
   * `verdict` is null when there is no evidence yet.
   */
  | {
      type: 'tick'
      now: number
      stepIndex: number
      stepEpoch: number | null
      verdict: VerdictRecord | null
    }
  | {
      type: 'evaluation_report'
      now: number
      passed: boolean
      /** The offline report as submitted (JSON). */
      report: unknown
      actor?: string | undefined
      reason?: string | undefined
    }
  /**
   * `evidenceHash` is what the approver saw; `currentEvidenceHash` is the caller's hash of
   * `evidenceDigestInput(state)` right now. `forStep` optionally names the step they meant.
   */
  | {
      type: 'approve'
      now: number
      approver: string
      evidenceHash: string
      currentEvidenceHash: string
      forStep?: number | undefined
      comment?: string | undefined
    }
  | { type: OperatorAction; now: number; actor: string; reason?: string | undefined }
  /**
   * An operator's rollback after the rollout completed with a promotion (README, "Undo a
   * promotion"): the caller checked that the routing still is that promotion's (`undoablePromotion`).
   */
  | { type: 'undo_promotion'; now: number; actor: string; reason?: string | undefined }
  /** The caller confirms that the routing of `stepIndex` is live under `epoch`. */
  | { type: 'step_published'; now: number; stepIndex: number; epoch: number }
  /** The caller checked that the stable version carries the traffic and metrics recovered. */
  | { type: 'rollback_confirmed'; now: number; ok: boolean; details: unknown }

export type InputType = Input['type']

/**
 * The result of one input: the next state, the actions to run in order, and the event describing
 * what happened (quiet events, see `QUIET_EVENTS`, are not added to `state.events`).
 */
export interface Transition {
  state: RolloutState
  actions: Action[]
  event: RolloutEvent
}
