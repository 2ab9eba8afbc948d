import { describe, expect, it } from 'vitest'
import { buildRolloutConfig } from '../../../../src/core/rollout/request'
import { BusinessMetric } from '../../../../src/schemas/model'
import { StartRolloutInput } from '../../../../src/schemas/rollout'

const facts = {
  model: 'm', champion: 'v1', slaP99Ms: 250,
  metrics: [BusinessMetric.parse({ name: 'repaid', kind: 'proportion', direction: 'higher_is_better' })],
  championLatency: null, championP99Ms: null,
}

describe('buildRolloutConfig', () => {
  it('builds default gates per stage kind from the model (business metrics, SLA), nothing weaker', () => {
    const { config, weaker } = buildRolloutConfig(StartRolloutInput.parse({ challenger: 'v2', strategy: ['shadow', 'canary'] }), facts)
    expect(weaker).toEqual([])
    expect(config.strategies).toEqual(['shadow', 'canary'])
    expect(config.gates.canary!.business).toEqual([{ metric: 'repaid', kind: 'proportion', direction: 'higher_is_better', margin: 0.02 }])
    expect(config.gates.canary!.latency!.thresholdMs).toBe(250)
    expect(config.gates.cohort).toEqual(config.gates.canary)
    expect(config.durations).toEqual({ stageMinMs: 86_400_000, shadowMinMs: 172_800_000, watchMs: 259_200_000 })
  })

  it('turns seconds into milliseconds and lists every override weaker than the defaults', () => {
    const { config, weaker } = buildRolloutConfig(
      StartRolloutInput.parse({
        challenger: 'v2', strategy: 'canary', durations: { stage_min_s: 60 },
        gates: { canary: { min_sample: 100, alpha_fail: 0.1, business: [{ metric: 'repaid', margin: 0.1 }], error_rate: { margin: 0.25, floor: 0.05 } } },
      }),
      facts
    )
    expect(config.gates.canary!.minDurationMs).toBe(60_000)
    expect(weaker).toEqual(expect.arrayContaining([
      expect.stringContaining('repaid: margin'),
      expect.stringContaining('alphaFail'),
      expect.stringContaining('minSamplePerArm'),
      expect.stringContaining('error_rate: floor'),
    ]))
    expect(weaker.every((w) => w.startsWith('canary: '))).toBe(true)
  })

  it('can remove a gate, which counts as weaker', () => {
    const { config, weaker } = buildRolloutConfig(StartRolloutInput.parse({ challenger: 'v2', strategy: 'canary', gates: { canary: { latency: null } } }), facts)
    expect(config.gates.canary!.latency).toBeNull()
    expect(weaker).toContain('canary: latency: gate removed')
  })
})
