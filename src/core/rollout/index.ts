/**
 * @module core/rollout
 * The pure rollout controller: plans, approval policy and the state machine. The Durable Object
 * and the cron tick call `start` and `apply`, persist the state and execute the returned actions.
 */
export * from './types'
export { DAY_MS, DEFAULTS, DEFAULT_STAGES, HOUR_MS, MINUTE_MS, resolveConfig } from './config'
export { formatCondition, formatDuration, stepLabel, verdictSays } from './describe'
export {
  buildPlan,
  gateConfigForStep,
  isPromotion,
  routingAt,
  routingForStep,
  servesTraffic,
  stageJump,
  type RoutingContext,
  type StepRouting,
} from './plan'
export { validatePlan } from './validate'
export { canonicalJson } from './canonical'
export {
  approvalNeeded,
  checkApproval,
  evidenceDigestInput,
  type ApprovalCheck,
  type ApprovalContext,
  type ApprovalRefusal,
  type ApprovalRequirement,
} from './policy'
export * from './io'
export { allowedOperatorActions, operatorRefusal, undoablePromotion, type Refusal } from './operator'
export { apply, start, type StartContext } from './machine'
export { CONTROLLER, MAX_EVENTS, MAX_VERDICTS, VERDICTS_KEPT_PER_STEP } from './record'
