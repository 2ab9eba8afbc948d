import { describe, expect, it } from 'vitest'
import { validatePlan, type RolloutConfigInput, type Strategy } from '../../../../src/core/rollout'
import { MIN, config, gate } from './fixtures'

const errors = (overrides: Partial<RolloutConfigInput>) => validatePlan(config(overrides))
/** The fixture's durations, which its gates' caps leave room for. */
const durations = (d: Partial<NonNullable<RolloutConfigInput['durations']>>) => ({
  stageMinMs: 10 * MIN,
  shadowMinMs: 30 * MIN,
  watchMs: 60 * MIN,
  ...d,
})
const cohort = (when: Record<string, unknown>, percents = [10, 100]) =>
  ({ strategies: ['feature_flag'] as Strategy[], cohort: { when, percents } }) as Partial<RolloutConfigInput>

describe('validatePlan tells the caller which field is wrong and why', () => {
  it.each([
    ['an empty model', { model: '' }, [{ field: 'model', message: 'required' }]],
    ['no champion', { champion: undefined as unknown as string }, [{ field: 'champion', message: 'required' }]],
    [
      'the champion as challenger',
      { challenger: 'v1' },
      [{ field: 'challenger', message: 'the challenger must differ from the champion' }],
    ],
    ['no strategy', { strategies: [] }, [{ field: 'strategies', message: 'at least one strategy' }]],
    [
      'an unknown strategy',
      { strategies: ['dark_launch' as Strategy] },
      [
        {
          field: 'strategies.0',
          message: 'unknown strategy dark_launch; one of shadow, canary, blue_green, feature_flag',
        },
      ],
    ],
    [
      'a strategy twice',
      { strategies: ['canary', 'canary'] as Strategy[] },
      [{ field: 'strategies.1', message: expect.stringContaining('each once') }],
    ],
    ['no canary stage', { stages: [] }, [{ field: 'stages', message: 'at least one stage' }]],
    [
      'a stage above 100',
      { stages: [5, 101] },
      [
        { field: 'stages.1', message: 'a percentage in (0, 100]' },
        { field: 'stages', message: 'the last canary stage must be 100' },
      ],
    ],
    ['three decimals', { stages: [0.125, 100] }, [{ field: 'stages.0', message: 'at most two decimals' }]],
    ['a stage that does not grow', { stages: [5, 5, 100] }, [{ field: 'stages.1', message: 'must be greater than 5' }]],
    [
      'a fractional duration',
      { durations: durations({ stageMinMs: 1.5 }) },
      [{ field: 'durations.stageMinMs', message: 'a whole number of ms, ≥ 0' }],
    ],
    ['a sample rate above 1', { shadow: { sampleRate: 1.01 } }, [{ field: 'shadow.sampleRate', message: 'in (0, 1]' }]],
    [
      'a negative shadow sample size',
      { shadow: { minSamples: -1 } },
      [{ field: 'shadow.minSamples', message: 'a whole number ≥ 0' }],
    ],
    [
      'a fractional shadow sample size',
      { shadow: { minSamples: 1.5 } },
      [{ field: 'shadow.minSamples', message: 'a whole number ≥ 0' }],
    ],
    [
      'an unknown risk tier',
      { approval: { requireFinalApprovalForRisk: 'extreme' as 'high' } },
      [{ field: 'approval.require_final_approval_for_risk', message: 'one of low, medium, high' }],
    ],
    [
      'a negative rollback window',
      { approval: { recentRollbackWindowMs: -1 } },
      [{ field: 'approval.recent_rollback_window_s', message: 'whole milliseconds, ≥ 0' }],
    ],
    [
      'a fractional rollback window',
      { approval: { recentRollbackWindowMs: 0.5 } },
      [{ field: 'approval.recent_rollback_window_s', message: 'whole milliseconds, ≥ 0' }],
    ],
    [
      'a stage jump above 100',
      { approval: { maxStageJump: 100.5 } },
      [{ field: 'approval.max_stage_jump', message: 'in (0, 100]' }],
    ],
    [
      'a fractional approval lifetime',
      { approval: { approvalTtlMs: 1.5 } },
      [{ field: 'approval.approval_ttl_s', message: 'whole milliseconds, > 0' }],
    ],
  ] as const)('%s', (_name, overrides, expected) => {
    expect(errors(overrides as Partial<RolloutConfigInput>)).toEqual(expected)
  })

  it.each([
    [
      'the boundaries of every setting',
      { stages: [0.01, 33.33, 100], durations: durations({ stageMinMs: 0, shadowMinMs: 0 }) },
    ],
    ['a full sample rate and no minimum sample', { shadow: { sampleRate: 1, minSamples: 0 } }],
    [
      'no rollback window, a stage jump of 100, a 1 ms approval',
      { approval: { recentRollbackWindowMs: 0, maxStageJump: 100, approvalTtlMs: 1 } },
    ],
  ] as const)('accepts %s', (_name, overrides) => {
    expect(errors(overrides as Partial<RolloutConfigInput>)).toEqual([])
  })

  it('checks canary stages given to a plan without a canary', () => {
    expect(errors({ strategies: ['shadow'], stages: [5, 50] })).toEqual([
      { field: 'stages', message: 'the last canary stage must be 100' },
    ])
    expect(errors({ strategies: ['shadow'] })).toEqual([])
  })

  it('checks the stage lengths planned by power', () => {
    const auto = (ms: number) => ({
      power: 0.8,
      trafficPerS: 10,
      measured: [],
      stages: [{ weight: 5, ms, capped: false }],
    })
    expect(errors({ durations: durations({ auto: auto(-1) }) })).toEqual([
      { field: 'durations.auto.5', message: 'a whole number of ms, ≥ 0' },
    ])
    expect(errors({ durations: durations({ auto: auto(0.5) }) }).map((e) => e.field)).toEqual(['durations.auto.5'])
    expect(errors({ durations: durations({ auto: auto(0) }) })).toEqual([])
  })

  it('needs exactly one of header or cf, and exactly one comparison, in a cohort condition', () => {
    expect(errors(cohort({ header: 'x-tier', cf: 'country', equals: 'a' }))).toEqual([
      { field: 'cohort.when', message: 'exactly one of header or cf' },
    ])
    expect(errors(cohort({ equals: 'a' }))).toEqual([{ field: 'cohort.when', message: 'exactly one of header or cf' }])
    expect(errors(cohort({ header: 'x-tier' }))).toEqual([
      { field: 'cohort.when', message: 'exactly one of equals, in or prefix' },
    ])
    expect(errors(cohort({ cf: 'country', in: ['NZ'] }))).toEqual([])
  })

  it("refuses a gate cap below the step's own minimum duration, whichever of the two is longer", () => {
    const canary = (minDurationMs: number, maxDurationMs: number) =>
      errors({
        durations: { stageMinMs: 10 * MIN, shadowMinMs: 30 * MIN, watchMs: 60 * MIN },
        gates: {
          shadow: gate({ maxDurationMs: 4 * 60 * MIN }),
          canary: gate({ minDurationMs, maxDurationMs }),
          watch: gate({ maxDurationMs: 6 * 60 * MIN }),
        },
      })
    // The stage's 10 min floor is longer than the gate's own 5 min minimum.
    expect(canary(5 * MIN, 8 * MIN)).toEqual([
      {
        field: 'gates.canary.max_duration_s',
        message: expect.stringMatching(/^below the step's minimum duration \(10 ?min\): it would never PASS$/),
      },
    ])
    expect(canary(5 * MIN, 10 * MIN)).toEqual([])
    expect(canary(20 * MIN, 15 * MIN).map((e) => e.field)).toEqual(['gates.canary.max_duration_s'])
  })
})
