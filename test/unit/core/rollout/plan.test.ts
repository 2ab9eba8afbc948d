import { describe, expect, it } from 'vitest'
import vectors from '../../../vectors/rollout/plans-v1.json'
import {
  DAY_MS,
  buildPlan,
  formatDuration,
  gateConfigForStep,
  resolveConfig,
  routingAt,
  stageJump,
  stepLabel,
  validatePlan,
  verdictSays,
  type RolloutConfigInput,
  type Strategy,
} from '../../../../src/core/rollout'
import { HOUR, MIN, config, gate } from './fixtures'

const when = { header: 'x-tier', equals: 'beta' }
const ctx = { champion: 'v1', challenger: 'v2', baseRules: [] }
const long = gate({ maxDurationMs: 4 * DAY_MS })

describe('plans-v1 vectors', () => {
  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const input: RolloutConfigInput = {
      model: 'm',
      champion: 'v1',
      challenger: 'v2',
      strategies: c.strategies as Strategy[],
      gates: { shadow: long, canary: long, cohort: long, watch: long },
      ...('stages' in c ? { stages: c.stages } : {}),
      ...('cohort' in c ? { cohort: { when, ...c.cohort } } : {}),
    }
    expect(validatePlan(input)).toEqual([])
    const plan = buildPlan(resolveConfig(input))
    expect(plan.map(stepLabel)).toEqual(c.steps)
    expect(plan.map((_s, i) => routingAt(plan, i, ctx))).toEqual(c.routing)
  })
})

describe('resolveConfig', () => {
  it('fills the rollout defaults (docs/statistics.md §2.6)', () => {
    const c = resolveConfig({ ...config(), durations: undefined, shadow: undefined })
    expect(c.stages).toEqual([5, 25, 50, 100])
    expect(c.durations).toEqual({
      stageMinMs: DAY_MS,
      shadowMinMs: 2 * DAY_MS,
      watchMs: 3 * DAY_MS,
    })
    expect(c.shadow).toEqual({ sampleRate: 1, minSamples: 10_000 })
    expect(c.approval).toEqual({
      requireFinalApprovalForRisk: 'high',
      recentRollbackWindowMs: 7 * DAY_MS,
      maxStageJump: 50,
      approvalTtlMs: DAY_MS,
    })
  })

  it('never lets an explicit undefined erase a default', () => {
    const c = resolveConfig({ ...config(), durations: { watchMs: undefined, stageMinMs: 5 * MIN } })
    expect(c.durations).toEqual({
      stageMinMs: 5 * MIN,
      shadowMinMs: 2 * DAY_MS,
      watchMs: 3 * DAY_MS,
    })
  })
})

