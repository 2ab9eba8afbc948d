/**
 * The two-person rule as a table: for each change of a model, which rules (if any) make it wait
 * for an approver, on each risk tier and policy; then when a held change may be approved.
 */
import { describe, expect, it } from 'vitest'
import { decideCommand, type RegistryCommand } from '../../../../src/core/registry/commands'
import {
  putVersion,
  setChampion,
  setRouting,
  upsertModel,
  type ModelState,
} from '../../../../src/core/registry/model-state'
import {
  checkPendingChange,
  pendingChange,
  PENDING_CHANGE_TTL_MS,
  secondPersonNeeded,
  type TwoPersonRule,
} from '../../../../src/core/registry/two-person'
import type { ApprovalPolicy, BusinessMetric, ModelInput, RiskTier } from '../../../../src/core/registry/types'
import type { CohortRule } from '../../../../src/core/routing/types'

const T = '2026-11-26T10:00:00.000Z'
const http = (url: string) => ({ url, timeout_ms: 1000, stream_idle_timeout_ms: 30_000 })

const REVENUE: BusinessMetric = {
  name: 'revenue',
  kind: 'mean',
  direction: 'higher_is_better',
  window_s: 3600,
  cap: 100,
  floor: 0,
  positive_labels: [],
  margin: 0.02,
}
const CLICKED: BusinessMetric = {
  name: 'clicked',
  kind: 'proportion',
  direction: 'higher_is_better',
  window_s: 3600,
  positive_labels: ['1'],
  margin: 0.02,
}
const TENANT: CohortRule = { when: { header: 'x-tenant', in: ['acme'] }, version: 'v2', percent: 50 }

function inputOf(risk: RiskTier, policy?: ApprovalPolicy): ModelInput {
  return {
    risk,
    unit_header: 'x-unit-id',
    fallback_to_champion: true,
    metrics: [REVENUE, CLICKED],
    shadow_compare: null,
    metric_shards: 4,
    latency_measure: 'ttfb',
    ...(policy ? { approval_policy: policy } : {}),
  }
}

interface Setup {
  risk: RiskTier
  policy?: ApprovalPolicy
  weights?: Record<string, number>
  rules?: CohortRule[]
  champion?: boolean
}

/** A model with versions v1..v3, champion v1 (unless `champion: false`) and the given routing. */
function model(s: Setup): ModelState {
  let m = upsertModel(null, 'm', inputOf(s.risk, s.policy), { now: T, salt: 'salt' }).state
  for (const v of ['v1', 'v2', 'v3']) m = putVersion(m, v, http(`http://${v}`), { now: T })!.state
  if (s.champion === false) return m
  m = setChampion(m, { version: 'v1', keep_weights: false }, { now: T }).state
  if (s.weights || s.rules)
    m = setRouting(m, { weights: s.weights ?? { v1: 100 }, rules: s.rules ?? [] }, { now: T }).state
  return m
}

const routing = (weights: Record<string, number>, rules: CohortRule[] = []): RegistryCommand => ({
  type: 'set_routing',
  input: { weights, rules },
})
const settings = (risk: RiskTier, over: Partial<ModelInput> = {}): RegistryCommand => ({
  type: 'upsert_model',
  input: { ...inputOf(risk), ...over },
})
const withRevenue = (risk: RiskTier, over: Partial<BusinessMetric>): RegistryCommand =>
  settings(risk, { metrics: [{ ...REVENUE, ...over }, CLICKED] })

const OFF: ApprovalPolicy = { two_person: false, max_unapproved_shift_percent: 10 }

