/**
 * The ETA of a stage (docs/statistics.md §2.8): vectors whose numbers are derived outside the code
 * under test, from the closed-form boundary of §4.2,
 *   B(V) = sqrt(2V(V+τ²)/τ² · ln(1 + sqrt((V+τ²)/V)/(2α))),
 * solved for the scale s at which a fixed contrast meets it (bisection in a separate script).
 */
import { describe, expect, it } from 'vitest'
import { stageEta, scaleEvidence, shiftChallenger } from '../../../../src/core/gates/eta'
import { evaluateGates } from '../../../../src/core/gates/evaluate'
import type { GateConfig, LookSide, PlannedLook, StageEvidence } from '../../../../src/core/gates/types'
import { emptyHistogram } from '../../../../src/core/stats/histogram'
import type { Moments } from '../../../../src/core/stats/moments'
import { HOUR } from './helpers'

const T0 = 1_700_000_000_000

/** n = 100 values with s² = 100 (M2 = 99·100) around `mean`. */
const moments = (mean: number): Moments => ({ n: 100, mean, m2: 99 * 100 })

/** A 50% stage one hour in: 100 requests per arm, a mean metric "score" (higher is better). */
function stage(challengerMean: number): StageEvidence {
  const arm = (mean: number) => ({
    exposures: 100,
    errors: 0,
    latency: emptyHistogram(),
    outcomes: { score: moments(mean) },
  })
  return {
    champion: arm(100),
    challenger: arm(challengerMean),
    shadow: null,
    expectedChallengerShare: 0.5,
    stageStartedAt: T0,
    now: T0 + HOUR,
  }
}

/** One NI gate with margin and fail margin 10% (τ = 0.1·100 = 10), α = 0.05 on both sides (K = 1). */
const config = (over: Partial<GateConfig> = {}): GateConfig => ({
  business: [{ metric: 'score', kind: 'mean', direction: 'higher_is_better', margin: 0.1, failMargin: 0.1 }],
  errorRate: null,
  latency: null,
  divergence: null,
  alphaPass: 0.05,
  alphaFail: 0.05,
  srmAlpha: 0.001,
  minSamplePerArm: 2,
  minDurationMs: 0,
  maxDurationMs: 100 * HOUR,
  ...over,
})

function eta(e: StageEvidence, c: GateConfig) {
  const verdict = evaluateGates(e, c)
  expect(verdict.decision).toBe('CONTINUE')
  return stageEta(e, c, verdict)
}

/** Seconds after the stage started. */
const secs = (t: number | null | undefined) => (t == null ? null : (t - T0) / 1000)

