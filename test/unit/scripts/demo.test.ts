import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadTokens } from '../../../scripts/demo/client'
import { predict, WEIGHTS } from '../../../scripts/demo/credit-model'
import {
  GATE_OVERRIDES,
  METRIC,
  modelInput,
  rolloutRequest,
  SCENARIOS,
  SHADOW_MIN_S,
  shadowSeconds,
} from '../../../scripts/demo/plan'
import {
  bar,
  checkScenario,
  decisionsOf,
  eventLine,
  fmtDuration,
  renderSummary,
  statusLine,
  weakGatesSummary,
  wrap,
  type IncidentLite,
  type RolloutViewLite,
} from '../../../scripts/demo/report'
import { caseStream, DELAY_MS, loanOutcome, populationStats } from '../../../scripts/demo/simulation'
import { evaluateGates } from '../../../src/core/gates/evaluate'
import type { StageEvidence } from '../../../src/core/gates/types'
import { buildRolloutConfig } from '../../../src/services/coordinator/rollout-request'
import { emptyHistogram } from '../../../src/core/stats/histogram'
import { addValue, emptyMoments } from '../../../src/core/stats/moments'
import { createRng } from '../../../src/core/stats/sim/prng'
import { ModelInput } from '../../../src/schemas/model'
import { StartRolloutInput } from '../../../src/schemas/rollout'

describe('demo outcome generator', () => {
  it('replays the same applicants, fates and delays for a seed', () => {
    const a = caseStream(42, 0)
    const b = caseStream(42, 0)
    const c = caseStream(43, 0)
    const xs = Array.from({ length: 50 }, () => a())
    expect(Array.from({ length: 50 }, () => b())).toEqual(xs)
    expect(Array.from({ length: 50 }, () => c())).not.toEqual(xs)
    for (const x of xs) {
      expect(x.delayMs).toBeGreaterThanOrEqual(DELAY_MS.min)
      expect(x.delayMs).toBeLessThan(DELAY_MS.max)
      expect(x.pDefault).toBeGreaterThan(0)
      expect(x.pDefault).toBeLessThan(1)
    }
  })

  it('gives declined applicants no outcome, and approved loans their drawn fate', () => {
    const next = caseStream(7, 1)
    for (let i = 0; i < 200; i++) {
      const x = next()
      expect(loanOutcome(x, 'decline')).toBeNull()
      expect(loanOutcome(x, null)).toBeNull()
      expect(loanOutcome(x, 'approve')).toBe(x.wouldDefault ? 0 : 1)
    }
  })

  it('defaults at the true probability (noisy, no drift)', () => {
    const next = caseStream(1, 2)
    let expected = 0
    let defaults = 0
    const n = 40_000
    for (let i = 0; i < n; i++) {
      const x = next()
      expected += x.pDefault
      defaults += x.wouldDefault ? 1 : 0
    }
    // Binomial noise around the expected count: within 4 standard deviations.
    expect(Math.abs(defaults - expected)).toBeLessThan(4 * Math.sqrt(expected))
  })

  it('makes v2 as good as v1 and v3 clearly worse on repaid loans', () => {
    const v1 = populationStats(WEIGHTS.v1, 30_000)
    const v2 = populationStats(WEIGHTS.v2, 30_000)
    const v3 = populationStats(WEIGHTS.v3, 30_000)
    expect(Math.abs(v2.repaidRate - v1.repaidRate)).toBeLessThan(0.01)
    expect(v3.approvalRate).toBeGreaterThan(0.9)
    // v3 sits beyond the 5% margin, so it must not pass and should fail.
    expect(v3.repaidRate / v1.repaidRate).toBeLessThan(0.95)
    expect(v2.profitPerApplication).toBeGreaterThanOrEqual(v1.profitPerApplication)
  })
})

