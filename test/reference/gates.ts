/**
 * A second, deliberately simple implementation of the gate decision, written from
 * docs/statistics.md (§2.2–§2.4, §4.2–§4.4, §5–§9, §10.6, §11.1) and not from src/core/gates. The
 * gate vectors (test/vectors/gates) take their expected decisions and numbers from here, and the
 * vector test checks `evaluateGates` against them, so a change to the gates cannot be accepted by
 * regenerating the file from the code under test.
 *
 * Imports from src: the evidence/config types (shapes, no logic) and two special functions,
 * `lgamma` and `logNormalCdf` (docs/statistics.md §14), which test/unit/core/gates/reference.test.ts
 * re-checks against independent values. Everything else, the α split, the combination order, SRM,
 * the NI contrasts, the event split with its floor, tail exceedance (including the champion with
 * no exceedance), the one-sample rate test and the histogram bucket arithmetic, is re-derived here.
 * Straight-line code on purpose: no shared helpers with the code it checks, no formatting.
 */
import type { ArmEvidence, GateConfig, PlannedLook, StageEvidence } from '../../src/core/gates/types'
import type { ExpHistogram as ExpHistogramLike } from '../../src/core/stats/histogram'
import type { Moments } from '../../src/core/stats/moments'
import { lgamma, logNormalCdf } from '../../src/core/stats/special'
import { businessTest } from './planned-look'
import { srm } from './srm-look'

export type RefDecision = 'pass' | 'fail' | 'continue' | 'insufficient_data'

/** The contract part of one metric verdict (reason strings are not compared). */
export interface RefMetric {
  metric: string
  test: 'ni_proportion' | 'ni_mean' | 'event_split' | 'tail_exceedance' | 'divergence_rate'
  champion: { n: number; estimate: number | null }
  challenger: { n: number; estimate: number | null }
  contrast: number | null
  boundary: number | null
  pValue: number | null
  margin: number
  alpha: number
  decision: RefDecision
}

export interface RefVerdict {
  decision: 'PASS' | 'FAIL' | 'CONTINUE' | 'INCONCLUSIVE' | 'HALT'
  elapsedMs: number
  srm: { alarm: boolean; pValue: number; observedShare: number | null; expectedShare: number }
  conflictsAlarm: boolean
  metrics: RefMetric[]
  /** §5.6, §5.7, §9.4: the planned looks taken now (only when recorded looks were passed in). */
  looks?: PlannedLook[]
}

interface Levels {
  pass: number
  fail: number
  min: number
}

// §4.2: B_α(V) = sqrt(2V(V+τ²)/τ² · ln(1 + sqrt((V+τ²)/V)/(2α))), 0 at V = 0.
function B(V: number, tau2: number, alpha: number): number {
  if (V === 0) return 0
  const inner = 1 + Math.sqrt((V + tau2) / V) / (2 * alpha)
  return Math.sqrt(((2 * V * (V + tau2)) / tau2) * Math.log(inner))
}

// §4.1, §4.3: p = min(1, 1/Λ⁺), Λ⁺ = 2·sqrt(V/(V+τ²))·exp(τ²d²/(2V(V+τ²)))·Φ(τd/sqrt(V(V+τ²))).
function P(d: number, V: number, tau2: number): number {
  if (!(V > 0) || !(tau2 > 0)) return 1
  const w = V * (V + tau2)
  const logLambda =
    Math.log(2) +
    0.5 * Math.log(V / (V + tau2)) +
    (tau2 * d * d) / (2 * w) +
    logNormalCdf((Math.sqrt(tau2) * d) / Math.sqrt(w))
  return Math.min(1, Math.max(0, Math.exp(-logLambda)))
}

// §4.4: c_α = −2 ln(2α) + ln(1 − 2 ln(2α)).
function cAlpha(alpha: number): number {
  const l = -2 * Math.log(2 * alpha)
  return l + Math.log(1 + l)
}

function estimate(n: number, x: number): number | null {
  return n > 0 ? x / n : null
}

function noClaim(m: Omit<RefMetric, 'contrast' | 'boundary' | 'pValue' | 'decision'>): RefMetric {
  return { ...m, contrast: null, boundary: null, pValue: null, decision: 'insufficient_data' }
}