describe('stageEta', () => {
  it('puts the crossing where the contrast meets the always-valid boundary', () => {
    // D̂(m) = 92 − 0.9·100 = 2; at scale s, V(s) = 1.81·99/(100s − 1) (both arms' M2 and n grow by s).
    // B(V(1)) = 3.995 > 2: CONTINUE now. B(V(s)) = 2 at s = 4.5807, i.e. 16,490 s in.
    // Range, the challenger's mean ±1 se (se = √(100/100) = 1): D̂ = 3 at s = 1.8753 (6,751 s),
    // D̂ = 1 at s = 20.949 (75,416 s).
    const r = eta(stage(92), config())
    expect(secs(r?.decideAt)).toBeCloseTo(16_490.4, -1)
    // The range is searched more coarsely (docs/statistics.md §2.8): within 0.5 %.
    expect(secs(r?.range?.[0])).toBeGreaterThan(6_751.0 * 0.995)
    expect(secs(r?.range?.[0])).toBeLessThan(6_751.0 * 1.005)
    expect(secs(r?.range?.[1])).toBeGreaterThan(75_416.4 * 0.995)
    expect(secs(r?.range?.[1])).toBeLessThan(75_416.4 * 1.005)
    expect(r?.gates).toHaveLength(1)
    expect(r?.gates[0]).toMatchObject({ metric: 'score', expect: 'pass', at: r?.decideAt })
  })

  it('forecasts a FAIL on the fail side with its own level', () => {
    // D̂(m_f) = 87 − 90 = −3: the same crossing as D̂ = 3 at α_fail/K = 0.05, s = 1.8753.
    const r = eta(stage(87), config())
    expect(r?.gates[0]?.expect).toBe('fail')
    expect(secs(r?.decideAt)).toBeCloseTo(6_751.0, -1)
  })

  it('waits for the minimum duration and the minimum sample', () => {
    // 92 would pass at 16,490 s; a 10 h minimum holds the stage PASS to 36,000 s.
    expect(secs(eta(stage(92), config({ minDurationMs: 10 * HOUR }))?.decideAt)).toBeCloseTo(36_000, -1)
    // 100 requests per arm per hour; 1,000 per arm are reached at 10 h.
    const r = eta(stage(92), config({ minSamplePerArm: 1_000 }))
    expect(secs(r?.decideAt)).toBeCloseTo(36_000, -1)
  })

  it('is null without data, and says unknown when nothing decides before the cap', () => {
    const empty = stage(92)
    empty.champion = { ...empty.champion, exposures: 0 }
    empty.challenger = { ...empty.challenger, exposures: 0 }
    expect(stageEta(empty, config(), evaluateGates(empty, config()))).toBeNull()
    // The 92 crossing needs 4.58 h; a 3 h cap comes first. Its range ends at the cap.
    const r = eta(stage(92), config({ maxDurationMs: 3 * HOUR }))
    expect(r?.decideAt).toBeNull()
    expect(r?.range).toBeNull()
    expect(r?.gates[0]).toMatchObject({ expect: 'unknown', at: null })
  })

  it('shrinks as the same rates go on', () => {
    // Twice the time at the same rates: the crossing time stays, the time left shrinks.
    const now = stage(92)
    const later = scaleEvidence(now, 2)
    const a = eta(now, config())
    const b = eta(later, config())
    expect(secs(b?.decideAt)).toBeCloseTo(secs(a?.decideAt) as number, -1)
    expect((b?.decideAt as number) - later.now).toBeLessThan((a?.decideAt as number) - now.now)
  })
})