const TABLE: Array<{ name: string; before: Setup | null; cmd: RegistryCommand; rules: TwoPersonRule[] }> = [
  // Traffic on a high-risk model (the default policy covers it).
  { name: '10% off the champion', before: { risk: 'high' }, cmd: routing({ v1: 90, v2: 10 }), rules: [] },
  {
    name: '11% off the champion',
    before: { risk: 'high' },
    cmd: routing({ v1: 89, v2: 11 }),
    rules: ['traffic_shift'],
  },
  {
    name: '10.01% off the champion',
    before: { risk: 'high' },
    cmd: routing({ v1: 89.99, v2: 10.01 }),
    rules: ['traffic_shift'],
  },
  {
    name: 'everything off the champion',
    before: { risk: 'high' },
    cmd: routing({ v2: 100 }),
    rules: ['traffic_shift'],
  },
  {
    name: 'traffic back to the champion',
    before: { risk: 'high', weights: { v1: 50, v2: 50 } },
    cmd: routing({ v1: 80, v2: 20 }),
    rules: [],
  },
  {
    name: 'the same share sent to another version',
    before: { risk: 'high', weights: { v1: 50, v2: 50 } },
    cmd: routing({ v1: 50, v3: 50 }),
    rules: ['traffic_shift'],
  },
  {
    name: 'a new cohort rule to another version',
    before: { risk: 'high' },
    cmd: routing({ v1: 100 }, [TENANT]),
    rules: ['cohort_rule'],
  },
  {
    name: 'a cohort rule kept as it was',
    before: { risk: 'high', rules: [TENANT] },
    cmd: routing({ v1: 95, v2: 5 }, [TENANT]),
    rules: [],
  },
  {
    name: 'a cohort rule to the champion',
    before: { risk: 'high' },
    cmd: routing({ v1: 100 }, [{ ...TENANT, version: 'v1' }]),
    rules: [],
  },
  {
    name: 'a shadow copy (answers still come from the champion)',
    before: { risk: 'high' },
    cmd: { type: 'set_routing', input: { weights: { v1: 100 }, rules: [], shadow: { version: 'v2', sample_rate: 1 } } },
    rules: [],
  },
  {
    name: 'a champion switch',
    before: { risk: 'high' },
    cmd: { type: 'set_champion', input: { version: 'v2', keep_weights: false } },
    rules: ['champion_switch'],
  },
  {
    name: 'a champion switch that keeps the weights',
    before: { risk: 'high', weights: { v1: 95, v2: 5 } },
    cmd: { type: 'set_champion', input: { version: 'v2', keep_weights: true } },
    rules: ['champion_switch'],
  },
  {
    name: 'the same champion again',
    before: { risk: 'high', weights: { v1: 95, v2: 5 } },
    cmd: { type: 'set_champion', input: { version: 'v1', keep_weights: false } },
    rules: [],
  },
  {
    name: 'the first champion',
    before: { risk: 'high', champion: false },
    cmd: { type: 'set_champion', input: { version: 'v1', keep_weights: false } },
    rules: [],
  },
  {
    name: 'a rollback (never held)',
    before: { risk: 'high', weights: { v1: 50, v2: 50 } },
    cmd: { type: 'rollback', target: 'champion', reason: 'by hand' },
    rules: [],
  },
  {
    name: 'a new version',
    before: { risk: 'high' },
    cmd: { type: 'put_version', version: 'v4', backend: http('http://v4') },
    rules: [],
  },
  // Settings on a high-risk model.
  { name: 'the same settings', before: { risk: 'high' }, cmd: settings('high'), rules: [] },
  { name: 'a higher risk tier', before: { risk: 'medium' }, cmd: settings('high'), rules: [] },
  { name: 'high → medium', before: { risk: 'high' }, cmd: settings('medium'), rules: ['risk_lowered'] },
  { name: 'medium → low', before: { risk: 'medium' }, cmd: settings('low'), rules: ['risk_lowered'] },
  {
    name: 'a gate metric removed',
    before: { risk: 'high' },
    cmd: settings('high', { metrics: [CLICKED] }),
    rules: ['metric_removed'],
  },
  {
    name: 'a metric added',
    before: { risk: 'high' },
    cmd: settings('high', { metrics: [REVENUE, CLICKED, { ...CLICKED, name: 'kept' }] }),
    rules: [],
  },
  {
    name: 'a larger margin',
    before: { risk: 'high' },
    cmd: withRevenue('high', { margin: 0.05 }),
    rules: ['metric_weakened'],
  },
  { name: 'a smaller margin', before: { risk: 'high' }, cmd: withRevenue('high', { margin: 0.01 }), rules: [] },
  {
    name: 'a higher cap',
    before: { risk: 'high' },
    cmd: withRevenue('high', { cap: 1000 }),
    rules: ['metric_weakened'],
  },
  { name: 'a lower cap', before: { risk: 'high' }, cmd: withRevenue('high', { cap: 50 }), rules: [] },
  {
    name: 'no cap',
    before: { risk: 'high' },
    cmd: withRevenue('high', { cap: undefined }),
    rules: ['metric_weakened'],
  },
  {
    name: 'a lower floor',
    before: { risk: 'high' },
    cmd: withRevenue('high', { floor: -10 }),
    rules: ['metric_weakened'],
  },
  { name: 'a higher floor', before: { risk: 'high' }, cmd: withRevenue('high', { floor: 1 }), rules: [] },
  {
    name: 'another direction',
    before: { risk: 'high' },
    cmd: withRevenue('high', { direction: 'lower_is_better' }),
    rules: ['metric_weakened'],
  },
  {
    name: 'another kind',
    before: { risk: 'high' },
    cmd: withRevenue('high', { kind: 'proportion' }),
    rules: ['metric_weakened'],
  },
  {
    name: 'a stricter policy',
    before: { risk: 'high' },
    cmd: settings('high', { approval_policy: { two_person: true, max_unapproved_shift_percent: 5 } }),
    rules: ['policy_changed'],
  },
  {
    name: 'the policy left out (kept as it is)',
    before: { risk: 'high', policy: { two_person: true, max_unapproved_shift_percent: 5 } },
    cmd: settings('high'),
    rules: [],
  },
  {
    name: 'several at once',
    before: { risk: 'high' },
    cmd: settings('low', { metrics: [REVENUE], approval_policy: OFF }),
    rules: ['risk_lowered', 'metric_removed', 'policy_changed'],
  },
  // Medium risk: covered by the default policy too.
  {
    name: 'medium: 50% off the champion',
    before: { risk: 'medium' },
    cmd: routing({ v1: 50, v2: 50 }),
    rules: ['traffic_shift'],
  },
  // Low risk: today's behaviour, unless the policy says otherwise.
  { name: 'low: 50% off the champion', before: { risk: 'low' }, cmd: routing({ v1: 50, v2: 50 }), rules: [] },
  {
    name: 'low: a champion switch',
    before: { risk: 'low' },
    cmd: { type: 'set_champion', input: { version: 'v2', keep_weights: false } },
    rules: [],
  },
  { name: 'low: a metric removed', before: { risk: 'low' }, cmd: settings('low', { metrics: [] }), rules: [] },
  {
    name: 'low: the rule switched off',
    before: { risk: 'low' },
    cmd: settings('low', { approval_policy: OFF }),
    rules: [],
  },
  {
    name: 'low → high with the rule switched off',
    before: { risk: 'low' },
    cmd: settings('high', { approval_policy: OFF }),
    rules: ['policy_changed'],
  },
  {
    name: 'low with two_person: true',
    before: { risk: 'low', policy: { two_person: true, max_unapproved_shift_percent: 10 } },
    cmd: routing({ v1: 50, v2: 50 }),
    rules: ['traffic_shift'],
  },
  // Policies that let one person do more.
  { name: 'high with the rule off', before: { risk: 'high', policy: OFF }, cmd: routing({ v2: 100 }), rules: [] },
  {
    name: 'high, 50% allowed: 40% moved',
    before: { risk: 'high', policy: { two_person: ['high'], max_unapproved_shift_percent: 50 } },
    cmd: routing({ v1: 60, v2: 40 }),
    rules: [],
  },
  {
    name: 'high, 50% allowed: 60% moved',
    before: { risk: 'high', policy: { two_person: ['high'], max_unapproved_shift_percent: 50 } },
    cmd: routing({ v1: 40, v2: 60 }),
    rules: ['traffic_shift'],
  },
  {
    name: 'high, 100% allowed: a cohort rule',
    before: { risk: 'high', policy: { two_person: ['high'], max_unapproved_shift_percent: 100 } },
    cmd: routing({ v1: 100 }, [TENANT]),
    rules: [],
  },
  {
    name: 'high, 100% allowed: a champion switch',
    before: { risk: 'high', policy: { two_person: ['high'], max_unapproved_shift_percent: 100 } },
    cmd: { type: 'set_champion', input: { version: 'v2', keep_weights: false } },
    rules: [],
  },
  // Creating a model.
  { name: 'a new high-risk model', before: null, cmd: settings('high'), rules: [] },
  {
    name: 'a new high-risk model with the rule off',
    before: null,
    cmd: settings('high', { approval_policy: OFF }),
    rules: ['policy_changed'],
  },
  {
    name: 'a new low-risk model with the rule off',
    before: null,
    cmd: settings('low', { approval_policy: OFF }),
    rules: [],
  },
]