/** §5: non-inferiority on a relative margin; `proportion` adds the 50-pooled-events guard (§5.4). */
function ni(
  metric: string,
  test: 'ni_proportion' | 'ni_mean' | 'tail_exceedance',
  higherIsBetter: boolean,
  m: number,
  mf: number,
  A: Moments,
  Bm: Moments,
  proportion: boolean,
  lv: Levels,
): RefMetric {
  const head = {
    metric,
    test,
    champion: { n: A.n, estimate: A.n > 0 ? A.mean : null },
    challenger: { n: Bm.n, estimate: Bm.n > 0 ? Bm.mean : null },
    margin: m,
    alpha: lv.fail,
  }
  // An override the contrast cannot express (m ≥ 1 on a higher-is-better metric, m_f > m) makes no claim.
  if (!(m >= 0 && Number.isFinite(m)) || !(mf >= 0 && mf <= m) || (higherIsBetter && m >= 1)) return noClaim(head)
  if (A.n < lv.min || Bm.n < lv.min) return noClaim(head)
  if (proportion) {
    const successes = A.n * A.mean + Bm.n * Bm.mean
    if (Math.round(Math.min(successes, A.n + Bm.n - successes)) < 50) return noClaim(head)
  }
  if (!(A.mean > 0)) return noClaim(head)
  const tau = Math.max(m, 0.01) * A.mean
  const tau2 = tau * tau
  const vA = A.n < 2 ? 0 : A.m2 / ((A.n - 1) * A.n)
  const vB = Bm.n < 2 ? 0 : Bm.m2 / ((Bm.n - 1) * Bm.n)
  // §5.1 table, relative rows: k = 1 − m (higher is better) or 1 + m (lower is better).
  const D = (margin: number) => {
    const k = higherIsBetter ? 1 - margin : 1 + margin
    return { d: higherIsBetter ? Bm.mean - k * A.mean : k * A.mean - Bm.mean, v: vB + k * k * vA }
  }
  const pass = D(m)
  const fail = D(mf)
  if (!(pass.v > 0) || !(fail.v > 0)) return noClaim(head)
  const bPass = B(pass.v, tau2, lv.pass)
  const bFail = B(fail.v, tau2, lv.fail)
  const decision: RefDecision = fail.d < -bFail ? 'fail' : pass.d > bPass ? 'pass' : 'continue'
  // §5.3 "what the verdict shows".
  if (decision === 'fail' || (decision !== 'pass' && fail.d < 0)) {
    return { ...head, contrast: fail.d, boundary: -bFail, pValue: P(-fail.d, fail.v, tau2), decision }
  }
  return { ...head, contrast: pass.d, boundary: bPass, pValue: P(pass.d, pass.v, tau2), decision }
}

/** §8.1–§8.2: one-sample rate test against r₀ with the null variance and τ² = c_α·r₀(1−r₀)/10,000. */
function rate(x: number, n: number, r0: number, alphaPass: number, alphaFail: number, minSample: number) {
  const r = n > 0 ? x / n : 0
  const V = (r0 * (1 - r0)) / n
  const tPass = (cAlpha(alphaPass) * r0 * (1 - r0)) / 10_000
  const tFail = (cAlpha(alphaFail) * r0 * (1 - r0)) / 10_000
  const bPass = B(V, tPass, alphaPass)
  const bFail = B(V, tFail, alphaFail)
  const decision: RefDecision =
    n === 0 || n < minSample ? 'insufficient_data' : r - r0 > bFail ? 'fail' : r0 - r > bPass ? 'pass' : 'continue'
  return { r, decision, bPass, bFail, pPass: P(r0 - r, V, tPass), pFail: P(r - r0, V, tFail) }
}

/** §8.3 and §7.4: a rate against a fixed maximum; contrast r₀ − r̂, positive is good. */
function cap(
  metric: string,
  test: 'divergence_rate' | 'tail_exceedance',
  x: number,
  n: number,
  r0: number,
  championN: number | null,
  lv: Levels,
): RefMetric {
  const head = {
    metric,
    test,
    champion: { n: championN ?? n, estimate: championN === null ? null : 0 },
    challenger: { n, estimate: estimate(n, x) },
    margin: r0,
    alpha: lv.fail,
  }
  if (!(r0 > 0 && r0 < 1)) return noClaim(head)
  const t = rate(x, n, r0, lv.pass, lv.fail, lv.min)
  if (t.decision === 'insufficient_data') return noClaim(head)
  const contrast = r0 - t.r
  if (t.decision === 'fail' || (t.decision !== 'pass' && contrast < 0)) {
    return { ...head, contrast, boundary: -t.bFail, pValue: t.pFail, decision: t.decision }
  }
  return { ...head, contrast, boundary: t.bPass, pValue: t.pPass, decision: t.decision }
}