describe('demo plan', () => {
  it('declares a model and rollout requests the gateway schemas accept', () => {
    expect(() => ModelInput.parse(modelInput())).not.toThrow()
    for (const s of SCENARIOS) expect(() => StartRolloutInput.parse(rolloutRequest(s, Date.now()))).not.toThrow()
    const a = rolloutRequest(SCENARIOS[0]!, 0) as { durations: Record<string, number>; shadow?: unknown }
    const b = rolloutRequest(SCENARIOS[1]!, 0) as { durations: Record<string, number>; shadow?: unknown }
    expect(a.shadow).toBeDefined()
    expect(b.shadow).toBeUndefined()
    expect(b.durations.shadow_min_s).toBeUndefined()
  })

  it('ends the shadow step just after a minute boundary, at least SHADOW_MIN_S in', () => {
    for (const now of [
      Date.UTC(2026, 0, 1, 12, 0, 0),
      Date.UTC(2026, 0, 1, 12, 0, 34, 500),
      Date.UTC(2026, 0, 1, 12, 0, 59, 999),
      Date.UTC(2026, 0, 1, 12, 0, 36),
    ]) {
      const s = shadowSeconds(now)
      expect(s).toBeGreaterThanOrEqual(SHADOW_MIN_S)
      expect(s).toBeLessThanOrEqual(SHADOW_MIN_S + 61)
      const end = now + s * 1000
      const intoMinute = end % 60_000
      expect(intoMinute).toBeGreaterThan(0)
      expect(intoMinute).toBeLessThanOrEqual(2_000)
    }
  })

  // The overrides must let the real gates decide at the demo's volume: one 25% stage fed with
  // two minutes of 40 requests/s passes v2 and fails v3 (seeded, so deterministic).
  it('lets the real gates pass v2 and fail v3 at demo volume with the demo overrides', () => {
    const facts = {
      model: 'm',
      champion: 'v1',
      slaP99Ms: null,
      metrics: ModelInput.parse(modelInput()).metrics,
      championLatency: null,
      championP99Ms: null,
    }
    const decide = (challenger: 'v2' | 'v3', seed: number) => {
      const spec = SCENARIOS.find((s) => s.challenger === challenger)!
      const { config, weaker } = buildRolloutConfig(StartRolloutInput.parse(rolloutRequest(spec, 0)), facts)
      expect(weaker.length).toBeGreaterThan(0) // hence the approver
      const gate = config.gates.canary!
      const rng = createRng(seed, 5)
      const next = caseStream(seed, 9)
      const arms = { champion: { n: 0, m: emptyMoments() }, challenger: { n: 0, m: emptyMoments() } }
      for (let i = 0; i < 4_800; i++) {
        const x = next()
        const toChallenger = rng.uniform() < 0.25
        const arm = toChallenger ? arms.challenger : arms.champion
        arm.n++
        const o = loanOutcome(x, predict(WEIGHTS[toChallenger ? challenger : 'v1'], x.applicant).label)
        if (o !== null) arm.m = addValue(arm.m, o)
      }
      const ev = (a: { n: number; m: ReturnType<typeof emptyMoments> }) => ({
        exposures: a.n,
        errors: 0,
        latency: emptyHistogram(6),
        outcomes: { [METRIC]: a.m },
      })
      const evidence: StageEvidence = {
        champion: ev(arms.champion),
        challenger: ev(arms.challenger),
        shadow: null,
        expectedChallengerShare: 0.25,
        stageStartedAt: 0,
        now: 120_000,
      }
      return evaluateGates(evidence, gate)
    }
    expect(decide('v2', 3).decision).toBe('PASS')
    const bad = decide('v3', 3)
    expect(bad.decision).toBe('FAIL')
    expect(bad.reason).toMatch(new RegExp(METRIC))
    expect(GATE_OVERRIDES.business[0]?.fail_margin).toBe(0)
  })
})

const plan = [
  { index: 0, kind: 'canary', label: 'canary 25%' },
  { index: 1, kind: 'canary', label: 'canary 50%' },
  { index: 2, kind: 'canary', label: 'canary 100%' },
  { index: 3, kind: 'watch', label: 'watch (30 s)' },
]

function view(over: Partial<RolloutViewLite>): RolloutViewLite {
  return {
    id: 'ro_x',
    phase: 'progressing',
    terminal: false,
    challenger: 'v3',
    step: { index: 0, kind: 'canary', label: 'canary 25%', started_at: '', epoch: 6 },
    plan,
    pending_approval: null,
    verdicts: [],
    events: [],
    rollback: null,
    outcome: null,
    incident_id: null,
    created_at: '',
    ...over,
  }
}

const failVerdict = {
  at: 1_000_000 + 101_000,
  stepIndex: 0,
  decision: 'FAIL',
  decisive: true,
  elapsedMs: 101_000,
  reason: 'FAIL: repaid challenger 0.849 (n = 304) vs champion 0.925 (n = 721), −8.26%: worse than the margin shown.',
  metrics: [
    {
      metric: 'repaid',
      decision: 'fail',
      reason: 'FAIL: repaid challenger 0.849 (n = 304) vs champion 0.925 (n = 721): worse than the margin shown.',
    },
    {
      metric: 'error_rate',
      decision: 'pass',
      reason: 'PASS: error_rate challenger 0% shown below the absolute floor of 2%.',
    },
  ],
}

