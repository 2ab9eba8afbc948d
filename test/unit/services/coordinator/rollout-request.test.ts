import { describe, expect, it } from 'vitest'
import { buildRolloutConfig } from '../../../../src/services/coordinator/rollout-request'
import { BusinessMetric } from '../../../../src/schemas/model'
import { StartRolloutInput } from '../../../../src/schemas/rollout'
import { formatDuration } from '../../../../src/core/rollout/describe'

const facts = {
  model: 'm',
  champion: 'v1',
  slaP99Ms: 250,
  metrics: [BusinessMetric.parse({ name: 'repaid', kind: 'proportion', direction: 'higher_is_better' })],
  championLatency: null,
  championP99Ms: null,
}

describe('buildRolloutConfig', () => {
  it('builds default gates per stage kind from the model (business metrics, SLA), nothing weaker', () => {
    const { config, weaker } = buildRolloutConfig(
      StartRolloutInput.parse({ challenger: 'v2', strategy: ['shadow', 'canary'] }),
      facts,
    )
    expect(weaker).toEqual([])
    expect(config.strategies).toEqual(['shadow', 'canary'])
    expect(config.gates.canary!.business).toEqual([
      { metric: 'repaid', kind: 'proportion', direction: 'higher_is_better', margin: 0.02 },
    ])
    expect(config.gates.canary!.latency!.thresholdMs).toBe(250)
    expect(config.gates.cohort).toEqual(config.gates.canary)
    expect(config.durations).toEqual({ stageMinMs: 86_400_000, shadowMinMs: 172_800_000, watchMs: 259_200_000 })
  })

  it('turns seconds into milliseconds and lists every override weaker than the defaults', () => {
    const { config, weaker } = buildRolloutConfig(
      StartRolloutInput.parse({
        challenger: 'v2',
        strategy: 'canary',
        durations: { stage_min_s: 60 },
        gates: {
          canary: {
            min_sample: 100,
            alpha_fail: 0.1,
            business: [{ metric: 'repaid', margin: 0.1 }],
            error_rate: { margin: 0.25, floor: 0.05 },
          },
        },
      }),
      facts,
    )
    expect(config.gates.canary!.minDurationMs).toBe(60_000)
    expect(weaker).toEqual(
      expect.arrayContaining([
        expect.stringContaining('repaid: margin'),
        'canary: alpha_fail 0.1 > default 0.05',
        'canary: min_sample 100 < default 1000',
        expect.stringContaining('error_rate: floor'),
      ]),
    )
    expect(weaker.filter((w) => !w.startsWith('canary: '))).toEqual(['durations.stage_min_s 1 min < default 24 h'])
  })

  it('names API fields in snake_case, never the internal camelCase', () => {
    const { weaker } = buildRolloutConfig(
      StartRolloutInput.parse({
        challenger: 'v2',
        strategy: 'canary',
        gates: {
          canary: { min_sample: 1, alpha_pass: 0.2, srm_alpha: 0.0001, max_conflict_rate: 0.5, min_conflicts: 99 },
        },
      }),
      facts,
    )
    expect(weaker).toHaveLength(5)
    for (const w of weaker) expect(w).not.toMatch(/[a-z][A-Z]/)
  })

  it('lists overrides and durations only for the steps the plan has', () => {
    const weak = { min_sample: 100, business: [{ metric: 'repaid', margin: 0.1 }] }
    const input = {
      challenger: 'v2',
      durations: { shadow_min_s: 60, stage_min_s: 60, watch_s: 60 },
      shadow: { min_samples: 1 },
      gates: { shadow: weak, canary: weak, watch: weak },
    }
    const canary = buildRolloutConfig(StartRolloutInput.parse({ ...input, strategy: 'canary' }), facts).weaker
    expect(canary.some((w) => w.includes('shadow'))).toBe(false)
    expect(canary).toEqual(
      expect.arrayContaining(['canary: min_sample 100 < default 1000', 'durations.watch_s 1 min < default 72 h']),
    )
    expect(canary.some((w) => w.startsWith('watch: '))).toBe(true)
    const shadow = buildRolloutConfig(StartRolloutInput.parse({ ...input, strategy: 'shadow' }), facts).weaker
    expect(shadow.some((w) => w.startsWith('shadow: '))).toBe(true)
    expect(shadow).toContain('shadow.min_samples 1 < default 10000')
    expect(shadow.some((w) => /^(canary|watch): |stage_min_s|watch_s/.test(w))).toBe(false)
    const blueGreen = buildRolloutConfig(StartRolloutInput.parse({ ...input, strategy: 'blue_green' }), facts).weaker
    expect(blueGreen.some((w) => /^(canary|shadow): |stage_min_s|shadow/.test(w))).toBe(false)
    expect(blueGreen.some((w) => w.startsWith('watch: '))).toBe(true)
  })

  it('counts plan and approval settings that ask less than the defaults as weaker, so an approver must sign off', () => {
    const { weaker } = buildRolloutConfig(
      StartRolloutInput.parse({
        challenger: 'v2',
        strategy: ['shadow', 'canary'],
        durations: { shadow_min_s: 3_600, watch_s: 1 },
        shadow: { min_samples: 100 },
        approval: { recent_rollback_window_s: 1, max_stage_jump: 100 },
      }),
      facts,
    )
    expect(weaker).toEqual([
      'durations.shadow_min_s 1 h < default 48 h',
      'durations.watch_s 1 s < default 72 h',
      'approval.recent_rollback_window_s 1 s < default 7 d',
      'shadow.min_samples 100 < default 10000',
      'approval.max_stage_jump 100 > default 50',
    ])
  })

  it('does not count stricter plan settings as weaker', () => {
    const { weaker } = buildRolloutConfig(
      StartRolloutInput.parse({
        challenger: 'v2',
        strategy: ['shadow', 'canary'],
        durations: { stage_min_s: 2 * 86_400, watch_s: 7 * 86_400 },
        approval: { recent_rollback_window_s: 30 * 86_400, max_stage_jump: 25, require_final_approval_for_risk: 'low' },
      }),
      facts,
    )
    expect(weaker).toEqual([])
  })

  it('can remove a gate, which counts as weaker', () => {
    const { config, weaker } = buildRolloutConfig(
      StartRolloutInput.parse({ challenger: 'v2', strategy: 'canary', gates: { canary: { latency: null } } }),
      facts,
    )
    expect(config.gates.canary!.latency).toBeNull()
    expect(weaker).toContain('canary: latency: gate removed')
  })
})