/** §6: exact event split with λ = observed exposure share (§6.5), prior sd 0.3, and the floor (§6.6). */
function split(
  metric: string,
  eA: number,
  nA: number,
  eB: number,
  nB: number,
  err: NonNullable<GateConfig['errorRate']>,
  lv: Levels,
): RefMetric {
  const m = err.margin
  const mf = err.failMargin ?? m
  const floor = err.floor ?? 0
  const head = {
    metric,
    test: 'event_split' as const,
    champion: { n: nA, estimate: estimate(nA, eA) },
    challenger: { n: nB, estimate: estimate(nB, eB) },
    margin: m,
    alpha: lv.fail,
  }
  if (!(m >= 0 && Number.isFinite(m)) || !(mf >= 0 && mf <= m) || !(floor >= 0 && floor < 1)) return noClaim(head)
  if (!(nA > 0) || !(nB > 0)) return noClaim(head)
  const lambda = nB / (nA + nB)
  const k = 1 / (lambda * (1 - lambda) * 0.3 * 0.3)
  const qAt = (margin: number) => (lambda * (1 + margin)) / (lambda * (1 + margin) + 1 - lambda)
  const lnBeta = (a: number, b: number) => lgamma(a) + lgamma(b) - lgamma(a + b)
  const logBf = (q0: number) =>
    lnBeta(k * q0 + eB, k * (1 - q0) + eA) - lnBeta(k * q0, k * (1 - q0)) - eB * Math.log(q0) - eA * Math.log(1 - q0)
  const qm = qAt(m)
  const qf = qAt(mf)
  const q = eA + eB > 0 ? eB / (eA + eB) : null
  const pPass = q !== null && q < qm ? Math.min(1, Math.exp(-logBf(qm))) : 1
  const pFail = q !== null && q > qf ? Math.min(1, Math.exp(-logBf(qf))) : 1
  let decision: RefDecision = 'continue'
  if (q !== null && q > qf && logBf(qf) >= Math.log(1 / lv.fail)) decision = 'fail'
  else if (q !== null && q < qm && logBf(qm) >= Math.log(1 / lv.pass)) decision = 'pass'
  if (floor > 0 && decision === 'continue') {
    const f = rate(eB, nB, floor, lv.pass, lv.fail, 1)
    if (f.decision === 'pass') {
      return { ...head, margin: floor, contrast: eB / nB, boundary: floor, pValue: f.pPass, decision: 'pass' }
    }
  }
  const failShown = decision === 'fail' || (decision !== 'pass' && q !== null && q > qf)
  return {
    ...head,
    contrast: q,
    boundary: failShown ? qf : qm,
    pValue: failShown ? pFail : pPass,
    decision,
  }
}

/**
 * §11.1, §11.4: bucket i covers (base^(i−1), base^i], base = 2^(2^−scale); the threshold snaps up
 * to the edge closing its bucket, index ⌈2^scale·log₂ t⌉, and the count above it is the sum of the
 * higher buckets. A finer histogram is read at the coarser scale by i → ⌈i/2^d⌉ (§11.3).
 */
function above(h: ExpHistogramLike, scale: number, thresholdMs: number): number {
  const edge = Math.ceil(Math.log2(thresholdMs) * 2 ** scale)
  let n = 0
  for (const [key, count] of Object.entries(h.buckets)) {
    if (Math.ceil(Number(key) / 2 ** (h.scale - scale)) > edge) n += count
  }
  return n
}

