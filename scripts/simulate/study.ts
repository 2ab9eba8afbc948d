/**
 * The boundary study of docs/statistics.md §13.6: variants of the conversion PASS and FAIL
 * boundaries and of the SRM test, measured in the world of ./model (conversion only, per-minute
 * Binomial counts). A study, not the gates: none of these variants is in `evaluateGates`.
 * Deterministic for a given --seed and --runs.
 *
 * Usage: npx tsx scripts/simulate/study.ts [--runs N] [--seed S]
 */

import { cAlpha, mixtureBoundary } from '../../src/core/stats/mixture'
import { createRng, type Rng } from '../../src/core/stats/sim/prng'
import { sampleBinomial } from '../../src/core/stats/sim/samplers'
import { normalQuantile } from '../../src/core/stats/special'
import { sequentialSrm } from '../../src/core/stats/srm'
import { CONVERSION_BASE as P, DESIGN_SHARE, MARGIN as M, REQUESTS_PER_MINUTE as RPM, TICKS } from './model'
import { scenarioSeed } from './run'
import { pct, wilson } from './summary'

const A_PASS = 0.05
/** The per-test FAIL level of the 3-metric canary config. */
const A_FAIL = 0.05 / 3
const NB = RPM * DESIGN_SHARE
const NA = RPM - NB

/** V of D̂(m) expected at minute t from the traffic and the base rate (the planning variance). */
const vPlan = (t: number, m: number) => (P * (1 - P)) / (NB * t) + ((1 - m) ** 2 * P * (1 - P)) / (NA * t)

type Check = (d: number, v: number, t: number, pa: number) => boolean
const mixture =
  (alpha: number, tau2: (pa: number) => number): Check =>
  (d, v, _t, pa) =>
    d < -mixtureBoundary(v, tau2(pa), alpha)
const look =
  (alpha: number, at: number): Check =>
  (d, v, t) =>
    t === at && d < -normalQuantile(1 - alpha) * Math.sqrt(v)
const either =
  (...cs: Check[]): Check =>
  (d, v, t, pa) =>
    cs.some((c) => c(d, v, t, pa))
const marginTau = (pa: number) => (M * pa) ** 2
const planned = (alpha: number, t: number, m: number) => () => cAlpha(alpha) * vPlan(t, m)
const lookRule = (mf: number, at: number): Check =>
  either(mixture(A_FAIL / 4, planned(A_FAIL / 4, 30, mf)), look((3 * A_FAIL) / 4, at))

const FAIL_RULES: { name: string; mf: number; check: Check }[] = [
  { name: 'm_f = m, τ = m·ȳ_A (today)', mf: M, check: mixture(A_FAIL, marginTau) },
  { name: 'm_f = m, τ = 2m·ȳ_A', mf: M, check: mixture(A_FAIL, (pa) => (2 * M * pa) ** 2) },
  { name: 'm_f = m, τ² planned at 240 min', mf: M, check: mixture(A_FAIL, planned(A_FAIL, 240, M)) },
  { name: 'm_f = m/2, τ = m·ȳ_A', mf: M / 2, check: mixture(A_FAIL, marginTau) },
  { name: 'm_f = m/2, τ² planned at 120 min', mf: M / 2, check: mixture(A_FAIL, planned(A_FAIL, 120, M / 2)) },
  { name: 'm_f = m/2, mixture α/4 + look at 120 min 3α/4', mf: M / 2, check: lookRule(M / 2, 120) },
  { name: 'm_f = m/2, mixture α/4 + look at 150 min 3α/4', mf: M / 2, check: lookRule(M / 2, 150) },
  { name: 'm_f = 0.55m, mixture α/4 + look at 150 min 3α/4', mf: 0.55 * M, check: lookRule(0.55 * M, 150) },
]

const PASS_RULES: { name: string; pass: (d: number, v: number, pa: number) => boolean }[] = [
  { name: 'mixture, τ = m·ȳ_A (today)', pass: (d, v, pa) => d > mixtureBoundary(v, marginTau(pa), A_PASS) },
  {
    name: 'mixture, τ² = c_α·V_plan(24 h)',
    pass: (d, v) => d > mixtureBoundary(v, cAlpha(A_PASS) * vPlan(TICKS, M), A_PASS),
  },
  ...[0.025, 0.03, 0.05].map((a) => ({
    name: `single look, z at α = ${a}`,
    pass: (d: number, v: number) => d > normalQuantile(1 - a) * Math.sqrt(v),
  })),
]

/** D̂(m) and its plug-in variance from cumulative counts (docs/statistics.md §5.1). */
function contrast(xa: number, na: number, xb: number, nb: number, m: number) {
  const pa = xa / na
  const pb = xb / nb
  const k = 1 - m
  return { d: pb - k * pa, v: (pb * (1 - pb)) / (nb - 1) + (k * k * pa * (1 - pa)) / (na - 1), pa }
}

