/**
 * @module core/rollout/policy
 * When a human must approve, and whether an approval still holds (README, "Humans where the blast radius demands it").
 *
 * An approver is needed before entering a step when any rule applies:
 * - `final_step_risk`: the step gives the challenger 100% and the model's risk tier is at or above
 *   `approval.requireFinalApprovalForRisk` (default: high);
 * - `recent_rollback`: the rollout started within `approval.recentRollbackWindowMs` of a rollback
 *   of the same model; asked before the first exposure (step 0), shadow included;
 * - `stage_jump`: the step widens the challenger's share by more than `approval.maxStageJump`
 *   percentage points; asked at that step, when the approver can see the evidence before the jump;
 * - `weak_gates`: gates weaker than the model's defaults; asked before the first exposure.
 *
 * An approval pins the hash of `evidenceDigestInput(state)` (the caller hashes it: SHA-256 is async
 * in Workers and this core is synchronous). The evidence put before approvers is frozen while the
 * rollout waits, so the hash is stable; it is approvable until `expiresAt`, after which the next
 * passing tick re-issues it with fresh verdicts (a new hash).
 */
import { canonicalJson } from './canonical'
import { stepLabel } from './describe'
import { isPromotion, stageJump } from './plan'
import type { ApprovalRule, PolicyFacts, RiskTier, RolloutState, VerdictSummary } from './types'

const RISK_RANK: Record<RiskTier, number> = { low: 0, medium: 1, high: 2 }

export interface ApprovalContext extends PolicyFacts {
  /** The step about to be entered; defaults to the one after the current step. */
  toStep?: number
}

export interface ApprovalRequirement {
  reason: string
  rules: ApprovalRule[]
}

type PolicyView = Pick<RolloutState, 'config' | 'plan' | 'stepIndex' | 'createdAt'>

/**
 * Whether entering the next step (or `ctx.toStep`) needs an approver, and why.
 * @example approvalNeeded(state, { ...state.policy, toStep: 4 })
 * // { reason: "canary 100% gives a high-risk model's traffic …", rules: ['final_step_risk'] }
 */
export function approvalNeeded(state: PolicyView, ctx: ApprovalContext): ApprovalRequirement | null {
  const toStep = ctx.toStep ?? state.stepIndex + 1
  const step = state.plan[toStep]
  if (step === undefined) return null
  const { approval } = state.config
  const rules: ApprovalRule[] = []
  const reasons: string[] = []
  if (isPromotion(step) && RISK_RANK[ctx.risk] >= RISK_RANK[approval.requireFinalApprovalForRisk]) {
    rules.push('final_step_risk')
    reasons.push(`${stepLabel(step)} gives a ${ctx.risk}-risk model's traffic to the challenger`)
  }
  if (toStep === 0 && ctx.lastRollbackAt !== null) {
    const since = state.createdAt - ctx.lastRollbackAt
    if (since >= 0 && since < approval.recentRollbackWindowMs) {
      rules.push('recent_rollback')
      reasons.push(`started ${hours(since)} h after a rollback of ${state.config.model}`)
    }
  }
  const jump = stageJump(state.plan, toStep)
  if (jump !== null && jump > approval.maxStageJump) {
    rules.push('stage_jump')
    reasons.push(`${stepLabel(step)} is a jump of ${jump} points (limit ${approval.maxStageJump})`)
  }
  if (toStep === 0 && ctx.gatesWeakerThanDefaults.length > 0) {
    rules.push('weak_gates')
    reasons.push(`gates weaker than the model's defaults: ${ctx.gatesWeakerThanDefaults.join(', ')}`)
  }
  return rules.length === 0 ? null : { reason: reasons.join('; '), rules }
}

/**
 * The canonical JSON an approval's evidence hash is computed from: the configuration, the step
 * being approved and when it was put before approvers, and the latest verdict per metric of the
 * current step (with the latest decision and SRM check). Keys are sorted, so equal evidence
 * always hashes equally.
 */
export function evidenceDigestInput(state: RolloutState): string {
  const current = state.verdicts.filter((v) => v.stepIndex === state.stepIndex)
  const metrics: Record<string, VerdictSummary['metrics'][number]> = {}
  for (const v of current) for (const m of v.metrics) metrics[m.metric] = m
  const latest = current[current.length - 1]
  return canonicalJson({
    rollout: state.id,
    config: state.config,
    step: { index: state.stepIndex, epoch: state.stepEpoch },
    pending: state.pendingApproval
      ? { forStep: state.pendingApproval.forStep, requestedAt: state.pendingApproval.requestedAt }
      : null,
    verdict: latest ? { at: latest.at, decision: latest.decision, srm: latest.srm } : null,
    metrics,
  })
}

export type ApprovalRefusal = 'expired' | 'stale_evidence' | 'wrong_step'

export type ApprovalCheck = { valid: true } | { valid: false; reason: ApprovalRefusal; detail: string }

/**
 * Whether an approval may be acted on now.
 * @param approval what the approver approved: the evidence hash they saw, until when it holds,
 *   and (optionally) the step they meant.
 */
export function checkApproval(
  approval: { evidenceHash: string; expiresAt: number; forStep?: number | undefined },
  ctx: { now: number; currentEvidenceHash: string; forStep?: number | undefined },
): ApprovalCheck {
  if (ctx.now > approval.expiresAt) {
    return {
      valid: false,
      reason: 'expired',
      detail: `the evidence was approvable until ${new Date(approval.expiresAt).toISOString()}`,
    }
  }
  if (approval.forStep !== undefined && ctx.forStep !== undefined && approval.forStep !== ctx.forStep) {
    return {
      valid: false,
      reason: 'wrong_step',
      detail: `the approval is for step ${approval.forStep}, the pending step is ${ctx.forStep}`,
    }
  }
  if (approval.evidenceHash.toLowerCase() !== ctx.currentEvidenceHash.toLowerCase()) {
    return {
      valid: false,
      reason: 'stale_evidence',
      detail: 'the evidence changed since it was approved; review the current verdicts and approve again',
    }
  }
  return { valid: true }
}

function hours(ms: number): number {
  return Math.round(ms / 360_000) / 10
}
