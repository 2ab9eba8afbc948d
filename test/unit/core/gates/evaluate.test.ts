import { describe, expect, it } from 'vitest'
import { evaluateGates } from '../../../../src/core/gates/evaluate'
import type { GateDecision, MetricVerdict, StageEvidence } from '../../../../src/core/gates/types'
import { momentsFromProportion } from '../../../../src/core/stats/moments'
import { arm, canary, canaryConfig, HOUR, shadow } from './helpers'

const BIG_B = 600_000
const BIG_A = 5_400_000
const SMALL_B = 60_000
const SMALL_A = 540_000

function metric(v: { metrics: MetricVerdict[] }, name: string): MetricVerdict {
  const m = v.metrics.find((x) => x.metric === name)
  if (!m) throw new Error(`no verdict for ${name}: ${JSON.stringify(v.metrics.map((x) => x.metric))}`)
  return m
}

describe('evaluateGates: one decision per branch', () => {
  const cases: [string, StageEvidence, GateDecision, string][] = [
    [
      'CONTINUE early: nothing shown yet, 2 h in',
      canary(arm(SMALL_B), arm(SMALL_A), 2),
      'CONTINUE',
      'minimum duration',
    ],
    [
      'PASS: all gates pass after 25 h with enough samples',
      canary(arm(BIG_B), arm(BIG_A), 25),
      'PASS',
      'all 3 gates passed',
    ],
    [
      'CONTINUE: all gates pass but only 10 h in',
      canary(arm(BIG_B), arm(BIG_A), 10),
      'CONTINUE',
      'minimum duration: 10 h of 24 h',
    ],
    [
      'FAIL on conversion −10%, before the minimum duration',
      canary(arm(SMALL_B, { conversion: 0.045 }), arm(SMALL_A), 2),
      'FAIL',
      'conversion challenger 4.5%',
    ],
    [
      'FAIL on a 4× error rate',
      canary(arm(SMALL_B, { error: 0.02 }), arm(SMALL_A), 2),
      'FAIL',
      'error_rate challenger 2% vs champion 0.5%',
    ],
    [
      'FAIL on latency: 3% above the threshold vs 1%',
      canary(arm(SMALL_B, { slow: 0.03 }), arm(SMALL_A), 2),
      'FAIL',
      'latency > 321 ms',
    ],
    [
      'HALT on SRM: 9.7% share instead of 10%',
      canary(arm(58_000), arm(540_000), 2),
      'HALT',
      'SRM alarm: challenger share 9.7%',
    ],
    [
      'INCONCLUSIVE at the cap: conversion −1% never shown within 2% of the champion',
      canary(arm(SMALL_B, { conversion: 0.0495 }), arm(SMALL_A), 7 * 24),
      'INCONCLUSIVE',
      'stage cap of 7 d reached',
    ],
  ]
  it.each(cases)('%s', (_name, evidence, decision, fragment) => {
    const v = evaluateGates(evidence, canaryConfig())
    expect(v.decision, v.reason).toBe(decision)
    expect(v.reason).toContain(fragment)
    expect(v.reason.startsWith(decision)).toBe(true)
    expect(v.elapsedMs).toBe(evidence.now - evidence.stageStartedAt)
  })

  it('words a short minimum duration in seconds, not decimal minutes', () => {
    const v = evaluateGates(canary(arm(BIG_B), arm(BIG_A), 43 / 3600), canaryConfig({ minDurationMs: 44_000 }))
    expect(v.reason).toContain('minimum duration: 43 s of 44 s')
  })
})