describe('secondPersonNeeded', () => {
  it.each(TABLE)('$name → [$rules]', ({ before, cmd, rules }) => {
    const current = before === null ? null : model(before)
    const t = decideCommand(cmd, current, 'm', { now: T, salt: () => 'salt' })
    const after = t?.state ?? (current as ModelState)
    const decision = secondPersonNeeded(cmd.type, current, after)
    expect(decision.reasons.map((r) => r.rule)).toEqual(rules)
    expect(decision.needed).toBe(rules.length > 0)
  })

  it('says what the change does in each reason', () => {
    const before = model({ risk: 'high' })
    const after = decideCommand(routing({ v1: 70, v2: 30 }, [TENANT]), before, 'm', { now: T, salt: () => 's' })!.state
    expect(secondPersonNeeded('set_routing', before, after).reasons.map((r) => r.detail)).toEqual([
      'sends 30% of traffic off the champion v1 (an operator alone may move 10%)',
      'sends the cohort x-tenant in [acme] to v2, a share of traffic nobody can bound in advance',
    ])
    const weakened = decideCommand(withRevenue('high', { margin: 0.1, cap: undefined }), before, 'm', {
      now: T,
      salt: () => 's',
    })!.state
    expect(secondPersonNeeded('upsert_model', before, weakened).reasons).toEqual([
      { rule: 'metric_weakened', detail: 'weakens revenue: margin 0.02 → 0.1, cap 100 → none' },
    ])
  })
})