describe('stageEta with the planned looks (docs/statistics.md §5.6, §5.7)', () => {
  // z_{1−3α/4} at α_pass = 0.05: z_{0.9625} = 1.780464 (Python's statistics.NormalDist).
  it('PASSes at the minimum duration when the PASS look will, earlier than the mixture alone', () => {
    // Minimum 2 h, 1 h in: the PASS look falls due at s = 2, where V(2) = 1.81·99/199 = 0.90045 and
    // z = 2/√0.90045 = 2.1077 > 1.7805: PASS at 7,200 s. The mixture alone crosses at 16,490 s.
    const e = stage(92)
    const c = config({ minDurationMs: 2 * HOUR })
    const looks: PlannedLook[] = []
    const v = evaluateGates(e, c, looks)
    expect(v.decision).toBe('CONTINUE')
    const withLooks = stageEta(e, c, v, { looks })
    expect(secs(withLooks?.decideAt)).toBeCloseTo(7_200, -1)
    expect(withLooks?.gates[0]).toMatchObject({ metric: 'score', expect: 'pass', at: withLooks?.decideAt })
    expect(secs(stageEta(e, c, evaluateGates(e, c))?.decideAt)).toBeCloseTo(16_490.4, -1)
    // A stage planned without the PASS look (it began before it existed) is forecast by its mixture.
    const failOnly = new Set<LookSide>(['fail'])
    const old = stageEta(e, c, evaluateGates(e, c, looks, failOnly), { looks, sides: failOnly })
    expect(secs(old?.decideAt)).toBeCloseTo(16_490.4, -1)
    // A forecast: the looks it projects are not handed back to be recorded.
    expect(looks).toHaveLength(0)
    expect(withLooks).not.toHaveProperty('looks')
  })

  it('honours a PASS look that did not pass: only the mixture at α_pass/4 is left', () => {
    // Minimum 1 h, 1 h in: the look is taken now, z = 2/√1.81 = 1.487 < 1.7805. B(V(s)) at α = 0.0125
    // (τ² = 100) meets D̂ = 2 at s = 5.9342: 21,363 s, later than the mixture at α = 0.05 (16,490 s).
    const e = stage(92)
    const c = config({ minDurationMs: HOUR })
    const v = evaluateGates(e, c, [])
    expect(v.looks?.find((l) => l.side === 'pass')?.decision).toBe('continue')
    expect(secs(stageEta(e, c, v, { looks: [] })?.decideAt)).toBeCloseTo(21_363.0, -1)
  })

  it('takes a projected PASS look once: one that will not pass is not retaken later', () => {
    // D̂ = 91.5 − 90 = 1.5, minimum 2 h: the look at s = 2 sees z = 1.5/√0.90045 = 1.581 < 1.7805,
    // and after it only the mixture at α = 0.0125 can PASS: B(V(s)) = 1.5 at s = 11.0199 (39,672 s).
    // (A look retaken at every later s would PASS at s = 2.535; the mixture alone at 0.05 at 31,040 s.)
    const e = stage(91.5)
    const c = config({ minDurationMs: 2 * HOUR })
    const r = stageEta(e, c, evaluateGates(e, c, []), { looks: [] })
    expect(secs(r?.decideAt)).toBeCloseTo(39_671.5, -2)
    // The look is projected where it falls due, not at the next grid point: D̂ = 1.7 with a 1.8 h
    // minimum sees z = 1.7/√(1.81·99/179) = 1.699 < 1.7805 there (1.86 at the grid's s = 2.154), so
    // only the mixture at 0.0125 PASSes: B(V(s)) = 1.7 at s = 8.41905 (30,308.6 s).
    const d = stage(91.7)
    const late = config({ minDurationMs: 1.8 * HOUR })
    expect(secs(stageEta(d, late, evaluateGates(d, late, []), { looks: [] })?.decideAt)).toBeCloseTo(30_308.6, -2)
  })

  it('projects the FAIL look where V̂(m_f) reaches V_plan (§5.6)', () => {
    // s² = 1,000 per arm, margin 2 %, m_f = 1.1 %, K = 1: √V_plan = 3.9/(z_{0.9625} + z_{0.65})
    // = 3.9/(1.780464 + 0.385320) = 1.800747, V_plan = 3.242639. V(s) = (1 + 0.989²)·990/(100s − 1)
    // = 19.781 at s = 1, reaches V_plan at s = 6.049339 (21,777.6 s). A challenger at 95 (5 % worse,
    // D̂(m_f) = 95 − 98.9 = −3.9) sits there at z = −3.9/1.800747 = −2.166 < −1.780: FAIL.
    const wide = (mean: number): Moments => ({ n: 100, mean, m2: 99 * 1_000 })
    const e = stage(95)
    e.champion = { ...e.champion, outcomes: { score: wide(100) } }
    e.challenger = { ...e.challenger, outcomes: { score: wide(95) } }
    const c = config({
      business: [{ metric: 'score', kind: 'mean', direction: 'higher_is_better', margin: 0.02, failMargin: 0.011 }],
    })
    const v = evaluateGates(e, c, [])
    expect(v.decision).toBe('CONTINUE')
    expect(v.looks?.some((l) => (l.side ?? 'fail') === 'fail')).toBe(false)
    const r = stageEta(e, c, v, { looks: [] })
    expect(r?.gates[0]?.expect).toBe('fail')
    expect(secs(r?.decideAt)).toBeCloseTo(21_777.6, -1)
    // The mixture alone (no looks) FAILs it later.
    expect(secs(stageEta(e, c, evaluateGates(e, c))?.decideAt)).toBeGreaterThan(30_000)
  })

  it('takes a projected FAIL look once: one that will not fail is not retaken later', () => {
    // The arms above with the challenger at 96.4: D̂(m_f) = −2.5, z = −2.5/1.800747 = −1.388 at
    // V_plan (s = 6.049): no FAIL. After it only the mixture at α_k/4 = 0.0125 (τ² = (0.02·100)² = 4)
    // can FAIL: B(V(s)) = 2.5 at s = 33.9501 (122,220 s). (Retaken, the look would FAIL at s = 9.94.)
    const wide = (mean: number): Moments => ({ n: 100, mean, m2: 99 * 1_000 })
    const e = stage(96.4)
    e.champion = { ...e.champion, outcomes: { score: wide(100) } }
    e.challenger = { ...e.challenger, outcomes: { score: wide(96.4) } }
    const c = config({
      business: [{ metric: 'score', kind: 'mean', direction: 'higher_is_better', margin: 0.02, failMargin: 0.011 }],
    })
    const r = stageEta(e, c, evaluateGates(e, c, []), { looks: [] })
    expect(r?.gates[0]?.expect).toBe('fail')
    expect(secs(r?.decideAt)).toBeCloseTo(122_220.4, -2)
  })

  it('leaves a recorded SRM look out, like every HALT', () => {
    const e = stage(92)
    const c = config({ minDurationMs: 2 * HOUR })
    const srm: PlannedLook = {
      metric: 'srm',
      side: 'srm',
      at: T0,
      variance: 50,
      vPlan: 200,
      contrast: 40,
      z: 5.66,
      boundary: 3.4,
      decision: 'fail',
    }
    expect(secs(stageEta(e, c, evaluateGates(e, c), { looks: [srm] })?.decideAt)).toBeCloseTo(7_200, -1)
  })

  it('keeps a recorded FAIL look: the forecast is a FAIL now', () => {
    const e = stage(92)
    const c = config({ minDurationMs: 2 * HOUR })
    const failed: PlannedLook = {
      metric: 'score',
      at: T0 + HOUR / 2,
      variance: 3.6,
      vPlan: 47.97,
      contrast: -5,
      z: -2.635,
      boundary: -1.7805,
      decision: 'fail',
    }
    // The verdict without looks is the mixture's CONTINUE; the forecast honours the recorded FAIL.
    const r = stageEta(e, c, evaluateGates(e, c), { looks: [failed] })
    expect(r?.decideAt).toBe(e.now)
    expect(r?.gates[0]).toMatchObject({ expect: 'fail', at: e.now })
  })
})