const rolledBack = view({
  phase: 'rolled_back',
  terminal: true,
  outcome: 'rolled_back',
  incident_id: 'inc_1',
  verdicts: [failVerdict],
  rollback: {
    at: 1_101_500,
    trigger: 'gate_fail',
    version: 'v1',
    fromStep: 0,
    reason: 'FAIL',
    confirmation: {
      at: 1_104_500,
      ok: true,
      timeToConfirmMs: 3_000,
      details: { epoch: 7, requests_since_rollback: 116, challenger_requests_since_rollback: 0, error_rate: 0 },
    },
  },
})

const incident: IncidentLite = {
  id: 'inc_1',
  trigger: 'gate_fail',
  impact: {
    challenger_requests: 947,
    challenger_errors: 0,
    metric_deltas: { repaid: { champion: 0.925, challenger: 0.849, delta: -0.076, decision: 'fail' } },
  },
  confirmation: { ok: true, time_to_confirm_ms: 3_000 },
  retrospective: {
    root_cause: 'biased sample',
    action_items: [
      { text: 'a', owner: null, status: 'closed' },
      { text: 'b', owner: null, status: 'closed' },
    ],
  },
  open_action_items: 0,
}

describe('demo report', () => {
  it('formats durations and bars', () => {
    expect(fmtDuration(3_000)).toBe('3.0 s')
    expect(fmtDuration(42_400)).toBe('42 s')
    expect(fmtDuration(185_000)).toBe('3:05')
    expect(bar(0.5, 10)).toBe('[█████░░░░░]')
    expect(bar(2, 4)).toBe('[████]')
    expect(wrap('aaa bbb ccc', 9, '  ')).toEqual(['  aaa bbb', '  ccc'])
  })

  it('collapses the per-stage weak-gate findings', () => {
    const s = weakGatesSummary(
      "gates weaker than the model's defaults: shadow: repaid: margin 5% > default 2%, canary: repaid: margin 5% > default 2%, canary: min_sample 200 < default 1000",
    )
    expect(s).toBe(
      "gates weaker than the model's defaults: repaid: margin 5% > default 2% (shadow, canary); min_sample 200 < default 1000 (canary)",
    )
  })

  it('shows status and events compactly', () => {
    const line = statusLine(
      'B',
      view({
        verdicts: [
          {
            ...failVerdict,
            decision: 'CONTINUE',
            decisive: false,
            reason: 'CONTINUE: waiting for repaid (insufficient_data); minimum duration: 10 s of 60 s.',
          },
        ],
      }),
      12_000,
      200,
    )
    expect(line).toContain('canary 25%')
    expect(line).toContain('CONTINUE: waiting for repaid (insufficient_data)')
    expect(line).not.toContain('minimum duration')
    expect(
      eventLine(
        {
          at: 0,
          type: 'rolled_back',
          actor: 'controller',
          reason: 'FAIL at canary 25%: x; traffic back to v1 (champion)',
        },
        plan,
      ),
    ).toBe('rolled back automatically: traffic back to v1 (champion)')
    expect(
      eventLine(
        {
          at: 0,
          type: 'advanced',
          actor: 'controller',
          reason: 'PASS at canary 25%: y; canary 50% started',
          details: { step: 1, label: 'canary 50%' },
        },
        plan,
      ),
    ).toBe('→ canary 50%')
    expect(eventLine({ at: 0, type: 'started', actor: 'x', reason: 'r' }, plan)).toBeNull()
  })

  it('lists decisive verdicts with their timing', () => {
    expect(decisionsOf(rolledBack, 1_000_000)).toEqual([
      { step: 'canary 25%', decision: 'FAIL', inStepMs: 101_000, sinceStartMs: 101_000, reason: failVerdict.reason },
    ])
  })

  it('accepts a confirmed automatic rollback with a closed retrospective, and nothing less', () => {
    expect(checkScenario({ expect: 'rolled_back', view: rolledBack, incident })).toEqual([])
    expect(
      checkScenario({ expect: 'rolled_back', view: rolledBack, incident: { ...incident, retrospective: null } }),
    ).toContain('no retrospective recorded')
    expect(
      checkScenario({
        expect: 'rolled_back',
        view: { ...rolledBack, rollback: { ...rolledBack.rollback!, confirmation: null } },
        incident,
      }),
    ).toContain('the rollback was not confirmed')
    expect(
      checkScenario({
        expect: 'rolled_back',
        view: { ...rolledBack, rollback: { ...rolledBack.rollback!, trigger: 'operator_rollback' } },
        incident,
      })[0],
    ).toMatch(/operator_rollback/)
    expect(checkScenario({ expect: 'promoted', view: rolledBack, incident: null })).toHaveLength(2)
    expect(
      checkScenario({
        expect: 'promoted',
        view: view({ phase: 'completed', terminal: true, outcome: 'promoted' }),
        incident: null,
      }),
    ).toEqual([])
    expect(checkScenario({ expect: 'promoted', view: null, incident: null })).toEqual(['the rollout never started'])
  })

  it('summarises decisions, exposure and confirmation', () => {
    const text = renderSummary(
      [
        {
          key: 'B',
          title: 'bad challenger v3',
          model: 'credit-demo-b',
          challenger: 'v3',
          expect: 'rolled_back',
          startedAt: 1_000_000,
          endedAt: 1_102_000,
          view: rolledBack,
          incident,
          problems: [],
        },
      ],
      {
        perModel: [
          {
            key: 'B',
            model: 'credit-demo-b',
            sent: 10,
            ok: 9,
            failed: { '503': 1 },
            failedSample: { '503': '' },
            byVersion: { v1: { requests: 6, approved: 4, repaid: 4 }, v3: { requests: 3, approved: 3, repaid: 2 } },
          },
        ],
        outcomes: { queued: 7, accepted: 6, duplicates: 0, rejected: 0, dropped: 0, reasons: {}, pending: 1 },
        ticks: 40,
        tickErrors: 0,
      },
      200_000,
      120,
    ).join('\n')
    expect(text).toContain('ROLLED BACK automatically   ✓ as expected')
    expect(text).toContain('FAIL at canary 25% after 1:41 in the step')
    expect(text).toContain('repaid fail: challenger 0.849')
    expect(text).toContain('confirmed yes, 3.0 s after the rollback')
    expect(text).toContain('exposed   947 requests served by v3')
    expect(text).toContain('2/2 action items closed, 0 open')
    expect(text).toContain('v3 3 scored, approved 100.0%, repaid 66.7%')
    expect(text).toContain('Result: both scenarios ended as expected.')
    const failed = renderSummary(
      [
        {
          key: 'A',
          title: 't',
          model: 'm',
          challenger: 'v2',
          expect: 'promoted',
          startedAt: null,
          endedAt: null,
          view: null,
          incident: null,
          problems: ['the rollout never started'],
        },
      ],
      {
        perModel: [],
        outcomes: { queued: 0, accepted: 0, duplicates: 0, rejected: 0, dropped: 0, reasons: {} },
        ticks: 0,
        tickErrors: 0,
      },
      1_000,
    ).join('\n')
    expect(failed).toContain('Result: NOT as expected (A).')
  })
})