function tail(A: ExpHistogramLike, Bh: ExpHistogramLike, lat: NonNullable<GateConfig['latency']>, lv: Levels) {
  const scale = Math.min(A.scale, Bh.scale)
  const xA = above(A, scale, lat.thresholdMs)
  const xB = above(Bh, scale, lat.thresholdMs)
  const mf = lat.failMargin ?? lat.margin
  const validMargins = lat.margin >= 0 && Number.isFinite(lat.margin) && mf >= 0 && mf <= lat.margin
  // §7.4: no champion answer above the threshold → the challenger's share against the 1% of a p99.
  if (validMargins && xA === 0 && A.count >= lv.min && Bh.count >= lv.min) {
    return cap('latency', 'tail_exceedance', xB, Bh.count, 0.01, A.count, lv)
  }
  // §7.3, §5.2: exceedance as a proportion, momentsFromProportion(x, n) = {n, x/n, x − x²/n}.
  const prop = (x: number, n: number): Moments =>
    n > 0 ? { n, mean: x / n, m2: Math.max(0, x - (x * x) / n) } : { n: 0, mean: 0, m2: 0 }
  return ni('latency', 'tail_exceedance', false, lat.margin, mf, prop(xA, A.count), prop(xB, Bh.count), true, lv)
}

/** §10.6: either arm, any business metric: conflicts ≥ min and conflicts/accepted > max rate. */
function conflictAlarm(e: StageEvidence, c: GateConfig, applies: boolean): boolean {
  if (!applies) return false
  const maxRate = c.maxConflictRate ?? 0.01
  const min = c.minConflicts ?? 20
  const bad = (a: ArmEvidence, metric: string) => {
    const r = a.reports?.[metric]
    return r !== undefined && r.accepted > 0 && r.conflicts >= min && r.conflicts / r.accepted > maxRate
  }
  return c.business.some((g) => bad(e.champion, g.metric) || bad(e.challenger, g.metric))
}

/** The reference verdict (docs/statistics.md §2.2 test list, §2.3 combination order, §2.4 α split). */
export function referenceVerdict(e: StageEvidence, c: GateConfig, looks?: readonly PlannedLook[]): RefVerdict {
  const elapsedMs = Math.max(0, e.now - e.stageStartedAt)
  const shadowOnly = !(e.expectedChallengerShare > 0)
  // Build the list first: K (the Bonferroni count) is the number of tests, whatever their data.
  const tests: ((lv: Levels) => RefMetric)[] = []
  const { champion: A, challenger: Bv, shadow: sh } = e
  const taken: PlannedLook[] = []
  if (!shadowOnly) {
    // §5.3, and §5.6–§5.7 with recorded looks (the default fail margin 0.55·m in both).
    for (const g of c.business) tests.push(businessTest(g, e, c.minDurationMs, looks, taken, ni))
    const err = c.errorRate
    if (err) tests.push((lv) => split('error_rate', A.errors, A.exposures, Bv.errors, Bv.exposures, err, lv))
    const lat = c.latency
    if (lat) tests.push((lv) => tail(A.latency, Bv.latency, lat, lv))
  }
  const err = c.errorRate
  if (shadowOnly && err && sh) {
    tests.push((lv) => split('shadow_error_rate', A.errors, A.exposures, sh.errors, sh.attempts, err, lv))
  }
  const div = c.divergence
  if (div && sh) tests.push((lv) => cap('divergence', 'divergence_rate', sh.diverged, sh.pairs, div.maxRate, null, lv))
  const lv: Levels = { pass: c.alphaPass, fail: c.alphaFail / Math.max(1, tests.length), min: c.minSamplePerArm }
  const metrics = tests.map((t) => t(lv))
  const s = srm(e, c.srmAlpha, looks, taken)
  const conflictsAlarm = conflictAlarm(e, c, !shadowOnly && c.business.length > 0)
  const out = (decision: RefVerdict['decision']): RefVerdict => ({
    decision,
    elapsedMs,
    srm: s,
    conflictsAlarm,
    metrics,
    ...(looks === undefined ? {} : { looks: taken }),
  })
  // §2.3, in order: conflicts HALT; FAIL (even with an SRM alarm, §9.2); SRM HALT; PASS; INCONCLUSIVE; CONTINUE.
  if (conflictsAlarm) return out('HALT')
  if (metrics.some((m) => m.decision === 'fail')) return out('FAIL')
  if (s.alarm) return out('HALT')
  const samples = shadowOnly ? (sh?.pairs ?? 0) : Math.min(A.exposures, Bv.exposures)
  const allPass = metrics.length > 0 && metrics.every((m) => m.decision === 'pass')
  if (allPass && elapsedMs >= c.minDurationMs && samples >= c.minSamplePerArm) return out('PASS')
  if (elapsedMs >= c.maxDurationMs) return out('INCONCLUSIVE')
  return out('CONTINUE')
}
