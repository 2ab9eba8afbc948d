import { describe, expect, it } from 'vitest'
import {
  GATE_DEFAULTS,
  defaultGateConfig,
  exceedanceMarginForSlowdown,
  isWeakerThan,
} from '../../../../src/core/gates/defaults'
import type { GateConfig } from '../../../../src/core/gates/types'
import { emptyHistogram, recordValue } from '../../../../src/core/stats/histogram'
import { normalQuantile } from '../../../../src/core/stats/special'

const HOUR = 3_600_000
const conversion = {
  metric: 'conversion',
  kind: 'proportion',
  direction: 'higher_is_better',
} as const

describe('defaultGateConfig', () => {
  it('gives the documented canary defaults', () => {
    expect(defaultGateConfig({ stage: 'canary', championP99Ms: 320, business: [conversion] })).toEqual({
      business: [{ ...conversion, margin: 0.02 }],
      errorRate: { margin: 0.25, floor: 0.001 },
      latency: { thresholdMs: 320, margin: 0.5 },
      divergence: { maxRate: 0.05 },
      alphaPass: 0.025,
      alphaFail: 0.05,
      srmAlpha: 0.004,
      minSamplePerArm: 1000,
      minDurationMs: 24 * HOUR,
      maxDurationMs: 7 * 24 * HOUR,
      maxConflictRate: 0.01,
      minConflicts: 20,
    })
  })

  it.each([
    ['shadow', 48],
    ['canary', 24],
    ['watch', 24],
  ] as const)('%s stages need %i h before a PASS', (stage, hours) => {
    expect(defaultGateConfig({ stage }).minDurationMs).toBe(hours * HOUR)
  })

  it('keeps an explicit business margin and fills a missing one', () => {
    const c = defaultGateConfig({
      stage: 'canary',
      business: [{ ...conversion, margin: 0.01, failMargin: 0 }],
    })
    expect(c.business).toEqual([{ ...conversion, margin: 0.01, failMargin: 0 }])
  })

  it('takes the champion p99 as latency threshold, else the SLA, else no latency gate', () => {
    expect(defaultGateConfig({ stage: 'canary', slaP99Ms: 500, championP99Ms: 320 }).latency?.thresholdMs).toBe(320)
    expect(defaultGateConfig({ stage: 'canary', slaP99Ms: 500 }).latency?.thresholdMs).toBe(500)
    expect(defaultGateConfig({ stage: 'canary' }).latency).toBeNull()
  })

  it('maps a 10% p99 slowdown to ≈ +64% exceedance for a lognormal σ = 0.5 tail (docs/statistics.md §7.2)', () => {
    const h = emptyHistogram()
    const n = 200_000
    for (let i = 0; i < n; i++) recordValue(h, 100 * Math.exp(0.5 * normalQuantile((i + 0.5) / n)))
    const p99 = 100 * Math.exp(0.5 * normalQuantile(0.99))
    const m = exceedanceMarginForSlowdown(h, p99, 0.1) as number
    expect(m).toBeGreaterThan(0.62)
    expect(m).toBeLessThan(0.65)
    const c = defaultGateConfig({ stage: 'canary', championP99Ms: p99, championLatency: h })
    expect(c.latency?.margin).toBe(m)
    expect(exceedanceMarginForSlowdown(emptyHistogram(), p99, 0.1)).toBeNull()
  })
})

describe('isWeakerThan', () => {
  const defaults = defaultGateConfig({
    stage: 'canary',
    championP99Ms: 320,
    business: [conversion],
  })
  const weaker = (patch: Partial<GateConfig>) => isWeakerThan({ ...defaults, ...patch }, defaults)

  it('finds nothing in the defaults themselves or in a stricter config', () => {
    expect(isWeakerThan(defaults, defaults)).toEqual([])
    const stricter: GateConfig = {
      ...defaults,
      business: [
        { ...conversion, margin: 0.01, failMargin: 0 },
        { ...conversion, metric: 'revenue', margin: 0.05 },
      ],
      errorRate: { margin: 0.1, failMargin: 0 },
      latency: { thresholdMs: 300, margin: 0.3 },
      divergence: { maxRate: 0.02 },
      alphaPass: 0.01,
      alphaFail: 0.01,
      srmAlpha: 0.01,
      minSamplePerArm: 5000,
      minDurationMs: 48 * HOUR,
      maxDurationMs: 30 * 24 * HOUR,
    }
    expect(isWeakerThan(stricter, defaults)).toEqual([])
  })

  it.each([
    ['a larger business margin', { business: [{ ...conversion, margin: 0.05 }] }, 'conversion: margin 5% > default 2%'],
    ['a removed business gate', { business: [] }, 'conversion: gate removed'],
    [
      'a changed direction',
      { business: [{ ...conversion, direction: 'lower_is_better' as const, margin: 0.02 }] },
      'conversion: kind/direction changed to proportion/lower_is_better',
    ],
    ['a larger error margin', { errorRate: { margin: 0.5 } }, 'error_rate: margin 50% > default 25%'],
    [
      'an explicit business fail margin = m (the default is 0.55·m, docs/statistics.md §5.6)',
      { business: [{ ...conversion, margin: 0.02, failMargin: 0.02 }] },
      'conversion: fail margin 2% > default 1.1%',
    ],
    [
      'a larger error fail margin',
      { errorRate: { margin: 0.25, failMargin: 0.4 } },
      'error_rate: fail margin 40% > default 25%',
    ],
    ['no error gate', { errorRate: null }, 'error_rate: gate removed'],
    ['no latency gate', { latency: null }, 'latency: gate removed'],
    [
      'a higher latency threshold',
      { latency: { thresholdMs: 800, margin: 0.5 } },
      'latency: threshold 800 ms > default 320 ms',
    ],
    ['a larger divergence maximum', { divergence: { maxRate: 0.1 } }, 'divergence: max rate 10% > default 5%'],
    ['no divergence gate', { divergence: null }, 'divergence: gate removed'],
    ['a larger α_pass', { alphaPass: 0.05 }, 'alpha_pass 0.05 > default 0.025'],
    ['a larger α_fail', { alphaFail: 0.2 }, 'alpha_fail 0.2 > default 0.05'],
    ['a smaller SRM α (fewer alarms)', { srmAlpha: 0.001 }, 'srm_alpha 0.001 < default 0.004'],
    ['a smaller minimum sample', { minSamplePerArm: 100 }, 'min_sample 100 < default 1000'],
    ['a shorter minimum duration', { minDurationMs: HOUR }, 'minimum duration 1 h < default 24 h'],
  ])('flags %s', (_name, patch, finding) => {
    expect(weaker(patch as Partial<GateConfig>)).toEqual([finding])
  })

  it('does not flag an explicit business fail margin of 0.55·m, nor a smaller one', () => {
    for (const failMargin of [0.55 * 0.02, 0.01, 0]) {
      expect(weaker({ business: [{ ...conversion, margin: 0.02, failMargin }] }), `m_f = ${failMargin}`).toEqual([])
    }
  })

  it('lists every weakening at once', () => {
    expect(weaker({ alphaPass: 0.1, alphaFail: 0.1, errorRate: null })).toHaveLength(3)
  })

  it('exposes the numbers it compares with', () => {
    expect(GATE_DEFAULTS.minDurationMs.shadow).toBe(48 * HOUR)
  })
})
