/**
 * The planned FAIL and PASS looks of a business NI test, re-derived from docs/statistics.md §5.6 and
 * §5.7 for the independent gate reference (./gates): not from src/core/gates/planned-look. The
 * early SRM look (§9.4) is in ./srm-look. The quantiles come
 * from bisection on Φ (built from `logNormalCdf`, re-checked in reference.test.ts), not from the
 * code's rational approximation.
 */
import type { BusinessGate, PlannedLook, StageEvidence } from '../../src/core/gates/types'
import type { Moments } from '../../src/core/stats/moments'
import { logNormalCdf } from '../../src/core/stats/special'
import type { RefMetric } from './gates'

/** Φ⁻¹(p) by bisection on Φ: 200 halvings of [−40, 40] reach the last bit. */
export function quantile(p: number): number {
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
 * §5.6 and §5.7 on top of the mixture verdict `mix`, computed at α_k/4 for FAIL (`alphaK` = α_fail/K;
 * the whole α_k when `plansFail` is false: no FAIL look) and at α_pass/4 for PASS.
 *
 * FAIL look: a recorded one is reused (FAIL stays FAIL); otherwise, once V̂(m_f) ≤ V_plan, one z-look
 * at 3α_k/4. PASS look: a recorded one is reused (PASS stays PASS, a FAIL still wins); otherwise,
 * at the first evaluation with elapsed ≥ minDuration (`passDue`) and the guards of §5.4, one z-look
 * of D̂(m) at 3α_pass/4. Looks taken now are pushed to `taken`. The verdict reports the test's whole
 * level α_k. Where the doc is silent: a mixture PASS is shown as it is (the look changes nothing);
 * a PASS by the look shows D̂(m), the boundary +z_{1−3α_pass/4}·√V̂ and 1 − Φ(z), mirroring §5.6;
 * the PASS look records vPlan = V̂ (it has no variance plan). As the doc reads, a recorded PASS
 * stands even when a later tick fails the guards of §5.4 (src/core/gates/planned-look answers
 * insufficient_data there; no vector sits in that corner).
 */
export function withPlannedLook(
  mix: RefMetric,
  g: { metric: string; margin: number; higherIsBetter: boolean },
  mf: number,
  A: Moments,
  Bm: Moments,
  lv: { fail: number; pass: number; plansFail: boolean; passDue: boolean },
  now: number,
  recorded: readonly PlannedLook[],
  taken: PlannedLook[],
): RefMetric {
  const alphaK = lv.fail
  const out = { ...mix, alpha: alphaK }
  const at = (l: PlannedLook, decision: 'fail' | 'pass'): RefMetric => ({
    ...out,
    contrast: l.contrast,
    boundary: l.boundary * Math.sqrt(l.variance),
    pValue: Math.exp(logNormalCdf(decision === 'fail' ? l.z : -l.z)),
    decision,
  })
  if (mix.decision === 'fail') return out
  const insufficient = mix.decision === 'insufficient_data'
  // §5.1 at margin x: D̂ = ȳ_B − (1−x)ȳ_A (or (1+x)ȳ_A − ȳ_B), V = v_B + k²·v_A.
  const contrastAt = (x: number) => {
    const k = g.higherIsBetter ? 1 - x : 1 + x
    const D = g.higherIsBetter ? Bm.mean - k * A.mean : k * A.mean - Bm.mean
    const V = Bm.m2 / ((Bm.n - 1) * Bm.n) + (k * k * A.m2) / ((A.n - 1) * A.n)
    return { D, V }
  }
  if (lv.plansFail) {
    let look = recorded.find((l) => l.metric === g.metric && (l.side === undefined || l.side === 'fail'))
    if (look === undefined && !insufficient) {
      const { D, V } = contrastAt(mf)
      const zLook = quantile(1 - (3 * alphaK) / 4)
      // √V_plan = (h − m_f)·ȳ_A / (z_{1−3α_k/4} + z_{0.65}), h = 2.5m.
      const sd = ((2.5 * g.margin - mf) * A.mean) / (zLook + quantile(0.65))
      const vPlan = sd * sd
      if (V <= vPlan) {
        const z = D / Math.sqrt(V)
        look = {
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
      }
    }
    if (look?.decision === 'fail') return at(look, 'fail')
  }
  let pass = recorded.find((l) => l.metric === g.metric && l.side === 'pass')
  if (pass === undefined && !insufficient && lv.passDue) {
    const { D, V } = contrastAt(g.margin)
    const zLook = quantile(1 - (3 * lv.pass) / 4)
    const z = D / Math.sqrt(V)
    pass = {
      metric: g.metric,
      side: 'pass',
      at: now,
      variance: V,
      vPlan: V,
      contrast: D,
      z,
      boundary: zLook,
      decision: z > zLook ? 'pass' : 'continue',
    }
    taken.push(pass)
  }
  if (mix.decision === 'pass' || pass?.decision !== 'pass') return out
  return at(pass, 'pass')
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
 * default fail margin 0.55·m, and with recorded looks (even none) §5.6 and §5.7: the mixture at
 * α_k/4 and α_pass/4, the FAIL look at 3α_k/4 (when h = 2.5m > m_f) and the PASS look at 3α_pass/4
 * from the minimum duration on.
 */
export function businessTest(
  g: BusinessGate,
  e: StageEvidence,
  minDurationMs: number,
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
  const plansFail = looks !== undefined && plansLook(g.margin, mf)
  const passDue = e.now - e.stageStartedAt >= minDurationMs
  return (lv) => {
    const split = looks === undefined ? lv : { ...lv, pass: lv.pass / 4, fail: plansFail ? lv.fail / 4 : lv.fail }
    const mix = ni(g.metric, test, up, g.margin, mf, A, Bm, g.kind === 'proportion', split)
    if (looks === undefined) return mix
    const levels = { fail: lv.fail, pass: lv.pass, plansFail, passDue }
    return withPlannedLook(mix, { ...g, higherIsBetter: up }, mf, A, Bm, levels, e.now, looks, taken)
  }
}
