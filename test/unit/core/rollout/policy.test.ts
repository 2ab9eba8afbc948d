import { describe, expect, it } from 'vitest'
import {
  approvalNeeded,
  canonicalJson,
  checkApproval,
  evidenceDigestInput,
  start,
  type RolloutState,
} from '../../../../src/core/rollout'
import { DAY, Driver, T0, config, startContext } from './fixtures'

const facts = { risk: 'medium' as const, lastRollbackAt: null, gatesWeakerThanDefaults: [] }

function fresh(overrides = {}): RolloutState {
  return start(config(overrides), startContext()).state
}

describe('approvalNeeded', () => {
  const state = fresh() // shadow, 5, 25, 50, 100, watch

  it('needs nothing for a medium-risk model on default stages', () => {
    for (let toStep = 0; toStep < state.plan.length; toStep++) {
      expect(approvalNeeded(state, { ...facts, toStep })).toBeNull()
    }
  })

  it('asks before the step to 100% only, for risk at or above the configured tier', () => {
    const high = { ...facts, risk: 'high' as const }
    const asked = state.plan.map((_s, toStep) => approvalNeeded(state, { ...high, toStep })?.rules ?? [])
    expect(asked).toEqual([[], [], [], [], ['final_step_risk'], []])
    const strict = fresh({ approval: { requireFinalApprovalForRisk: 'medium' } })
    expect(approvalNeeded(strict, { ...facts, toStep: 4 })?.rules).toEqual(['final_step_risk'])
    expect(approvalNeeded(strict, { ...facts, risk: 'low', toStep: 4 })).toBeNull()
  })

  it('asks before the first exposure within the rollback window, measured from the start', () => {
    const recent = { ...facts, lastRollbackAt: T0 - 6 * DAY }
    expect(approvalNeeded(state, { ...recent, toStep: 0 })?.rules).toEqual(['recent_rollback'])
    expect(approvalNeeded(state, { ...recent, toStep: 1 })).toBeNull()
    expect(approvalNeeded(state, { ...facts, lastRollbackAt: T0 - 7 * DAY, toStep: 0 })).toBeNull()
  })

  it('combines every rule that applies into one request', () => {
    const blueGreen = fresh({ strategies: ['blue_green'] })
    const need = approvalNeeded(blueGreen, {
      risk: 'high',
      lastRollbackAt: T0 - DAY,
      gatesWeakerThanDefaults: ['watch.margin'],
      toStep: 0,
    })
    expect(need?.rules).toEqual(['final_step_risk', 'recent_rollback', 'weak_gates'])
    expect(need?.reason).toBe(
      "switch to 100% gives a high-risk model's traffic to the challenger; " +
        'started 24 h after a rollback of credit-risk; ' +
        "gates weaker than the model's defaults: watch.margin",
    )
  })

  it('defaults to the step after the current one', () => {
    expect(approvalNeeded(state, { ...facts, risk: 'high' })).toBeNull() // step 0 is shadow
  })
})

describe('evidence digest', () => {
  it('is canonical JSON: config and latest verdict per metric of the current step', () => {
    const d = new Driver()
    d.evaluation()
    d.tick('CONTINUE')
    const digest = JSON.parse(evidenceDigestInput(d.state))
    expect(Object.keys(digest)).toEqual(['config', 'metrics', 'pending', 'rollout', 'step', 'verdict'])
    expect(Object.keys(digest.metrics)).toEqual(['approved', 'error_rate'])
    expect(digest.verdict.decision).toBe('CONTINUE')
    expect(digest.config.model).toBe('credit-risk')
  })

  it('changes when a new verdict arrives and is stable otherwise', () => {
    const d = new Driver()
    d.evaluation()
    d.tick('CONTINUE')
    const before = evidenceDigestInput(d.state)
    expect(evidenceDigestInput(JSON.parse(JSON.stringify(d.state)))).toBe(before)
    d.tick('CONTINUE')
    expect(evidenceDigestInput(d.state)).not.toBe(before)
  })

  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [true, { d: null, c: 'x', e: undefined }] })).toBe(
      '{"a":[true,{"c":"x","d":null}],"b":1}',
    )
  })
})

describe('checkApproval', () => {
  const approval = { evidenceHash: 'ABC123', expiresAt: T0 + DAY, forStep: 4 }

  it('accepts a matching hash before expiry (hex case-insensitive)', () => {
    expect(checkApproval(approval, { now: T0, currentEvidenceHash: 'abc123', forStep: 4 })).toEqual({ valid: true })
  })

  it.each([
    ['expired', { now: T0 + DAY + 1, currentEvidenceHash: 'abc123' }],
    ['stale_evidence', { now: T0, currentEvidenceHash: 'def456' }],
    ['wrong_step', { now: T0, currentEvidenceHash: 'abc123', forStep: 3 }],
  ] as const)('refuses as %s', (reason, ctx) => {
    expect(checkApproval(approval, ctx)).toMatchObject({ valid: false, reason })
  })
})