describe('durations "auto"', () => {
  // 40 requests per second; the champion converts 5 % (s² = 0.0475). With the PASS look at the
  // stage's end (docs/statistics.md §2.7) the 5 % stage needs about 236 h (capped at 7 days) and
  // the 50 % stage about 44 h.
  const traffic = { ratePerMs: 0.04, metrics: [{ metric: 'repaid', mean: 0.05, variance: 0.0475 }] }

  it('is accepted alone or with a power, and power needs it', () => {
    expect(StartRolloutInput.safeParse({ challenger: 'v2', strategy: 'canary', durations: 'auto' }).success).toBe(true)
    const withPower = { challenger: 'v2', strategy: 'canary', durations: 'auto', power: 0.9 }
    expect(StartRolloutInput.safeParse(withPower).success).toBe(true)
    const fixed = StartRolloutInput.safeParse({ challenger: 'v2', strategy: 'canary', power: 0.9 })
    expect(fixed.success).toBe(false)
    expect(fixed.error?.issues[0]?.path).toEqual(['power'])
    expect(StartRolloutInput.safeParse({ ...withPower, power: 1 }).success).toBe(false)
    expect(StartRolloutInput.safeParse({ ...withPower, durations: 'sometimes' }).success).toBe(false)
  })

  it('plans each canary stage below 100 from the measured traffic, within the cap, and asks for approval', () => {
    const req = StartRolloutInput.parse({ challenger: 'v2', strategy: 'canary', durations: 'auto' })
    const { config, weaker } = buildRolloutConfig(req, { ...facts, traffic })
    const auto = config.durations!.auto!
    expect(auto.stages.map((s) => s.weight)).toEqual([5, 25, 50])
    // Smaller shares need longer stages; the 5 % stage hits the 7-day cap of the gate.
    const [s5, s25, s50] = auto.stages.map((s) => s.ms)
    expect(s5).toBe(config.gates.canary!.maxDurationMs)
    expect(auto.stages[0]!.capped).toBe(true)
    expect(s25).toBeGreaterThan(s50 as number)
    // The gate's own minimum steps aside for the planned lengths.
    expect(config.gates.canary!.minDurationMs).toBe(s50)
    // Every stage is longer than the 24 h default here: nothing to approve. 100× the traffic is not.
    expect(weaker).toEqual([])
    const fast = buildRolloutConfig(req, { ...facts, traffic: { ...traffic, ratePerMs: 4 } })
    const short = fast.config.durations!.auto!.stages[2]!.ms
    expect(fast.weaker).toContain(`durations auto: canary 50% planned ${formatDuration(short)} < default 24 h`)
  })

  it('keeps the fixed durations when nothing was measured', () => {
    const req = StartRolloutInput.parse({ challenger: 'v2', strategy: 'canary', durations: 'auto' })
    const { config, weaker } = buildRolloutConfig(req, { ...facts, traffic: null })
    expect(config.durations!.auto).toBeUndefined()
    expect(config.gates.canary!.minDurationMs).toBe(86_400_000)
    expect(weaker).toEqual([])
  })
})