describe('checkPendingChange', () => {
  const now = Date.parse(T)
  const change = pendingChange({
    id: 'chg_1',
    model: 'm',
    command: routing({ v1: 50, v2: 50 }),
    reasons: [{ rule: 'traffic_shift', detail: 'x' }],
    requestedBy: 'operator:alice',
    now,
    epoch: 7,
  })

  it('holds for 24 hours from the request', () => {
    expect(change.expires_at).toBe(new Date(now + PENDING_CHANGE_TTL_MS).toISOString())
    expect(PENDING_CHANGE_TTL_MS).toBe(86_400_000)
  })

  it.each([
    { approver: 'approver:bob', at: now, epoch: 7, result: 'ok' },
    { approver: 'approver', at: now, epoch: 7, result: 'ok' },
    { approver: 'approver:alice', at: now, epoch: 7, result: 'self_approval' },
    { approver: 'approver:bob', at: now + PENDING_CHANGE_TTL_MS, epoch: 7, result: 'ok' },
    { approver: 'approver:bob', at: now + PENDING_CHANGE_TTL_MS + 1, epoch: 7, result: 'expired' },
    { approver: 'approver:bob', at: now, epoch: 8, result: 'stale' },
  ])('$approver at $at, epoch $epoch → $result', ({ approver, at, epoch, result }) => {
    const check = checkPendingChange(change, { now: at, epoch, approver })
    expect(check.ok ? 'ok' : check.reason).toBe(result)
  })

  it('lets two unnamed callers through (two tokens, two people)', () => {
    const unnamed = { ...change, requested_by: 'operator' }
    expect(checkPendingChange(unnamed, { now, epoch: 7, approver: 'approver' }).ok).toBe(true)
  })
})
