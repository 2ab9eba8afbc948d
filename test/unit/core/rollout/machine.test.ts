import { describe, expect, it } from 'vitest'
import { DomainError } from '../../../../src/core/errors'
import { apply, start, subscribedTo, type Phase, type Transition } from '../../../../src/core/rollout'
import { DAY, Driver, HOUR, MIN, T0, actionTypes, config, evidenceHash, only, startContext, verdict } from './fixtures'

function refusal(fn: () => unknown): { code: string; refusal?: unknown; detail: string } {
  try {
    fn()
  } catch (e) {
    if (e instanceof DomainError) {
      return { code: e.code, refusal: e.extra?.refusal, detail: e.detail }
    }
    throw e
  }
  throw new Error('expected a DomainError')
}

describe('a good challenger walks shadow → 5 → 25 → 50 → 100 → watch → complete', () => {
  it('advances one step per PASS, publishing each step and promoting at 100%', () => {
    const d = new Driver()
    expect(d.state.phase).toBe('awaiting_evaluation')
    expect(d.last.actions).toEqual([])
    expect(d.state.plan.map((s) => s.kind)).toEqual(['shadow', 'canary', 'canary', 'canary', 'canary', 'watch'])

    const evaluated = d.evaluation()
    expect(only(evaluated, 'publish_routing')[0]?.routing).toEqual({
      weights: { v1: 100 },
      rules: [],
      shadow: { version: 'v2', sample_rate: 0.5 },
    })
    expect(d.state).toMatchObject({ phase: 'progressing', stepIndex: 0, stepEpoch: 41 })

    const held = d.tick('CONTINUE')
    expect(actionTypes(held)).toEqual(['record_verdict'])
    expect(held.event.type).toBe('held')

    const trail: Array<[Phase, number | null]> = []
    for (let i = 0; i < 4; i++) {
      const t = d.passStep()
      expect(t.event.type).toBe('advanced')
      trail.push([d.state.phase, d.lastPublishedWeight()])
    }
    expect(trail).toEqual([
      ['progressing', 5],
      ['progressing', 25],
      ['progressing', 50],
      ['watching', 100],
    ])
    const promotion = d.log.find((t) => t.actions.some((a) => a.type === 'set_champion'))
    expect(only(promotion!, 'set_champion')).toEqual([expect.objectContaining({ type: 'set_champion', version: 'v2' })])
    expect(d.state.plan[d.state.stepIndex]?.kind).toBe('watch')

    d.tick('CONTINUE', 30 * MIN)
    expect(d.state.phase).toBe('watching')
    const done = d.tick('PASS', 31 * MIN)
    expect(done.event.type).toBe('completed')
    expect(d.state).toMatchObject({ phase: 'completed', outcome: 'promoted', endedAt: d.now })
    expect(done.actions.filter((a) => a.type !== 'record_verdict')).toEqual([])
  })

  it('words an advance with one decision prefix and no doubled period', () => {
    const d = new Driver()
    d.evaluation()
    d.now += DAY * 3
    const t = d.apply({
      type: 'tick',
      now: d.now,
      stepIndex: d.state.stepIndex,
      stepEpoch: d.state.stepEpoch,
      verdict: verdict('PASS', {
        reason: 'PASS: all 2 gates passed after 48 h with 10,000 shadow pairs; no split to check.',
      }),
    })
    expect(t.event.type).toBe('advanced')
    expect(t.event.reason).toMatch(
      /^PASS at shadow \(50% copied\): all 2 gates passed after 48 h with 10,000 shadow pairs; no split to check; canary 5% started$/,
    )
  })

  it('does not call a watch that saw nothing it could judge a clean end: it pauses for a human', () => {
    const d = new Driver()
    d.evaluation()
    for (let i = 0; i < 4; i++) d.passStep()
    expect(d.state.phase).toBe('watching')
    const blind = verdict('CONTINUE', {
      metrics: verdict('CONTINUE').metrics.map((m) => ({ ...m, decision: 'insufficient_data' as const })),
    })
    d.now += 61 * MIN
    const t = d.apply({
      type: 'tick',
      now: d.now,
      stepIndex: d.state.stepIndex,
      stepEpoch: d.state.stepEpoch,
      verdict: blind,
    })
    expect(d.state).toMatchObject({ phase: 'paused', hold: { cause: 'inconclusive' } })
    expect(t.event.reason).toMatch(
      /^INCONCLUSIVE at watch \(1 h\): watch \(1 h\) ended after .* without evidence to judge/,
    )
    expect(actionTypes(t)).toContain('alert:inconclusive')
  })

  it('publishes canary weights that sum to 100 and keeps operator rules first', () => {
    const rule = { when: { header: 'x-tenant', equals: 'acme' }, version: 'v1' }
    const d = new Driver(config(), { baseRules: [rule] })
    d.evaluation()
    const t = d.passStep()
    expect(only(t, 'publish_routing')[0]?.routing).toEqual({
      weights: { v1: 95, v2: 5 },
      rules: [rule],
      shadow: null,
    })
  })

  it('suspends operator rules that send traffic to the challenger, so a shadow step serves it to nobody', () => {
    const keep = { when: { header: 'x-tenant', equals: 'acme' }, version: 'v1' }
    const toChallenger = { when: { header: 'x-tenant', in: ['beta'] }, version: 'v2', percent: 50 }
    const d = new Driver(config(), { baseRules: [toChallenger, keep] })
    expect(d.state.baseRules).toEqual([keep])
    expect(d.state.events[0]?.reason).toMatch(/1 operator cohort rule\(s\) sending traffic to v2 suspended/)
    expect(only(d.evaluation(), 'publish_routing')[0]?.routing).toEqual({
      weights: { v1: 100 },
      rules: [keep],
      shadow: { version: 'v2', sample_rate: 0.5 },
    })
    expect(only(d.passStep(), 'publish_routing')[0]?.routing).toEqual({
      weights: { v1: 95, v2: 5 },
      rules: [keep],
      shadow: null,
    })
  })

  it('keeps a readable timeline without per-tick noise', () => {
    const d = new Driver()
    d.evaluation()
    for (let i = 0; i < 10; i++) d.tick('CONTINUE')
    expect(d.state.events.map((e) => e.type)).toEqual(['started', 'advanced', 'step_live'])
    expect(d.state.events[1]?.reason).toBe('offline evaluation passed; shadow (50% copied) started')
  })

  it('holds a PASS that arrives before the step minimum duration', () => {
    const d = new Driver()
    d.evaluation()
    const early = d.tick('PASS', 5 * MIN)
    expect(early.event.type).toBe('held')
    expect(early.event.reason).toContain('held until the minimum duration (5 min of 30 min)')
    expect(d.state.stepIndex).toBe(0)
  })

  it('restarts the step clock when its routing goes live', () => {
    const d = new Driver()
    d.evaluation()
    d.wait(45 * MIN)
    const t = d.passStep()
    expect(t.state.stepEpoch).toBeNull() // as returned, before the caller confirmed
    expect(d.state.stepStartedAt).toBe(d.now)
    expect(d.tick('PASS', 5 * MIN).event.type).toBe('held')
  })
})

