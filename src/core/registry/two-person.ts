/**
 * @module core/registry/two-person
 * The two-person rule (README, "Two-person rule"): which registry changes an operator may not make
 * alone, and whether an approver's confirmation of a held change may still be acted on.
 *
 * Where the model's policy covers its risk tier (by default medium and high), these need an
 * approver as well:
 * - `champion_switch`: another version becomes the champion (every rollback then returns all
 *   traffic to it): counted as moving 100% of the traffic;
 * - `traffic_shift`: the weights send more than `max_unapproved_shift_percent` off the champion and
 *   give some other version more than it had;
 * - `cohort_rule`: a new cohort rule sends matching requests to another version (a share nobody
 *   can bound in advance);
 * - `risk_lowered`: a lower risk tier (which waives the final approval and allows skipping the
 *   offline evaluation);
 * - `metric_removed`, `metric_weakened`: a gate metric removed, or given a larger margin, a wider
 *   or no cap or floor, another kind or direction;
 * - `policy_changed`: any change of the approval policy itself.
 * A policy weaker than the default for the model's tier needs an approver even where the current
 * policy does not apply (raising the tier and switching the rule off in one request). A rollback
 * never waits: it only returns traffic to a version that was the champion.
 */
import { canonicalJson } from '../rollout/canonical'
import { formatCondition } from '../rollout/describe'
import type { RoutingTable } from '../routing/types'
import type { RegistryCommand } from './commands'
import type { ModelState } from './model-state'
import { DEFAULT_APPROVAL_POLICY, RISK_TIERS, type ApprovalPolicy, type BusinessMetric, type RiskTier } from './types'

/** How long an operator's held change waits for an approver. */
export const PENDING_CHANGE_TTL_MS = 24 * 3_600_000

export const TWO_PERSON_RULES = [
  'champion_switch',
  'traffic_shift',
  'cohort_rule',
  'risk_lowered',
  'metric_removed',
  'metric_weakened',
  'policy_changed',
] as const
export type TwoPersonRule = (typeof TWO_PERSON_RULES)[number]

export interface TwoPersonReason {
  rule: TwoPersonRule
  detail: string
}

export interface TwoPersonDecision {
  needed: boolean
  reasons: TwoPersonReason[]
}

const RANK: Record<RiskTier, number> = { low: 0, medium: 1, high: 2 }

export function policyOf(state: Pick<ModelState, 'approval_policy'>): ApprovalPolicy {
  return state.approval_policy ?? DEFAULT_APPROVAL_POLICY
}

/** Whether `policy` asks for a second person on a model of tier `risk`. */
export function twoPersonApplies(risk: RiskTier, policy: ApprovalPolicy): boolean {
  return typeof policy.two_person === 'boolean' ? policy.two_person : policy.two_person.includes(risk)
}

/**
 * Whether the operator's change from `before` to `after` (the transition `kind` decided) needs an
 * approver too, and why. `before` is null when the change creates the model.
 * @example secondPersonNeeded('set_routing', highRisk, withWeights({ v1: 50, v2: 50 }))
 * // { needed: true, reasons: [{ rule: 'traffic_shift', detail: 'sends 50% of traffic off the champion v1 …' }] }
 */
export function secondPersonNeeded(
  kind: RegistryCommand['type'],
  before: ModelState | null,
  after: ModelState,
): TwoPersonDecision {
  const reasons: TwoPersonReason[] = []
  if (kind !== 'rollback' && before !== null && twoPersonApplies(before.risk, policyOf(before))) {
    const max = policyOf(before).max_unapproved_shift_percent
    reasons.push(...routingReasons(before.routing, after.routing, max))
    if (RANK[after.risk] < RANK[before.risk]) {
      reasons.push({ rule: 'risk_lowered', detail: `lowers the risk tier from ${before.risk} to ${after.risk}` })
    }
    reasons.push(...metricReasons(before.metrics, after.metrics))
    if (!samePolicy(policyOf(before), policyOf(after))) {
      reasons.push({
        rule: 'policy_changed',
        detail: `changes the approval policy to ${describePolicy(policyOf(after))}`,
      })
    }
  }
  const newlyWeak = weakerThanDefault(after) && (before === null || !weakerThanDefault(before))
  if (kind !== 'rollback' && newlyWeak && !reasons.some((r) => r.rule === 'policy_changed')) {
    reasons.push({
      rule: 'policy_changed',
      detail: `sets an approval policy (${describePolicy(policyOf(after))}) weaker than the default for a ${after.risk}-risk model`,
    })
  }
  return { needed: reasons.length > 0, reasons }
}

/** The model's policy exempts it from a second person, or lets one person move more, than the default. */
function weakerThanDefault(s: ModelState): boolean {
  if (!twoPersonApplies(s.risk, DEFAULT_APPROVAL_POLICY)) return false
  const p = policyOf(s)
  return (
    !twoPersonApplies(s.risk, p) ||
    p.max_unapproved_shift_percent > DEFAULT_APPROVAL_POLICY.max_unapproved_shift_percent
  )
}