describe('demo tokens', () => {
  it('reads .dev.vars, lets the environment override it, and explains what is missing', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'demo-'))
    try {
      expect(() => loadTokens(dir, {})).toThrow(/does not exist.*npm start/)
      writeFileSync(path.join(dir, '.dev.vars'), '# comment\nADMIN_TOKEN=adm\n')
      expect(() => loadTokens(dir, {})).toThrow(/has no APPROVER_TOKEN/)
      writeFileSync(path.join(dir, '.dev.vars'), 'ADMIN_TOKEN=adm\nAPPROVER_TOKEN="appr"\n')
      expect(() => loadTokens(dir, {})).toThrow(/has no REPORTER_TOKENS.*adds what an older one lacks/)
      writeFileSync(path.join(dir, '.dev.vars'), 'ADMIN_TOKEN=adm\nAPPROVER_TOKEN="appr"\nREPORTER_TOKENS=rep1,rep2\n')
      expect(loadTokens(dir, {})).toEqual({
        admin: 'adm',
        approver: 'appr',
        reporter: 'rep1',
        source: { admin: '.dev.vars', approver: '.dev.vars', reporter: '.dev.vars' },
      })
      expect(loadTokens(dir, { ADMIN_TOKEN: 'env' }).admin).toBe('env')
      expect(loadTokens(dir, { REPORTER_TOKENS: 'env-rep' })).toMatchObject({
        reporter: 'env-rep',
        source: { reporter: 'environment' },
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