describe('a bad challenger', () => {
  it('is rolled back at the first stage on FAIL with exactly one rollback action', () => {
    const d = new Driver()
    d.evaluation()
    d.passStep()
    const t = d.tick('FAIL')
    expect(actionTypes(t)).toEqual([
      'rollback_routing',
      'record_verdict',
      'alert:fail',
      'alert:rollback',
      'open_incident',
    ])
    expect(only(t, 'rollback_routing')).toEqual([expect.objectContaining({ target: 'champion' })])
    expect(only(t, 'alert')[0]).toMatchObject({
      severity: 'critical',
      summary: expect.stringContaining('canary 5%'),
    })
    expect(d.state).toMatchObject({ phase: 'rolled_back', outcome: 'rolled_back' })
    expect(d.state.rollback).toMatchObject({
      trigger: 'gate_fail',
      target: 'champion',
      version: 'v1',
      fromStep: 1,
    })
    expect(d.state.verdicts.at(-1)).toMatchObject({ decision: 'FAIL', decisive: true })
    expect(d.tick('FAIL').actions).toEqual([])
    expect(d.log.flatMap((x) => only(x, 'rollback_routing'))).toHaveLength(1)
  })

  it('is rolled back to the previous champion when it FAILs during the watch', () => {
    const d = new Driver(config({ strategies: ['blue_green'] }))
    d.evaluation()
    expect(d.state.phase).toBe('watching')
    const t = d.tick('FAIL')
    expect(only(t, 'rollback_routing')).toEqual([expect.objectContaining({ target: 'previous_champion' })])
  })

  it('gets no traffic after a failing offline evaluation', () => {
    const d = new Driver()
    const t = d.evaluation(false)
    expect(actionTypes(t)).toEqual(['alert:fail'])
    expect(d.state).toMatchObject({
      phase: 'awaiting_evaluation',
      evaluation: { status: 'failed' },
    })
    expect(d.tick('PASS').actions).toEqual([])
    d.evaluation(true)
    expect(d.state.phase).toBe('progressing')
  })

  it('alerts critically when the rollback is not confirmed and accepts a later one', () => {
    const d = new Driver()
    d.evaluation()
    d.tick('FAIL')
    const bad = d.wait(MIN).apply({ type: 'rollback_confirmed', now: d.now, ok: false, details: null })
    expect(only(bad, 'alert')[0]).toMatchObject({
      kind: 'rollback_confirmed',
      severity: 'critical',
    })
    expect(bad.event.type).toBe('rollback_unconfirmed')
    expect(bad.event.reason).toMatch(
      /not confirmed yet: traffic or metrics not recovered; checked again every tick for 30 min$/,
    )
    const good = d.wait(MIN).apply({ type: 'rollback_confirmed', now: d.now, ok: true, details: null })
    expect(good.state.rollback?.confirmation).toMatchObject({ ok: true, timeToConfirmMs: 2 * MIN })
  })

  it('words the verdict after the give-up time as final, with its reason', () => {
    const d = new Driver()
    d.evaluation()
    d.tick('FAIL')
    const last = d
      .wait(31 * MIN)
      .apply({ type: 'rollback_confirmed', now: d.now, ok: false, details: { reason: 'not confirmed within 30 min' } })
    expect(last.event.reason).toMatch(/rollback to \S+ NOT confirmed: not confirmed within 30 min$/)
    expect(only(last, 'alert')[0]).toMatchObject({ severity: 'critical' })
  })

  it('keeps the numbers behind every decision in the verdict history', () => {
    const d = new Driver()
    d.evaluation()
    const t = d.tick('FAIL')
    const row = only(t, 'record_verdict')[0]?.verdict
    expect(row).toMatchObject({ decision: 'FAIL', stepIndex: 0, stepEpoch: 41, decisive: true })
    expect(row?.metrics[0]).toMatchObject({
      champion: { n: 4000, estimate: 0.31 },
      challenger: { n: 1000, estimate: 0.27 },
      contrast: -0.04,
      boundary: 0.011,
      pValue: 0.0004,
      margin: 0.02,
    })
    expect(d.state.verdicts.at(-1)).toEqual(row)
  })

  it('records the rollback confirmation with its time to confirm', () => {
    const d = new Driver()
    d.evaluation()
    d.tick('FAIL')
    const t = d.wait(3 * MIN).apply({ type: 'rollback_confirmed', now: d.now, ok: true, details: { errorRate: 0.01 } })
    expect(actionTypes(t)).toEqual(['alert:rollback_confirmed'])
    expect(d.state.rollback?.confirmation).toMatchObject({ ok: true, timeToConfirmMs: 3 * MIN })
    expect(d.apply({ type: 'rollback_confirmed', now: d.now, ok: true, details: null }).actions).toEqual([])
  })
})