function routingReasons(before: RoutingTable | null, after: RoutingTable | null, max: number): TwoPersonReason[] {
  // The first champion moves no traffic: nothing was served before it.
  if (before === null || after === null) return []
  if (after.champion !== before.champion) {
    if (max >= 100) return []
    const detail = `makes ${after.champion} the champion in place of ${before.champion}, the version every rollback sends all traffic to`
    return [{ rule: 'champion_switch', detail }]
  }
  const out: TwoPersonReason[] = []
  const off = (10_000 - Math.round((after.weights[after.champion] ?? 0) * 100)) / 100
  const gains = Object.entries(after.weights).some(([v, w]) => v !== after.champion && w > (before.weights[v] ?? 0))
  if (gains && off > max) {
    out.push({
      rule: 'traffic_shift',
      detail: `sends ${off}% of traffic off the champion ${after.champion} (an operator alone may move ${max}%)`,
    })
  }
  const known = new Set(before.rules.map((r) => canonicalJson(r)))
  for (const r of after.rules) {
    if (max >= 100 || r.version === after.champion || known.has(canonicalJson(r))) continue
    out.push({
      rule: 'cohort_rule',
      detail: `sends the cohort ${formatCondition(r.when)} to ${r.version}, a share of traffic nobody can bound in advance`,
    })
  }
  return out
}

function metricReasons(before: readonly BusinessMetric[], after: readonly BusinessMetric[]): TwoPersonReason[] {
  const next = new Map(after.map((m) => [m.name, m]))
  const out: TwoPersonReason[] = []
  for (const b of before) {
    const a = next.get(b.name)
    if (a === undefined) {
      out.push({ rule: 'metric_removed', detail: `removes the gate metric ${b.name}` })
      continue
    }
    const weaker: string[] = []
    if (a.kind !== b.kind) weaker.push(`kind ${b.kind} → ${a.kind}`)
    if (a.direction !== b.direction) weaker.push(`direction ${b.direction} → ${a.direction}`)
    if (a.margin > b.margin) weaker.push(`margin ${b.margin} → ${a.margin}`)
    if (isSet(b.cap) && !(isSet(a.cap) && a.cap <= b.cap)) weaker.push(`cap ${b.cap} → ${a.cap ?? 'none'}`)
    if (isSet(b.floor) && !(isSet(a.floor) && a.floor >= b.floor))
      weaker.push(`floor ${b.floor} → ${a.floor ?? 'none'}`)
    if (weaker.length > 0) out.push({ rule: 'metric_weakened', detail: `weakens ${b.name}: ${weaker.join(', ')}` })
  }
  return out
}

function isSet(v: number | undefined | null): v is number {
  return v !== undefined && v !== null
}

function tiersOf(p: ApprovalPolicy): RiskTier[] {
  return RISK_TIERS.filter((t) => twoPersonApplies(t, p))
}

function samePolicy(a: ApprovalPolicy, b: ApprovalPolicy): boolean {
  return tiersOf(a).join() === tiersOf(b).join() && a.max_unapproved_shift_percent === b.max_unapproved_shift_percent
}

function describePolicy(p: ApprovalPolicy): string {
  const tiers = tiersOf(p)
  const who = tiers.length === 0 ? 'no tier' : `${tiers.join(', ')} risk`
  return `two persons for ${who}, ${p.max_unapproved_shift_percent}% moved alone`
}

/** A change an operator asked for that waits for an approver (kept by the model's coordinator). */
export interface PendingChange {
  id: string
  model: string
  command: RegistryCommand
  reasons: TwoPersonReason[]
  requested_by: string
  requested_at: string
  expires_at: string
  /** The epoch the change was decided against: any other change since makes it stale. */
  epoch: number
}

export function pendingChange(p: {
  id: string
  model: string
  command: RegistryCommand
  reasons: TwoPersonReason[]
  requestedBy: string
  now: number
  epoch: number
}): PendingChange {
  return {
    id: p.id,
    model: p.model,
    command: p.command,
    reasons: p.reasons,
    requested_by: p.requestedBy,
    requested_at: new Date(p.now).toISOString(),
    expires_at: new Date(p.now + PENDING_CHANGE_TTL_MS).toISOString(),
    epoch: p.epoch,
  }
}

/** The human's name in an actor (`operator:alice` → `alice`); empty when none was given. */
export function actorName(actor: string): string {
  const i = actor.indexOf(':')
  return i < 0 ? '' : actor.slice(i + 1)
}

export type ChangeRefusal = 'expired' | 'stale' | 'self_approval'

export type ChangeCheck = { ok: true } | { ok: false; reason: ChangeRefusal; detail: string }

/** Whether `approver` may confirm `change` now, on a model at `epoch` (0 when not registered). */
export function checkPendingChange(
  change: PendingChange,
  ctx: { now: number; epoch: number; approver: string },
): ChangeCheck {
  const requester = actorName(change.requested_by)
  if (requester !== '' && requester === actorName(ctx.approver)) {
    return {
      ok: false,
      reason: 'self_approval',
      detail: `${requester} asked for change ${change.id}; another person must approve it`,
    }
  }
  if (ctx.now > Date.parse(change.expires_at)) {
    return {
      ok: false,
      reason: 'expired',
      detail: `change ${change.id} expired at ${change.expires_at}; ask for it again`,
    }
  }
  if (ctx.epoch !== change.epoch) {
    return {
      ok: false,
      reason: 'stale',
      detail: `change ${change.id} was asked for at epoch ${change.epoch}; the model is at epoch ${ctx.epoch} now: ask for it again against the current state`,
    }
  }
  return { ok: true }
}