describe('stageEta in a watch', () => {
  it('keeps the baseline fixed: only the challenger grows', () => {
    // Champion baseline frozen at n = 100: V(s) = 99/(100s − 1) + 0.81·1 ≥ 0.81, whose boundary
    // B(0.81) = 2.777 (τ² = 100, α = 0.05) stays above D̂ = 2: it never decides before the cap.
    const e = stage(92)
    const c = config()
    const v = evaluateGates(e, c)
    expect(stageEta(e, c, v)?.decideAt).not.toBeNull()
    expect(stageEta(e, c, v, { championGrows: false })?.decideAt).toBeNull()
  })
})

describe('shiftChallenger at the edges', () => {
  it('keeps every shifted count within its total, so a forecast of a stage where all copies diverge does not throw', () => {
    // 20 of 20 pairs diverged and 10 of 10 challenger requests failed: one Poisson sd the bad way
    // would give 24.5 of 20 and 13.2 of 10, which the rate tests refuse (events ≤ trials).
    const e: StageEvidence = {
      ...stage(100),
      challenger: { ...stage(100).challenger, exposures: 10, errors: 10 },
      shadow: { pairs: 20, diverged: 20, errors: 5, attempts: 5, latency: emptyHistogram(), counterfactual: {} },
    }
    const bad = shiftChallenger(e, config(), -1)
    expect(bad.shadow?.diverged).toBe(20)
    expect(bad.shadow?.errors).toBe(5)
    expect(bad.challenger.errors).toBe(10)
    const c = config({ divergence: { maxRate: 0.5 }, business: [], minSamplePerArm: 1000 })
    const v = evaluateGates(e, c)
    expect(() => stageEta(e, c, v)).not.toThrow()
  })
})