describe('approvals', () => {
  it('stops a high-risk model before the step to 100% until approved', () => {
    const d = new Driver(config(), { risk: 'high' })
    d.evaluation()
    for (let i = 0; i < 3; i++) d.passStep()
    const asked = d.passStep()
    expect(actionTypes(asked)).toEqual(['record_verdict', 'alert:approval_needed'])
    expect(d.state).toMatchObject({ phase: 'awaiting_approval', stepIndex: 3 })
    expect(d.state.pendingApproval).toMatchObject({ forStep: 4, rules: ['final_step_risk'] })
    expect(d.tick('PASS', HOUR).actions).toEqual([])
    expect(refusal(() => d.operator('promote')).code).toBe('approval_required')

    const approved = d.approve('alice')
    expect(actionTypes(approved)).toEqual(['set_champion'])
    expect(approved.event).toMatchObject({ type: 'approved', actor: 'alice' })
    expect(d.state.approvals).toEqual([expect.objectContaining({ approver: 'alice', forStep: 4 })])
    expect(d.state.phase).toBe('watching')
  })

  it('refuses an expired approval, renews on a PASS, then refuses the stale hash', () => {
    const d = new Driver(config(), { risk: 'high' })
    d.evaluation()
    for (let i = 0; i < 4; i++) d.passStep()
    const seen = evidenceHash(d.state)
    d.wait(DAY + MIN)
    expect(refusal(() => d.approve('alice', seen))).toMatchObject({
      code: 'conflict',
      refusal: 'expired',
    })

    const renewed = d.tick('PASS')
    expect(renewed.event.type).toBe('approval_renewed')
    expect(actionTypes(renewed)).toEqual(['record_verdict', 'alert:approval_needed'])
    expect(refusal(() => d.approve('alice', seen))).toMatchObject({ refusal: 'stale_evidence' })
    d.approve('alice')
    expect(d.state.phase).toBe('watching')
  })

  it('keeps the evidence frozen while waiting, so the hash an approver saw stays valid', () => {
    const d = new Driver(config(), { risk: 'high' })
    d.evaluation()
    for (let i = 0; i < 4; i++) d.passStep()
    const seen = evidenceHash(d.state)
    d.tick('PASS', HOUR)
    d.tick('CONTINUE', HOUR)
    expect(evidenceHash(d.state)).toBe(seen)
  })

  it('still rolls back on FAIL while waiting for an approval', () => {
    const d = new Driver(config(), { risk: 'high' })
    d.evaluation()
    for (let i = 0; i < 4; i++) d.passStep()
    const t = d.tick('FAIL')
    expect(only(t, 'rollback_routing')).toHaveLength(1)
    expect(d.state).toMatchObject({ phase: 'rolled_back', pendingApproval: null })
  })

  it('asks before the first exposure of a rollout started within 7 days of a rollback', () => {
    const d = new Driver(config(), { lastRollbackAt: T0 - 3 * DAY })
    const t = d.evaluation()
    expect(actionTypes(t)).toEqual(['alert:approval_needed'])
    expect(d.state.pendingApproval).toMatchObject({ forStep: 0, rules: ['recent_rollback'] })
    expect(d.state.pendingApproval?.reason).toContain('72 h after a rollback of credit-risk')
    d.approve('alice')
    expect(d.state).toMatchObject({ phase: 'progressing', stepIndex: 0 })
  })

  it('does not ask when the last rollback is older than the window', () => {
    const d = new Driver(config(), { lastRollbackAt: T0 - 8 * DAY })
    d.evaluation()
    expect(d.state.phase).toBe('progressing')
  })

  it('asks before a stage jump above the limit and for gates weaker than defaults', () => {
    const jump = new Driver(config({ strategies: ['canary'], stages: [10, 100] }))
    jump.evaluation()
    jump.passStep()
    expect(jump.state.pendingApproval).toMatchObject({ forStep: 1, rules: ['stage_jump'] })
    const weak = new Driver(config(), { gatesWeakerThanDefaults: ['canary.margin'] })
    weak.evaluation()
    expect(weak.state.pendingApproval?.reason).toContain('canary.margin')
  })

  it('puts an operator promote through the same policy', () => {
    const d = new Driver(config(), { risk: 'high' })
    d.evaluation()
    for (let i = 0; i < 3; i++) d.passStep()
    const t = d.operator('promote', 'bob', 'looks fine')
    expect(t.event.type).toBe('approval_requested')
    expect(d.state.phase).toBe('awaiting_approval')
  })

  it('refuses an evaluation waiver unless the model is low-risk, and records it', () => {
    expect(refusal(() => start(config(), startContext({ evaluationWaived: true }))).code).toBe('forbidden')
    const t = start(config(), startContext({ evaluationWaived: true, risk: 'low' }))
    expect(t.state.evaluation.status).toBe('waived')
    expect(t.state.phase).toBe('progressing')
    expect(t.event.type).toBe('started')
    expect(t.state.events.map((e) => e.type)).toEqual(['started'])
  })

  it('blocks a new rollout while incident action items are open', () => {
    const r = refusal(() => start(config(), startContext({ openActionItems: 2 })))
    expect(r.code).toBe('conflict')
    expect(r.detail).toContain('2 open action item(s)')
  })
})