describe('latency when the champion never crosses the threshold (an SLA above all it serves)', () => {
  it('FAILs a challenger that crosses it on every answer', () => {
    const v = evaluateGates(
      canary(arm(SMALL_B, { slow: 1, error: 0 }), arm(SMALL_A, { slow: 0, error: 0 }), 2),
      canaryConfig(),
    )
    expect(v.decision, v.reason).toBe('FAIL')
    expect(metric(v, 'latency')).toMatchObject({ decision: 'fail', test: 'tail_exceedance' })
    expect(metric(v, 'latency').reason).toMatch(
      /^FAIL: latency .* answers above 321 ms \(the champion had none of [\d,]+\) = 100% vs max 1%/,
    )
  })

  it('PASSes a challenger inside the p99 threshold although the champion never crossed it (0.2% above)', () => {
    const v = evaluateGates(canary(arm(BIG_B, { slow: 0.002 }), arm(BIG_A, { slow: 0 }), 25), canaryConfig())
    expect(metric(v, 'latency').decision, metric(v, 'latency').reason).toBe('pass')
  })

  it('FAILs one shown above the 1% a p99 threshold allows (3% above)', () => {
    const v = evaluateGates(canary(arm(SMALL_B, { slow: 0.03 }), arm(SMALL_A, { slow: 0 }), 2), canaryConfig())
    expect(metric(v, 'latency').decision, metric(v, 'latency').reason).toBe('fail')
  })

  it('PASSes a challenger that never crosses it either, once enough answers show it below 1%', () => {
    const v = evaluateGates(canary(arm(BIG_B, { slow: 0 }), arm(BIG_A, { slow: 0 }), 25), canaryConfig())
    expect(metric(v, 'latency').decision, metric(v, 'latency').reason).toBe('pass')
    expect(v.decision, v.reason).toBe('PASS')
  })
})

describe('evaluateGates: combination rules', () => {
  it('FAILs rather than HALTs when a metric fails under an SRM alarm, and names the alarm', () => {
    const v = evaluateGates(canary(arm(58_000, { error: 0.03 }), arm(540_000), 2), canaryConfig())
    expect(v.decision).toBe('FAIL')
    expect(metric(v, 'error_rate').decision).toBe('fail')
    expect(v.reason).toMatch(/^FAIL: error_rate .* Also SRM alarm: challenger share 9\.7%/)
    expect(v.srm.alarm).toBe(true)
    expect(v.srm.pValue).toBeLessThanOrEqual(0.001)
    expect(v.srm.observedShare).toBeCloseTo(58 / 598, 12)
  })

  it('does not PASS below the minimum sample per arm, even after the minimum duration', () => {
    const v = evaluateGates(canary(arm(BIG_B), arm(BIG_A), 25), canaryConfig({ minSamplePerArm: 700_000 }))
    expect(v.decision).toBe('CONTINUE')
    expect(v.reason).toContain('minimum sample: 600,000 of 700,000')
  })

  it('does not PASS while one gate is still open, and INCONCLUSIVE once the cap is reached', () => {
    const evidence = canary(arm(BIG_B, { conversion: 0.0495 }), arm(BIG_A), 25)
    const v = evaluateGates(evidence, canaryConfig())
    expect(metric(v, 'conversion').decision).toBe('continue')
    expect(metric(v, 'error_rate').decision).toBe('pass')
    expect(v.decision).toBe('CONTINUE')
    expect(v.reason).toContain('waiting for conversion (continue)')
    const capped = evaluateGates(evidence, canaryConfig({ maxDurationMs: 25 * HOUR }))
    expect(capped.decision).toBe('INCONCLUSIVE')
  })

  it('PASSes at the cap when everything passes (PASS is checked before INCONCLUSIVE)', () => {
    const v = evaluateGates(canary(arm(BIG_B), arm(BIG_A), 24), canaryConfig({ maxDurationMs: 24 * HOUR }))
    expect(v.decision).toBe('PASS')
  })

  it('can FAIL an error rate before n_min: the event-split test is exact', () => {
    const v = evaluateGates(canary(arm(500, { error: 0.1 }), arm(4500, { error: 0.004 }), 0.02), canaryConfig())
    expect(metric(v, 'conversion').decision).toBe('insufficient_data')
    expect(metric(v, 'error_rate').decision).toBe('fail')
    expect(v.decision).toBe('FAIL')
  })

  it('makes no claim on a CLT-based test below n_min, however bad the estimate looks', () => {
    const v = evaluateGates(canary(arm(900, { conversion: 0.01 }), arm(8100), 0.2), canaryConfig())
    const conv = metric(v, 'conversion')
    expect(conv.decision).toBe('insufficient_data')
    expect(conv.contrast).toBeNull()
    expect(conv.reason).toContain('need n ≥ 1,000 per arm')
    expect(v.decision).toBe('CONTINUE')
  })

  it('does not PASS when no gate applies', () => {
    const config = canaryConfig({ business: [], errorRate: null, latency: null })
    const v = evaluateGates(canary(arm(BIG_B), arm(BIG_A), 25), config)
    expect(v.metrics).toEqual([])
    expect(v.decision).toBe('CONTINUE')
    expect(v.reason).toContain('no gate applies')
  })
})

