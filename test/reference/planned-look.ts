/**
 * The planned FAIL look of a business NI test, re-derived from docs/statistics.md §5.6 for the
 * independent gate reference (./gates): not from src/core/gates/planned-look. The quantiles come
 * from bisection on Φ (built from `logNormalCdf`, re-checked in reference.test.ts), not from the
 * code's rational approximation.
 */
import type { BusinessGate, PlannedLook, StageEvidence } from '../../src/core/gates/types'
import type { Moments } from '../../src/core/stats/moments'
import { logNormalCdf } from '../../src/core/stats/special'
import type { RefMetric } from './gates'

/** Φ⁻¹(p) by bisection on Φ: 200 halvings of [−40, 40] reach the last bit. */
function quantile(p: number): number {
  let lo = -40
  let hi = 40
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2
    if (Math.exp(logNormalCdf(mid)) < p) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

/** §5.6: whether the stage plans a look for margin m and fail margin m_f (h = 2.5m > m_f). */
export function plansLook(m: number, mf: number): boolean {
  return 2.5 * m - mf > 0
}

/**
 * §5.6 on top of the mixture verdict `mix`, computed at α_k/4 (`alphaK` = α_fail/K): a recorded
 * look is reused (FAIL stays FAIL); otherwise, once V̂(m_f) ≤ V_plan, one z-look at 3α_k/4 is taken
 * and pushed to `taken`. The verdict reports the test's whole level α_k.
 */
export function withPlannedLook(
  mix: RefMetric,
  g: { metric: string; margin: number; higherIsBetter: boolean },
  mf: number,
  A: Moments,
  Bm: Moments,
  alphaK: number,
  now: number,
  recorded: readonly PlannedLook[],
  taken: PlannedLook[],
): RefMetric {
  const out = { ...mix, alpha: alphaK }
  const failAt = (l: PlannedLook): RefMetric => ({
    ...out,
    contrast: l.contrast,
    boundary: l.boundary * Math.sqrt(l.variance),
    pValue: Math.exp(logNormalCdf(l.z)),
    decision: 'fail',
  })
  if (mix.decision === 'fail') return out
  const before = recorded.find((l) => l.metric === g.metric)
  if (before) return before.decision === 'fail' ? failAt(before) : out
  if (mix.decision === 'insufficient_data') return out
  // §5.1 with m_f: D̂ = ȳ_B − (1−m_f)ȳ_A (or (1+m_f)ȳ_A − ȳ_B), V = v_B + k²·v_A.
  const k = g.higherIsBetter ? 1 - mf : 1 + mf
  const D = g.higherIsBetter ? Bm.mean - k * A.mean : k * A.mean - Bm.mean
  const V = Bm.m2 / ((Bm.n - 1) * Bm.n) + (k * k * A.m2) / ((A.n - 1) * A.n)
  const zLook = quantile(1 - (3 * alphaK) / 4)
  // √V_plan = (h − m_f)·ȳ_A / (z_{1−3α_k/4} + z_{0.65}), h = 2.5m.
  const sd = ((2.5 * g.margin - mf) * A.mean) / (zLook + quantile(0.65))
  const vPlan = sd * sd
  if (!(V <= vPlan)) return out
  const z = D / Math.sqrt(V)
  const look: PlannedLook = {
    metric: g.metric,
    at: now,
    variance: V,
    vPlan,
    contrast: D,
    z,
    boundary: -zLook,
    decision: z < -zLook ? 'fail' : 'continue',
  }
  taken.push(look)
  return look.decision === 'fail' ? failAt(look) : out
}

type Lv = { pass: number; fail: number; min: number }
type Ni = (
  metric: string,
  test: 'ni_proportion' | 'ni_mean',
  higherIsBetter: boolean,
  m: number,
  mf: number,
  A: Moments,
  Bm: Moments,
  proportion: boolean,
  lv: Lv,
) => RefMetric

/**
 * One business gate of the reference: the mixture NI test of §5.3 (`ni`, from ./gates) with the
 * default fail margin 0.55·m, and with recorded looks (even none) §5.6: the mixture at α_k/4 and
 * the planned look at 3α_k/4.
 */
export function businessTest(
  g: BusinessGate,
  e: StageEvidence,
  looks: readonly PlannedLook[] | undefined,
  taken: PlannedLook[],
  ni: Ni,
): (lv: Lv) => RefMetric {
  const none = { n: 0, mean: 0, m2: 0 }
  const A = e.champion.outcomes[g.metric] ?? none
  const Bm = e.challenger.outcomes[g.metric] ?? none
  const up = g.direction === 'higher_is_better'
  const test = g.kind === 'proportion' ? 'ni_proportion' : 'ni_mean'
  const mf = g.failMargin ?? 0.55 * g.margin
  const look = looks !== undefined && plansLook(g.margin, mf)
  return (lv) => {
    const mix = ni(
      g.metric,
      test,
      up,
      g.margin,
      mf,
      A,
      Bm,
      g.kind === 'proportion',
      look ? { ...lv, fail: lv.fail / 4 } : lv,
    )
    if (!look) return mix
    return withPlannedLook(mix, { ...g, higherIsBetter: up }, mf, A, Bm, lv.fail, e.now, looks, taken)
  }
}