describe('HALT and INCONCLUSIVE', () => {
  it('halts on SRM: alert, no promotion, no rollback', () => {
    const d = new Driver()
    d.evaluation()
    d.passStep()
    const t = d.tick('HALT')
    expect(actionTypes(t)).toEqual(['record_verdict', 'alert:srm'])
    expect(d.state).toMatchObject({ phase: 'halted', hold: { cause: 'srm' } })
    expect(d.tick('PASS', HOUR).actions).toEqual([])
    expect(refusal(() => d.operator('promote')).code).toBe('conflict')
    d.operator('resume')
    expect(d.state).toMatchObject({ phase: 'progressing', stepStartedAt: d.now, stepIndex: 1 })
  })

  it('halts on contradicted outcomes like SRM, saying why, and pages webhooks that take srm', () => {
    const d = new Driver()
    d.evaluation()
    d.passStep()
    d.now += MIN
    const findings = [{ metric: 'conversion', arm: 'challenger' as const, conflicts: 30, accepted: 100, rate: 0.3 }]
    const v = verdict('HALT', {
      reason: 'HALT: outcome_conflicts: conversion on the challenger arm: 30 of 100 …',
      srm: { alarm: false, pValue: 0.4, observedShare: 0.05, expectedShare: 0.05, reason: 'split as designed' },
      conflicts: { alarm: true, findings, maxRate: 0.01, minConflicts: 20, reason: 'outcome_conflicts: 30 of 100.' },
    })
    const { stepIndex, stepEpoch } = d.state
    const t = d.apply({ type: 'tick', now: d.now, stepIndex, stepEpoch, verdict: v })
    expect(actionTypes(t)).toEqual(['record_verdict', 'alert:outcome_conflicts'])
    expect(d.state).toMatchObject({ phase: 'halted', hold: { cause: 'outcome_conflicts' } })
    expect(t.event.reason).toContain('outcome_conflicts: 30 of 100; no promotion and no rollback')
    expect(subscribedTo(['srm'], 'outcome_conflicts')).toBe(true)
    expect(subscribedTo(['fail'], 'outcome_conflicts')).toBe(false)
    expect(subscribedTo(['outcome_conflicts'], 'srm')).toBe(false)
    expect(d.tick('PASS', HOUR).actions).toEqual([])
    expect(refusal(() => d.operator('promote')).detail).toContain('contradicted business outcomes')
    d.operator('resume')
    expect(d.state).toMatchObject({ phase: 'progressing', stepStartedAt: d.now, stepIndex: 1 })
  })

  it('pauses on INCONCLUSIVE and never promotes on its own', () => {
    const d = new Driver()
    d.evaluation()
    d.passStep()
    const t = d.tick('INCONCLUSIVE', 4 * HOUR)
    expect(actionTypes(t)).toEqual(['record_verdict', 'alert:inconclusive'])
    expect(d.state).toMatchObject({ phase: 'paused', hold: { cause: 'inconclusive' } })
    for (let i = 0; i < 5; i++) expect(d.tick('PASS', HOUR).actions).toEqual([])
    expect(d.state.stepIndex).toBe(1)
    const before = d.state.stepEpoch
    const resumed = d.operator('resume')
    expect(resumed.event.reason).toContain('restarts its statistics from a new routing epoch')
    // The step's routing again, so that its evidence starts from a fresh epoch.
    expect(only(resumed, 'publish_routing')[0]?.routing.weights).toEqual({ v1: 95, v2: 5 })
    expect(d.state.stepEpoch).toBeNull() // evidence of the old epoch is no longer read
    d.confirmPublish()
    expect(d.state.stepEpoch).toBeGreaterThan(before!)
    expect(d.tick('PASS', 5 * MIN).event.type).toBe('held')
  })

  it('after an operator pause carries on with the same evidence', () => {
    const d = new Driver()
    d.evaluation()
    d.passStep()
    const epoch = d.state.stepEpoch
    d.operator('pause')
    const resumed = d.operator('resume')
    expect(resumed.event.reason).toContain('continues')
    expect(resumed.actions).toEqual([])
    expect(d.state.stepEpoch).toBe(epoch)
  })

  it('lets an operator promote after INCONCLUSIVE (the human judgement Argo pauses for)', () => {
    const d = new Driver()
    d.evaluation()
    d.passStep()
    d.tick('INCONCLUSIVE', 4 * HOUR)
    const t = d.operator('promote', 'bob', 'business accepts the risk')
    expect(t.event).toMatchObject({ type: 'advanced', actor: 'bob' })
    expect(d.lastPublishedWeight()).toBe(25)
  })
})