describe('evaluateGates: Bonferroni split of α_fail', () => {
  it.each([
    ['3 tests (conversion, errors, latency)', null, 3],
    ['4 tests with shadow evidence (divergence added)', shadow(10_000, 100, 5), 4],
  ] as const)('%s', (_name, sh, k) => {
    const v = evaluateGates(canary(arm(SMALL_B), arm(SMALL_A), 2, { shadow: sh }), canaryConfig())
    expect(v.metrics).toHaveLength(k)
    for (const m of v.metrics) expect(m.alpha).toBeCloseTo(0.05 / k, 15)
  })

  it('counts only the configured gates', () => {
    const config = canaryConfig({ latency: null, divergence: null, alphaFail: 0.04 })
    const v = evaluateGates(canary(arm(SMALL_B), arm(SMALL_A), 2, { shadow: shadow(10_000, 1, 1) }), config)
    expect(v.metrics.map((m) => m.metric)).toEqual(['conversion', 'error_rate'])
    expect(v.metrics.map((m) => m.alpha)).toEqual([0.02, 0.02])
  })

  it('runs PASS tests at α_pass with no correction: the pass reason quotes 0.025', () => {
    const v = evaluateGates(canary(arm(BIG_B), arm(BIG_A), 25), canaryConfig())
    for (const m of v.metrics) expect(m.reason).toMatch(/< 0\.025\.$/)
  })
})

