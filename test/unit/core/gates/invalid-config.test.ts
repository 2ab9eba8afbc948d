/**
 * Gate settings no test can run with (docs/statistics.md §2.1): stored before the API refused them,
 * they must still give a verdict every tick, naming the setting, never an exception.
 */
import { describe, expect, it } from 'vitest'
import { evaluateGates } from '../../../../src/core/gates/evaluate'
import type { MetricVerdict } from '../../../../src/core/gates/types'
import { arm, canary, canaryConfig, shadow } from './helpers'

const BIG_B = 600_000
const BIG_A = 5_400_000

function metric(v: { metrics: MetricVerdict[] }, name: string): MetricVerdict {
  const m = v.metrics.find((x) => x.metric === name)
  if (!m) throw new Error(`no verdict for ${name}`)
  return m
}

describe('evaluateGates: configurations no test can run (stored before validation rejected them)', () => {
  const base = canaryConfig()
  const conversion = base.business[0]!
  it.each([
    [
      'fail margin above the margin',
      { business: [{ ...conversion, failMargin: 0.05 }] },
      'conversion',
      'fail margin 5%',
    ],
    ['business margin 100%', { business: [{ ...conversion, margin: 1 }] }, 'conversion', 'a relative margin of 100%'],
    ['error floor 100%', { errorRate: { margin: 0.25, floor: 1 } }, 'error_rate', 'floor 1 must be in [0, 1)'],
    ['divergence max rate 1', { divergence: { maxRate: 1 } }, 'divergence', 'max rate 1 must be in (0, 1)'],
  ] as const)('%s: a verdict naming the setting, never an exception', (_name, overrides, name, words) => {
    const e = canary(arm(BIG_B), arm(BIG_A), 25, { shadow: shadow(60_000, 600, 300) })
    const v = evaluateGates(e, { ...base, ...overrides } as typeof base)
    expect(metric(v, name).decision).toBe('insufficient_data')
    expect(metric(v, name).reason).toContain(`invalid gate configuration: ${words}`)
    expect(v.decision, v.reason).toBe('CONTINUE')
  })
})

describe('evaluateGates: every schema-valid extreme of the overrides (src/schemas/rollout.ts)', () => {
  it('gives a verdict with one row per gate, never an exception', () => {
    const base = canaryConfig()
    const conversion = base.business[0]!
    const stages = [
      canary(arm(BIG_B), arm(BIG_A), 25, { shadow: shadow(60_000, 600, 300) }),
      canary(arm(60_000, { conversion: 0.045, error: 0.019 }), arm(540_000), 2),
      canary({ ...arm(0), outcomes: {} }, arm(600_000), 49, {
        shadow: shadow(60_000, 600, 300),
        expectedChallengerShare: 0,
      }),
    ]
    const margins = [0, 0.5, 1]
    const fails = [undefined, 0, 1]
    let verdicts = 0
    for (const margin of margins) {
      for (const failMargin of fails) {
        for (const floor of [undefined, 0, 1]) {
          for (const [latMargin, latFail, maxRate] of [
            [0, 10, 0],
            [10, 0, 1],
            [0.5, undefined, 0.5],
          ] as const) {
            const config = {
              ...base,
              business: [{ ...conversion, margin, ...(failMargin === undefined ? {} : { failMargin }) }],
              errorRate: {
                margin,
                ...(failMargin === undefined ? {} : { failMargin }),
                ...(floor === undefined ? {} : { floor }),
              },
              latency: {
                thresholdMs: 320,
                margin: latMargin,
                ...(latFail === undefined ? {} : { failMargin: latFail }),
              },
              divergence: { maxRate },
              alphaPass: 0.4999,
              alphaFail: 1e-9,
            }
            for (const e of stages) {
              const v = evaluateGates(e, config)
              expect(['PASS', 'FAIL', 'CONTINUE', 'INCONCLUSIVE', 'HALT']).toContain(v.decision)
              expect(v.metrics.length).toBe(e.expectedChallengerShare > 0 ? 3 + (e.shadow ? 1 : 0) : 2)
              verdicts++
            }
          }
        }
      }
    }
    expect(verdicts).toBe(3 * 3 * 3 * 3 * 3)
  })
})