describe('validatePlan', () => {
  const fields = (input: RolloutConfigInput) => validatePlan(input).map((e) => e.field)

  it('accepts the demo configuration', () => {
    expect(validatePlan(config())).toEqual([])
  })

  it.each([
    ['weights not increasing', { stages: [5, 5, 100] }, ['stages.1']],
    ['more than two decimals', { stages: [0.125, 100] }, ['stages.0']],
    ['last stage below 100', { stages: [5, 50] }, ['stages']],
    ['out of range', { stages: [0, 100, 120] }, ['stages.0', 'stages.2', 'stages']],
    ['no strategy', { strategies: [] }, ['strategies']],
    ['unknown strategy', { strategies: ['dark_launch' as Strategy] }, ['strategies.0']],
    ['shadow after canary', { strategies: ['canary', 'shadow'] as Strategy[] }, ['strategies.1']],
    ['canary and blue/green together', { strategies: ['canary', 'blue_green'] as Strategy[] }, ['strategies.1']],
    ['feature flag without cohort', { strategies: ['feature_flag'] as Strategy[] }, ['cohort']],
    ['challenger equals champion', { challenger: 'v1' }, ['challenger']],
    ['bad sample rate', { shadow: { sampleRate: 0 } }, ['shadow.sampleRate']],
    ['negative duration', { durations: { stageMinMs: -1 } }, ['durations.stageMinMs']],
    [
      'bad approval settings',
      { approval: { maxStageJump: 0, approvalTtlMs: 0 } },
      ['approval.max_stage_jump', 'approval.approval_ttl_s'],
    ],
  ] as const)('reports %s', (_name, overrides, expected) => {
    expect(fields(config(overrides as Partial<RolloutConfigInput>))).toEqual(expected)
  })

  it('checks the cohort rule condition and percents', () => {
    const cohort = { when: { header: 'x-tier', equals: 'a', prefix: 'b' }, percents: [50, 10] }
    expect(fields(config({ strategies: ['feature_flag'], cohort }))).toEqual(['cohort.when', 'cohort.percents.1'])
  })

  it('needs a gate for every gated step kind, with a cap above the minimum duration', () => {
    expect(fields(config({ gates: { canary: gate(), watch: gate({ maxDurationMs: 6 * HOUR }) } }))).toEqual([
      'gates.shadow',
    ])
    const short = { shadow: gate(), canary: gate(), watch: gate({ maxDurationMs: 30 * MIN }) }
    expect(validatePlan(config({ gates: short }))).toEqual([
      {
        field: 'gates.watch.max_duration_s',
        message: expect.stringContaining('end the watch INCONCLUSIVE early'),
      },
    ])
  })

  it('rejects gate settings no test can run with, naming the override field', () => {
    const approved = gate().business[0]!
    const bad = gate({
      business: [{ ...approved, margin: 0.02, failMargin: 0.05 }],
      errorRate: { margin: 0.25, floor: 1 },
      latency: { thresholdMs: 250, margin: 0.1, failMargin: 0.2 },
      divergence: { maxRate: 0 },
    })
    expect(
      validatePlan(
        config({ gates: { shadow: gate(), canary: bad, watch: gate({ business: [{ ...approved, margin: 1 }] }) } }),
      ),
    ).toEqual([
      { field: 'gates.canary.business', message: 'approved: fail margin 5% must be between 0 and the margin 2%' },
      { field: 'gates.canary.error_rate.floor', message: 'floor 1 must be in [0, 1)' },
      { field: 'gates.canary.latency', message: 'fail margin 20% must be between 0 and the margin 10%' },
      { field: 'gates.canary.divergence.max_rate', message: 'max rate 0 must be in (0, 1)' },
      {
        field: 'gates.watch.business',
        message: 'approved: a relative margin of 100% on a higher-is-better metric must be < 100%',
      },
    ])
  })
})

describe('step helpers', () => {
  const plan = buildPlan(resolveConfig(config({ strategies: ['shadow', 'canary'], stages: [5, 60, 100] })))

  it('measures stage jumps within the canary ramp only', () => {
    expect(plan.map((_s, i) => stageJump(plan, i))).toEqual([null, 5, 55, 40, null])
  })

  it('folds the step minimums into its gate configuration', () => {
    const c = resolveConfig(config())
    const [shadow, canary] = buildPlan(c)
    expect(gateConfigForStep(c, shadow!)).toMatchObject({
      minDurationMs: 30 * MIN,
      minSamplePerArm: 1000,
    })
    expect(gateConfigForStep(c, canary!)).toMatchObject({
      minDurationMs: 10 * MIN,
      minSamplePerArm: 500,
    })
    expect(gateConfigForStep(c, { kind: 'switch' })).toBeNull()
  })

  it.each([
    [36 * HOUR, '36 h'],
    [72 * HOUR, '72 h'],
    [76 * HOUR, '3 d 4 h'],
    [7 * DAY_MS, '7 d'],
    [90 * MIN, '1 h 30 min'],
    [12 * MIN, '12 min'],
    [65 * MIN, '1 h 5 min'],
    [43_000, '43 s'],
    [45_000, '45 s'],
    [250, '250 ms'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})

describe('verdictSays', () => {
  it.each([
    ['PASS', 'PASS: all 2 gates passed.', 'PASS at canary 25%: all 2 gates passed'],
    ['FAIL', 'FAIL: error_rate 3% vs 1%', 'FAIL at canary 25%: error_rate 3% vs 1%'],
    ['INCONCLUSIVE', 'stage cap reached. ', 'INCONCLUSIVE at canary 25%: stage cap reached'],
    ['CONTINUE', 'PASS: not ours', 'CONTINUE at canary 25%: PASS: not ours'],
  ])('%s with %j', (decision, reason, text) => {
    expect(verdictSays(decision, 'canary 25%', reason)).toBe(text)
  })
})