describe('MetricVerdict numbers', () => {
  it('reports n, estimates, a signed boundary and the p-value of the side shown', () => {
    const good = metric(evaluateGates(canary(arm(BIG_B), arm(BIG_A), 25), canaryConfig()), 'conversion')
    expect(good).toMatchObject({
      metric: 'conversion',
      test: 'ni_proportion',
      champion: { n: BIG_A, estimate: 0.05 },
      challenger: { n: BIG_B, estimate: 0.05 },
      margin: 0.02,
      decision: 'pass',
    })
    // PASS side: D̂(m) = μ_B − 0.98·μ_A = 0.001 > boundary > 0.
    expect(good.contrast).toBeCloseTo(0.001, 12)
    expect(good.boundary).toBeGreaterThan(0)
    expect(good.contrast as number).toBeGreaterThan(good.boundary as number)
    expect(good.pValue).toBeLessThan(0.05)

    const bad = metric(
      evaluateGates(canary(arm(SMALL_B, { conversion: 0.045 }), arm(SMALL_A), 2), canaryConfig()),
      'conversion',
    )
    // FAIL side at the default fail margin 0.55·m: D̂(m_f) = 0.045 − 0.989·0.05 < boundary < 0.
    expect(bad.contrast).toBeCloseTo(0.045 - 0.989 * 0.05, 12)
    expect(bad.boundary).toBeLessThan(0)
    expect(bad.contrast as number).toBeLessThan(bad.boundary as number)
    expect(bad.pValue).toBeLessThan(0.05 / 3)
    expect(bad.reason).toMatch(/^FAIL: conversion challenger 4\.5% \(n = 60,000\) vs champion 5% \(n = 540,000\), −10%/)
  })

  it('reports the event share and the share at the margin for the error test', () => {
    const v = evaluateGates(canary(arm(SMALL_B, { error: 0.019 }), arm(SMALL_A), 2), canaryConfig())
    const err = metric(v, 'error_rate')
    expect(err.test).toBe('event_split')
    expect(err.challenger).toEqual({ n: SMALL_B, estimate: 0.019 })
    expect(err.contrast).toBeCloseTo(1140 / (1140 + 2700), 12)
    // q at +25% with λ = 0.1: 0.125/1.025.
    expect(err.boundary).toBeCloseTo(0.125 / 1.025, 12)
    expect(v.reason).toMatch(
      /^FAIL: error_rate challenger 1\.9% vs champion 0\.5% \(event share 0\.297 > 0\.122 at \+25%/,
    )
    expect(v.reason).toMatch(/always-valid p = [0-9.e-]+ < 0\.0167\.$/)
  })

  it('reads latency exceedance exactly at the bucket edge of the threshold', () => {
    const v = evaluateGates(canary(arm(SMALL_B, { slow: 0.02 }), arm(SMALL_A), 2), canaryConfig())
    const lat = metric(v, 'latency')
    expect(lat.test).toBe('tail_exceedance')
    const answeredB = SMALL_B - 300
    expect(lat.challenger.estimate).toBe(Math.round(answeredB * 0.02) / answeredB)
    expect(lat.challenger.n).toBe(answeredB)
  })
})

describe('shadow-only stage', () => {
  const shadowConfig = () => ({ ...canaryConfig(), minDurationMs: 48 * HOUR })
  const stage = (sh: ReturnType<typeof shadow> | null, hours: number, championErrors = 0.005) =>
    canary({ ...arm(0), outcomes: {} }, arm(600_000, { error: championErrors }), hours, {
      shadow: sh,
      expectedChallengerShare: 0,
    })

  it('skips SRM and the A/B tests, and judges divergence and shadow errors', () => {
    const v = evaluateGates(stage(shadow(60_000, 600, 300), 49), shadowConfig())
    expect(v.srm).toMatchObject({ alarm: false, pValue: 1, expectedShare: 0 })
    expect(v.srm.reason).toContain('SRM not checked: shadow-only stage')
    expect(v.metrics.map((m) => m.metric)).toEqual(['shadow_error_rate', 'divergence'])
    expect(v.metrics.map((m) => m.alpha)).toEqual([0.025, 0.025])
    expect(v.decision, v.reason).toBe('PASS')
    expect(v.reason).toContain('60,000 shadow pairs')
  })

  it('needs the minimum duration and the minimum number of pairs', () => {
    expect(evaluateGates(stage(shadow(60_000, 600, 300), 47), shadowConfig()).decision).toBe('CONTINUE')
    const few = evaluateGates(stage(shadow(60_000, 600, 300), 49), {
      ...shadowConfig(),
      minSamplePerArm: 70_000,
    })
    expect(few.decision).toBe('CONTINUE')
  })

  it('FAILs a shadow that diverges more than the maximum, and one that errors more', () => {
    const div = evaluateGates(stage(shadow(5_000, 600, 25), 3), shadowConfig())
    expect(div.decision).toBe('FAIL')
    expect(metric(div, 'divergence').decision).toBe('fail')
    const err = evaluateGates(stage(shadow(5_000, 50, 400), 3), shadowConfig())
    expect(metric(err, 'shadow_error_rate').decision).toBe('fail')
    expect(err.decision).toBe('FAIL')
  })

  it('cannot PASS without shadow evidence', () => {
    const v = evaluateGates(stage(null, 200), shadowConfig())
    expect(v.metrics).toEqual([])
    expect(v.decision).toBe('INCONCLUSIVE')
  })
})

describe('a 100% stage (watch: expected share 1)', () => {
  it('skips SRM and ends INCONCLUSIVE without champion evidence to compare with', () => {
    const e = canary(arm(BIG_B), { ...arm(0), outcomes: { conversion: momentsFromProportion(0, 0) } }, 7 * 24, {
      expectedChallengerShare: 1,
    })
    const v = evaluateGates(e, canaryConfig())
    expect(v.srm.reason).toContain('the arms are not concurrent')
    expect(v.metrics.every((m) => m.decision === 'insufficient_data')).toBe(true)
    expect(v.decision).toBe('INCONCLUSIVE')
  })

  it('compares with a supplied pre-rollout baseline: PASS when as good, FAIL when worse', () => {
    const watch = (challenger: ReturnType<typeof arm>) =>
      canary(challenger, arm(BIG_A), 25, { expectedChallengerShare: 1 })
    expect(evaluateGates(watch(arm(BIG_B)), canaryConfig()).decision).toBe('PASS')
    expect(evaluateGates(watch(arm(BIG_B, { error: 0.01 })), canaryConfig()).decision).toBe('FAIL')
  })
})

describe('purity', () => {
  it('returns the same record for the same input and does not mutate the evidence', () => {
    const e = canary(arm(SMALL_B, { error: 0.019 }), arm(SMALL_A), 2, {
      shadow: shadow(9_000, 90, 3),
    })
    const snapshot = structuredClone(e)
    const config = canaryConfig()
    const a = evaluateGates(e, config)
    const b = evaluateGates(e, config)
    expect(a).toEqual(b)
    expect(e).toEqual(snapshot)
    expect(JSON.parse(JSON.stringify(a))).toEqual(a)
  })

  it('is driven by evidence.now alone: elapsed never goes negative', () => {
    const e = canary(arm(SMALL_B), arm(SMALL_A), 0, { now: 1_600_000_000_000 })
    expect(evaluateGates(e, canaryConfig()).elapsedMs).toBe(0)
  })
})

describe('error-rate floor (errors too rare for the relative test)', () => {
  const errorsOnly = (floor?: number) => ({
    ...canaryConfig(),
    business: [],
    latency: null,
    errorRate: { margin: 0.25, ...(floor === undefined ? {} : { floor }) },
  })
  const zeroErrors = (n: number) => ({ ...arm(n), errors: 0 })

  it('cannot PASS zero-error arms with the relative test alone', () => {
    const v = evaluateGates(canary(zeroErrors(20_000), zeroErrors(180_000), 25), errorsOnly())
    expect(v.metrics[0]!.decision).toBe('continue')
    expect(v.decision).not.toBe('PASS')
  })

  it('PASSes once the challenger rate is shown below the floor, saying why', () => {
    const v = evaluateGates(canary(zeroErrors(20_000), zeroErrors(180_000), 25), errorsOnly(0.001))
    expect(v.metrics[0]).toMatchObject({ decision: 'pass', boundary: 0.001, margin: 0.001 })
    expect(v.metrics[0]!.reason).toMatch(/absolute floor of 0\.1/)
    expect(v.decision).toBe('PASS')
  })

  it('does not PASS below the floor with too few requests to show it', () => {
    const v = evaluateGates(canary(zeroErrors(500), zeroErrors(4_500), 25), errorsOnly(0.001))
    expect(v.metrics[0]!.decision).toBe('continue')
  })

  it('still FAILs relatively: the floor never hides a worse challenger', () => {
    const bad = { ...arm(20_000), errors: 60 }
    const good = { ...arm(180_000), errors: 90 }
    const v = evaluateGates(canary(bad, good, 2), errorsOnly(0.01))
    expect(v.metrics[0]!.decision).toBe('fail')
  })
})