describe('idempotency and stale evidence', () => {
  function sameTickTwice(decision: 'CONTINUE' | 'PASS' | 'FAIL' | 'HALT' | 'INCONCLUSIVE') {
    const d = new Driver()
    d.evaluation()
    d.wait(HOUR)
    const input = {
      type: 'tick' as const,
      now: d.now,
      stepIndex: d.state.stepIndex,
      stepEpoch: d.state.stepEpoch,
      verdict: verdict(decision),
    }
    const first = d.apply(input)
    const second: Transition = apply(first.state, input)
    return { first, second }
  }

  it.each(['CONTINUE', 'PASS', 'FAIL', 'HALT', 'INCONCLUSIVE'] as const)(
    'applying the same %s tick twice yields no second actions',
    (decision) => {
      const { first, second } = sameTickTwice(decision)
      expect(first.actions.length).toBeGreaterThan(0)
      expect(second.actions).toEqual([])
      expect(second.state).toBe(first.state)
      expect(second.event.type).toBe('ignored')
    },
  )

  it('ignores a verdict for an older step or epoch', () => {
    const d = new Driver()
    d.evaluation()
    const old = { stepIndex: d.state.stepIndex, stepEpoch: d.state.stepEpoch }
    d.passStep()
    const t = d.apply({ type: 'tick', now: d.now + MIN, ...old, verdict: verdict('FAIL') })
    expect(t.actions).toEqual([])
    expect(t.event.reason).toContain('evidence for step 0 (epoch 41) but the current step is 1 (epoch 42)')
    expect(d.state.phase).toBe('progressing')
  })

  it('ignores evidence while the step routing is not live yet', () => {
    const d = new Driver()
    d.apply({ type: 'evaluation_report', now: d.now, passed: true, report: null })
    const t = d.apply({
      type: 'tick',
      now: d.now + MIN,
      stepIndex: 0,
      stepEpoch: null,
      verdict: verdict('PASS'),
    })
    expect(t.actions).toEqual([])
    expect(t.event.reason).toContain('not live yet')
  })

  it('ignores ticks in terminal phases and a repeated step confirmation', () => {
    const d = new Driver()
    d.evaluation()
    const again = d.apply({ type: 'step_published', now: d.now, stepIndex: 0, epoch: 41 })
    expect(again.event.type).toBe('ignored')
    d.operator('abort')
    expect(d.tick('FAIL').actions).toEqual([])
  })
})

