/**
 * @module core/rollout/machine
 * The rollout state machine: `start` creates a rollout, `apply` feeds it one input. Both are pure
 * functions of the state, the input and an explicit clock; they return the next state, the
 * actions the caller executes in order, and the event for the timeline. Refusals throw
 * `DomainError`; inputs that are merely late or repeated (ticks, confirmations) are ignored with a
 * quiet event instead, so retries are safe.
 *
 * Phase transitions (see also tick.ts and operator.ts):
 * - start → awaiting_evaluation, or (evaluation waived, low risk only) the first step.
 * - awaiting_evaluation: passing report → first step (or awaiting_approval); failing → stays.
 * - awaiting_approval: valid approval → the pending step; FAIL → rolled_back; HALT → halted.
 * - progressing: PASS → next step / awaiting_approval / completed; INCONCLUSIVE → paused;
 *   HALT → halted; FAIL → rolled_back. A step to 100% becomes `watching` once live.
 * - watching: clean end → completed; FAIL → rolled_back (to the previous champion once switched).
 * - paused / halted: resume → progressing or watching; FAIL → rolled_back.
 * - any non-terminal phase: abort → aborted; rollback → rolled_back.
 * - completed with a promotion: undo_promotion → rolled_back (to the previous champion).
 */
import { DomainError } from '../errors'
import type { CohortRule } from '../routing/types'
import { resolveConfig } from './config'
import { stepLabel } from './describe'
import { onApprove, onEvaluation, onPublished, onRollbackConfirmed } from './handlers'
import type { Input, Transition } from './io'
import { onOperator, onUndoPromotion } from './operator'
import { buildPlan } from './plan'
import { commit } from './record'
import { onTick } from './tick'
import { advance } from './transitions'
import type { PolicyFacts, RolloutConfigInput, RolloutState } from './types'
import { validatePlan } from './validate'

export interface StartContext extends PolicyFacts {
  id: string
  now: number
  /** Open action items from the model's last incident retrospective; any blocks the rollout. */
  openActionItems: number
  /** Skip the offline evaluation (allowed for low-risk models only; recorded). */
  evaluationWaived: boolean
  actor?: string | undefined
  /**
   * Operator cohort rules in the model's routing table; kept, first, in every step, except those
   * that send traffic to the challenger: the rollout alone decides the challenger's exposure (a
   * shadow step must serve it to nobody, a canary stage exactly its weight).
   */
  baseRules?: CohortRule[] | undefined
}

/**
 * Create a rollout. Throws `validation_failed` for a bad plan, `conflict` while action items are
 * open, `forbidden` for an evaluation waiver on a model that is not low-risk.
 * @example start(config, { id: 'ro_1', now, risk: 'medium', lastRollbackAt: null,
 *   openActionItems: 0, evaluationWaived: false, gatesWeakerThanDefaults: [] })
 */
export function start(input: RolloutConfigInput, ctx: StartContext): Transition {
  const fields = validatePlan(input)
  if (fields.length > 0) {
    throw new DomainError('validation_failed', 'the rollout plan is not valid', { fields })
  }
  const { model } = input
  if (ctx.openActionItems > 0) {
    throw new DomainError(
      'conflict',
      `${ctx.openActionItems} open action item(s) from the last incident of ${model} ` +
        'block new rollouts until they are closed',
    )
  }
  if (ctx.evaluationWaived && ctx.risk !== 'low') {
    throw new DomainError(
      'forbidden',
      `only low-risk models may waive the offline evaluation; ${model} is ${ctx.risk}-risk`,
    )
  }
  const config = resolveConfig(input)
  const plan = buildPlan(config)
  const actor = ctx.actor ?? 'operator'
  const { now } = ctx
  const operatorRules = ctx.baseRules ?? []
  const baseRules = operatorRules.filter((r) => r.version !== config.challenger)
  const suspended = operatorRules.length - baseRules.length
  const state: RolloutState = {
    id: ctx.id,
    config,
    plan,
    baseRules,
    policy: {
      risk: ctx.risk,
      lastRollbackAt: ctx.lastRollbackAt,
      gatesWeakerThanDefaults: [...ctx.gatesWeakerThanDefaults],
    },
    phase: 'awaiting_evaluation',
    hold: null,
    stepIndex: -1,
    stepStartedAt: now,
    stepEpoch: null,
    lastTickAt: null,
    evaluation: ctx.evaluationWaived
      ? { status: 'waived', report: null, reason: `waived by ${actor} (low-risk model)`, at: now }
      : { status: 'missing', report: null, reason: 'no offline evaluation report yet', at: null },
    approvals: [],
    pendingApproval: null,
    verdicts: [],
    events: [],
    createdAt: now,
    updatedAt: now,
    endedAt: null,
    rollback: null,
    outcome: null,
  }
  const steps = plan.map(stepLabel).join(' → ')
  const suspendedNote =
    suspended > 0
      ? ` (${suspended} operator cohort rule(s) sending traffic to ${config.challenger} suspended while it runs)`
      : ''
  const summary = `${config.challenger} over ${config.champion}: ${steps}${suspendedNote}`
  if (!ctx.evaluationWaived) {
    const reason = `rollout of ${summary}; waiting for the offline evaluation`
    return commit(state, state, [], { at: now, type: 'started', actor, reason })
  }
  const t = advance(state, 0, now, {
    actor,
    type: 'started',
    reason: `rollout of ${summary}; offline evaluation waived`,
  })
  return retag(t, 'started')
}

/** The handler of each input type. */
const HANDLERS: { [T in Input['type']]: (state: RolloutState, input: Extract<Input, { type: T }>) => Transition } = {
  tick: onTick,
  evaluation_report: onEvaluation,
  approve: onApprove,
  pause: onOperator,
  resume: onOperator,
  promote: onOperator,
  abort: onOperator,
  rollback: onOperator,
  undo_promotion: onUndoPromotion,
  step_published: onPublished,
  rollback_confirmed: onRollbackConfirmed,
}

/** Apply one input. Throws DomainError('conflict' | 'approval_required') when it is refused. */
export function apply(state: RolloutState, input: Input): Transition {
  // The table pairs each type with its handler; TypeScript cannot follow that pairing through a lookup.
  const handler = HANDLERS[input.type] as (state: RolloutState, input: Input) => Transition
  return handler(state, input)
}

/** Start reports one `started` event, whatever its first transition was. */
function retag(t: Transition, type: 'started'): Transition {
  const event = { ...t.event, type }
  return { ...t, event, state: { ...t.state, events: [...t.state.events.slice(0, -1), event] } }
}
