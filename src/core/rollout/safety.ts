/**
 * @module core/rollout/safety
 * The protective transitions: roll back (FAIL, operator rollback, abort), halt on SRM or outcome
 * conflicts, pause on INCONCLUSIVE. Their routing action always comes first, so that a failing webhook or D1 write
 * never delays taking traffic off a bad challenger.
 *
 * Internal to core/rollout.
 */
import type { VerdictRecord } from '../gates/types'
import { formatDuration, verdictSays } from './describe'
import type { Action, Severity, Transition } from './io'
import { CONTROLLER, championSwitched, commit, labelAt, recordVerdict } from './record'
import type { RollbackRecord, RolloutState } from './types'

export type EndTrigger = RollbackRecord['trigger']

/**
 * End the rollout by taking traffic off the challenger: FAIL (automatic), operator rollback or
 * abort. The routing action comes first; FAIL and operator rollbacks also alert and open an
 * incident (the runbook's rollback record and retrospective hang off it). An abort or FAIL
 * before the first step publishes nothing; an operator rollback always routes everything back.
 */
export function endWithRollback(
  state: RolloutState,
  now: number,
  end: { actor: string; trigger: EndTrigger; reason: string; verdict?: VerdictRecord },
  pre: Action[] = [],
): Transition {
  const { model, challenger, champion } = state.config
  const exposed = state.stepIndex >= 0
  const target = championSwitched(state) ? 'previous_champion' : 'champion'
  const label = labelAt(state, state.stepIndex)
  const actions: Action[] = []
  // An operator's rollback always routes everything back (the one-command runbook): before the
  // first step the challenger may still get traffic from routing the rollout did not publish,
  // e.g. an operator cohort rule for it, suspended only in the rollout's own plan.
  if (exposed || end.trigger === 'operator_rollback') {
    actions.push({ type: 'rollback_routing', target, reason: `rollout ${state.id}: ${end.reason}` })
  }
  actions.push(...pre)
  const details = {
    rollout: state.id,
    model,
    challenger,
    restored: champion,
    step: label,
    target,
    reason: end.reason,
  }
  if (exposed && end.trigger === 'gate_fail') {
    const verdict = end.verdict ? { verdict: { reason: end.verdict.reason, metrics: end.verdict.metrics } } : {}
    actions.push(
      {
        type: 'alert',
        kind: 'fail',
        severity: 'critical',
        summary: `${model}: ${challenger} FAILED its gates at ${label}`,
        details: { ...details, ...verdict },
      },
      {
        type: 'alert',
        kind: 'rollback',
        severity: 'error',
        summary: `${model}: rolled back from ${challenger} to ${champion}`,
        details,
      },
    )
  }
  if (exposed && end.trigger === 'operator_rollback') {
    actions.push({
      type: 'alert',
      kind: 'rollback',
      severity: 'warning',
      summary: `${model}: ${end.actor} rolled back ${challenger} to ${champion}`,
      details,
    })
  }
  if (exposed && end.trigger !== 'abort') {
    const trigger = end.trigger === 'gate_fail' ? 'gate_fail' : 'operator_rollback'
    actions.push({
      type: 'open_incident',
      trigger,
      summary: `${model}: ${challenger} rolled back (${end.reason})`,
    })
  }
  const rollback: RollbackRecord | null = exposed
    ? {
        at: now,
        actor: end.actor,
        trigger: end.trigger,
        target,
        version: champion,
        fromStep: state.stepIndex,
        reason: end.reason,
        confirmation: null,
      }
    : null
  const aborted = end.trigger === 'abort'
  const next: RolloutState = {
    ...state,
    phase: aborted ? 'aborted' : 'rolled_back',
    hold: null,
    pendingApproval: null,
    endedAt: now,
    rollback,
    outcome: aborted ? 'aborted' : 'rolled_back',
  }
  const what = exposed ? `traffic back to ${champion} (${target})` : 'the challenger was never exposed'
  return commit(state, next, actions, {
    at: now,
    type: aborted ? 'aborted' : 'rolled_back',
    actor: end.actor,
    reason: `${end.reason}; ${what}`,
  })
}

/**
 * SRM or outcome conflicts (the HALT verdicts): freeze everything (no promotion, no rollback) and
 * page. SRM wins when both alarm, as in the gates.
 */
export function halt(state: RolloutState, now: number, verdict: VerdictRecord): Transition {
  const until = 'no promotion and no rollback until an operator resumes or rolls back'
  const conflicts = verdict.conflicts
  if (!verdict.srm.alarm && conflicts?.alarm) {
    return holdOnVerdict(state, now, verdict, (label, { model, challenger }) => ({
      phase: 'halted',
      cause: 'outcome_conflicts',
      severity: 'critical',
      summary: `${model}: contradicted business outcomes at ${label} of ${challenger}; rollout halted`,
      details: { conflicts: conflicts.findings, maxRate: conflicts.maxRate, minConflicts: conflicts.minConflicts },
      reason: `HALT at ${label}: ${conflicts.reason.replace(/\.$/, '')}; ${until}`,
    }))
  }
  return holdOnVerdict(state, now, verdict, (label, { model, challenger }) => ({
    phase: 'halted',
    cause: 'srm',
    severity: 'critical',
    summary: `${model}: sample-ratio mismatch at ${label} of ${challenger}; rollout halted`,
    details: { srm: verdict.srm },
    reason: `HALT at ${label}: ${verdict.srm.reason}; ${until}`,
  }))
}

/** INCONCLUSIVE: pause and alert; never promote. */
export function pauseInconclusive(state: RolloutState, now: number, verdict: VerdictRecord): Transition {
  return holdOnVerdict(state, now, verdict, (label, { model, challenger }) => ({
    phase: 'paused',
    cause: 'inconclusive',
    severity: 'warning',
    summary: `${model}: ${challenger} is INCONCLUSIVE at ${label}; paused for a human decision`,
    details: { reason: verdict.reason, elapsed: formatDuration(verdict.elapsedMs) },
    reason: `${verdictSays('INCONCLUSIVE', label, verdict.reason)}; paused (promote, resume or rollback)`,
  }))
}

/** How a verdict holds the rollout: the phase, the controller's hold, the alert and the event reason. */
interface VerdictHold {
  phase: 'halted' | 'paused'
  cause: 'srm' | 'outcome_conflicts' | 'inconclusive'
  severity: Severity
  summary: string
  /** Alert details besides the rollout, model, challenger and step. */
  details: Record<string, unknown>
  reason: string
}

/**
 * Records the verdict, holds the rollout at its current step (a halt also drops a pending
 * approval) and alerts; the event is the controller's.
 */
function holdOnVerdict(
  state: RolloutState,
  now: number,
  verdict: VerdictRecord,
  describe: (label: string, config: RolloutState['config']) => VerdictHold,
): Transition {
  const recorded = recordVerdict(state, verdict, now, true)
  const { model, challenger } = state.config
  const label = labelAt(state, state.stepIndex)
  const h = describe(label, state.config)
  const next: RolloutState = {
    ...recorded.state,
    phase: h.phase,
    hold: { cause: h.cause, since: now, actor: CONTROLLER },
    ...(h.phase === 'halted' ? { pendingApproval: null } : {}),
  }
  const alert: Action = {
    type: 'alert',
    kind: h.cause,
    severity: h.severity,
    summary: h.summary,
    details: { rollout: state.id, model, challenger, step: label, ...h.details },
  }
  return commit(state, next, [recorded.action, alert], { at: now, type: h.phase, actor: CONTROLLER, reason: h.reason })
}