describe('other plans', () => {
  it('feature flag: widens the cohort, then switches to 100% and watches', () => {
    const when = { header: 'x-tier', equals: 'beta' }
    const d = new Driver(config({ strategies: ['feature_flag'], cohort: { when, percents: [10, 50, 100] } }))
    const t = d.evaluation()
    expect(only(t, 'publish_routing')[0]?.routing.rules).toEqual([{ when, version: 'v2', percent: 10 }])
    d.passStep()
    d.passStep()
    const switched = d.passStep()
    expect(actionTypes(switched)).toEqual(['record_verdict', 'set_champion'])
    expect(d.state.phase).toBe('watching')
  })

  it('feature flag without promotion completes with the challenger serving the cohort', () => {
    const when = { header: 'x-tier', equals: 'beta' }
    const cohort = { when, percents: [50, 100], promote: false }
    const d = new Driver(config({ strategies: ['feature_flag'], cohort }))
    d.evaluation()
    d.passStep()
    d.passStep()
    expect(d.state.phase).toBe('watching')
    d.passStep()
    expect(d.state).toMatchObject({ phase: 'completed', outcome: 'cohort_released' })
  })

  it('shadow only: completes after the shadow PASS without a watch', () => {
    const d = new Driver(config({ strategies: ['shadow'] }))
    d.evaluation()
    d.passStep()
    expect(d.state).toMatchObject({ phase: 'completed', outcome: 'shadow_passed' })
  })

  it('keeps state plain JSON', () => {
    const d = new Driver(config(), { risk: 'high' })
    d.evaluation()
    for (let i = 0; i < 4; i++) d.passStep()
    d.approve()
    expect(JSON.parse(JSON.stringify(d.state))).toEqual(d.state)
  })

  it('bounds the verdict history: the last few per step plus every decisive one', () => {
    const d = new Driver()
    d.evaluation()
    for (let i = 0; i < 50; i++) d.tick('CONTINUE')
    d.passStep()
    for (let i = 0; i < 50; i++) d.tick('CONTINUE')
    const byStep = (s: number) => d.state.verdicts.filter((v) => v.stepIndex === s)
    expect(byStep(0).map((v) => v.decision)).toEqual([...Array(5).fill('CONTINUE'), 'PASS'])
    expect(byStep(1)).toHaveLength(5)
  })
})