/** One run: the minute each FAIL rule first fires (Infinity if never), and each PASS at the cap. */
function conversionRun(rng: Rng, effect: number): { fail: number[]; pass: boolean[] } {
  let xa = 0
  let na = 0
  let xb = 0
  let nb = 0
  const fail = FAIL_RULES.map(() => Infinity)
  let pass = PASS_RULES.map(() => false)
  for (let t = 1; t <= TICKS; t++) {
    const b = sampleBinomial(rng, RPM, DESIGN_SHARE)
    na += RPM - b
    nb += b
    xa += sampleBinomial(rng, RPM - b, P)
    xb += sampleBinomial(rng, b, P * (1 + effect))
    // The guards of docs/statistics.md §5.4: 1,000 per arm and 50 pooled events.
    if (nb < 1000 || xa + xb < 50) continue
    FAIL_RULES.forEach((r, i) => {
      if (fail[i] !== Infinity) return
      const c = contrast(xa, na, xb, nb, r.mf)
      if (r.check(c.d, c.v, t, c.pa)) fail[i] = t
    })
    if (t === TICKS) {
      const c = contrast(xa, na, xb, nb, M)
      pass = PASS_RULES.map((r) => r.pass(c.d, c.v, c.pa))
    }
  }
  return { fail, pass }
}

function median(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b)
  const m = s[Math.ceil(s.length / 2) - 1] as number
  return Number.isFinite(m) ? `${m} min` : `> ${TICKS} min`
}

function rate(x: number, n: number): string {
  const { lo, hi } = wilson(x, n)
  return `${pct(x / n)} (${pct(lo)}–${pct(hi)})`
}

function main(): void {
  const args = process.argv.slice(2)
  const flag = (name: string, dflt: number) => {
    const i = args.indexOf(name)
    return i >= 0 ? Number(args[i + 1]) : dflt
  }
  const runs = flag('--runs', 1000)
  const seed = flag('--seed', 20240501)
  console.log(`boundary study (docs/statistics.md §13.6), seed ${seed}, ${runs} runs per cell`)
  console.log(`reproduce: npx tsx scripts/simulate/study.ts --seed ${seed} --runs ${runs}`)
  for (const [name, effect] of [
    ['aa', 0],
    ['conv-half-margin', -M / 2],
    ['conv-at-margin', -M],
    ['conv-5pct', -2.5 * M],
  ] as const) {
    const base = scenarioSeed(seed, `study-${name}`)
    const fails: number[][] = FAIL_RULES.map(() => [])
    const passes = PASS_RULES.map(() => 0)
    for (let r = 0; r < runs; r++) {
      const out = conversionRun(createRng(base, r), effect)
      out.fail.forEach((t, i) => fails[i]?.push(t))
      out.pass.forEach((p, i) => (passes[i] = (passes[i] as number) + (p ? 1 : 0)))
    }
    console.log(`\n[${name}] conversion ${(effect * 100).toFixed(0)}%`)
    FAIL_RULES.forEach((rule, i) => {
      const ts = fails[i] as number[]
      const n = ts.filter(Number.isFinite).length
      console.log(`  FAIL ${rule.name.padEnd(50)} ${rate(n, runs).padEnd(24)} median ${median(ts)}`)
    })
    PASS_RULES.forEach((rule, i) => {
      console.log(`  PASS ${rule.name.padEnd(50)} ${rate(passes[i] as number, runs)} at the cap`)
    })
  }
  console.log('\n[srm] challenger share 9.7% instead of 10%: median minute of the alarm')
  for (const [alpha, kappa] of [
    [0.001, 10_000],
    [0.001, 4_000],
    [0.005, 10_000],
    [0.01, 10_000],
  ] as const) {
    const base = scenarioSeed(seed, 'study-srm')
    const ts: number[] = []
    for (let r = 0; r < runs; r++) {
      const rng = createRng(base, r)
      let na = 0
      let nb = 0
      let at = Infinity
      for (let t = 1; t <= 240 && at === Infinity; t++) {
        const b = sampleBinomial(rng, RPM, 0.097)
        na += RPM - b
        nb += b
        const srm = sequentialSrm({ counts: [na, nb], expectedShares: [0.9, 0.1], alpha, concentration: kappa })
        if (srm.alarm) at = t
      }
      ts.push(at)
    }
    console.log(`  α = ${alpha}, κ = ${kappa}: ${median(ts)}`)
  }
  console.log('\n[srm-aa] correct split (10%): false alarms over 24 h, checked every minute')
  for (const alpha of [0.001, 0.005, 0.01]) {
    const base = scenarioSeed(seed, 'study-srm-aa')
    let alarms = 0
    for (let r = 0; r < runs; r++) {
      const rng = createRng(base, r)
      let na = 0
      let nb = 0
      for (let t = 1; t <= TICKS; t++) {
        const b = sampleBinomial(rng, RPM, DESIGN_SHARE)
        na += RPM - b
        nb += b
        if (sequentialSrm({ counts: [na, nb], expectedShares: [0.9, 0.1], alpha }).alarm) {
          alarms++
          break
        }
      }
    }
    console.log(`  α = ${alpha}: ${rate(alarms, runs)}`)
  }
}

main()
