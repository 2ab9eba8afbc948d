/**
 * One simulated stage, minute by minute, judged by the real `evaluateGates` and by the naive rule.
 *
 * Each tick draws exact per-tick counts with the seeded samplers (the split by
 * Binomial(6,000, share), conversions and errors by Binomial per arm, latency by the tail sampler
 * of ./latency), adds them to cumulative evidence exactly as the Durable Object would, and
 * evaluates. Decisions are sticky: each gate keeps its first PASS, FAIL or HALT, except that a
 * HALT becomes FAIL if the gates FAIL later, as the controller still rolls back a halted rollout
 * (src/core/rollout/tick.ts). Three gates share
 * the same traffic (a paired comparison):
 * - `sequential`: `evaluateGates` with the canary defaults (PASS only after the 24 h minimum);
 * - `anytime`: the same verdicts, PASS as soon as every test passes (minimum duration 0);
 * - `naive`: "within 2% of champion, errors within +25%, p99 within 10%", checked every tick
 *   after 1,000 requests per arm; PASS at the cap if it never failed.
 */

import { evaluateGates } from '../../src/core/gates/evaluate'
import type { ArmEvidence, GateConfig, PlannedLook, StageEvidence, VerdictRecord } from '../../src/core/gates/types'
import { emptyHistogram } from '../../src/core/stats/histogram'
import { momentsWithCovariate } from '../../src/core/stats/cuped'
import { type Moments, momentsFromProportion } from '../../src/core/stats/moments'
import { createRng, type Rng } from '../../src/core/stats/sim/prng'
import { sampleBinomial } from '../../src/core/stats/sim/samplers'
import { type TailSampler, defaultCut, p99FromMirror, recordTick, tailSampler } from './latency'
import {
  CONVERSION_BASE,
  DESIGN_SHARE,
  ERROR_BASE,
  HISTOGRAM_SCALE,
  LATENCY_MEDIAN_MS,
  LATENCY_SIGMA,
  MINUTE_MS,
  NAIVE,
  REQUESTS_PER_MINUTE,
  type Scenario,
  TICKS,
  covariateCells,
  scenarioConfig,
} from './model'

export type Outcome = 'PASS' | 'FAIL' | 'INCONCLUSIVE' | 'HALT'

/** A sticky decision: what, at which minute, after how many challenger requests. */
export interface Decided {
  outcome: Outcome
  minute: number
  exposure: number
}

/** The three gates' decisions in one run. */
export interface RunResult {
  sequential: Decided
  anytime: Decided
  naive: Decided
}

export const GATES = ['sequential', 'anytime', 'naive'] as const
export type GateName = (typeof GATES)[number]

function arm(): ArmEvidence {
  return { exposures: 0, errors: 0, latency: emptyHistogram(HISTOGRAM_SCALE), outcomes: {} }
}

/** Everything a scenario needs that does not change between runs. */
export interface Prepared {
  scenario: Scenario
  config: GateConfig
  anytimeConfig: GateConfig
  champLatency: TailSampler | null
  challLatency: TailSampler | null
}

/** Precompute configs and latency samplers for a scenario. */
export function prepare(s: Scenario): Prepared {
  const uses = (m: string) => s.metrics.some((x) => x === m)
  const cut = defaultCut(LATENCY_MEDIAN_MS, LATENCY_SIGMA)
  const sampler = (slow: number) => tailSampler(LATENCY_MEDIAN_MS * (1 + slow), LATENCY_SIGMA, HISTOGRAM_SCALE, cut)
  return {
    scenario: s,
    config: scenarioConfig(s),
    anytimeConfig: scenarioConfig(s, true),
    champLatency: uses('latency') ? sampler(0) : null,
    challLatency: uses('latency') ? sampler(s.latencySlowdown) : null,
  }
}

/** Still to watch: undecided, or halted (a later FAIL would still roll it back). */
const open = (d: Decided | null): boolean => d === null || d.outcome === 'HALT'

function terminal(v: VerdictRecord): Outcome | null {
  const d = v.decision
  return d === 'PASS' || d === 'FAIL' || d === 'HALT' || d === 'INCONCLUSIVE' ? d : null
}

/** Run one stage of `TICKS` minutes with generator `rng`. */
export function simulateRun(p: Prepared, rng: Rng): RunResult {
  const s = p.scenario
  const uses = { business: false, errors: false, latency: false }
  for (const m of s.metrics) uses[m] = true
  const champion = arm()
  const challenger = arm()
  const evidence: StageEvidence = {
    champion,
    challenger,
    shadow: null,
    expectedChallengerShare: DESIGN_SHARE,
    stageStartedAt: 0,
    now: 0,
  }
  const mirrorA = new Float64Array(p.champLatency?.cdf.length ?? 0)
  const mirrorB = new Float64Array(p.challLatency?.cdf.length ?? 0)
  let convA = 0
  let convB = 0
  let seq: Decided | null = null
  let any: Decided | null = null
  let naive: Decided | null = null
  // The planned looks recorded so far, carried between ticks as the coordinator does (§5.6).
  const looks: PlannedLook[] = []
  const pConvB = CONVERSION_BASE * (1 + s.conversionEffect)
  // Covariate scenarios: per-arm counts of the (x, y) cells, drawn exactly (see addCovariateTick).
  const cells = s.covariateRho === undefined ? null : covariateCells(s.covariateRho, s.conversionEffect)
  const cellsA = s.covariateRho === undefined ? null : covariateCells(s.covariateRho, 0)
  const covA: CellCounts = { n: 0, n11: 0, n10: 0, n01: 0 }
  const covB: CellCounts = { n: 0, n11: 0, n10: 0, n01: 0 }
  const pErrB = ERROR_BASE * s.errorRatio
  for (let minute = 1; minute <= TICKS; minute++) {
    const nB = sampleBinomial(rng, REQUESTS_PER_MINUTE, s.actualShare)
    const nA = REQUESTS_PER_MINUTE - nB
    champion.exposures += nA
    challenger.exposures += nB
    let errA = 0
    let errB = 0
    if (uses.errors) {
      errA = sampleBinomial(rng, nA, ERROR_BASE)
      errB = sampleBinomial(rng, nB, pErrB)
      champion.errors += errA
      challenger.errors += errB
    }
    if (uses.business && cells !== null) {
      addCovariateTick(rng, cellsA!, nA, covA)
      addCovariateTick(rng, cells, nB, covB)
      champion.outcomes.conversion = covariateMoments(covA)
      challenger.outcomes.conversion = covariateMoments(covB)
    } else if (uses.business) {
      convA += sampleBinomial(rng, nA, CONVERSION_BASE)
      convB += sampleBinomial(rng, nB, pConvB)
      champion.outcomes.conversion = momentsFromProportion(convA, champion.exposures)
      challenger.outcomes.conversion = momentsFromProportion(convB, challenger.exposures)
    }
    if (p.champLatency && p.challLatency) {
      recordTick(rng, p.champLatency, champion.latency, nA - errA, mirrorA)
      recordTick(rng, p.challLatency, challenger.latency, nB - errB, mirrorB)
    }
    evidence.now = minute * MINUTE_MS
    const here = (outcome: Outcome): Decided => ({
      outcome,
      minute,
      exposure: challenger.exposures,
    })

    if (open(seq) || open(any)) {
      const v = evaluateGates(evidence, p.config, looks)
      looks.push(...(v.looks ?? []))
      const t = terminal(v)
      // A halted rollout keeps ticking and a FAIL still rolls it back (src/core/rollout/tick.ts).
      if (t === 'FAIL') {
        if (seq?.outcome === 'HALT') seq = here(t)
        if (any?.outcome === 'HALT') any = here(t)
      }
      if (seq === null && t !== null) seq = here(t)
      if (any === null) {
        if (t === 'FAIL' || t === 'HALT' || t === 'PASS') any = here(t)
        else if (v.metrics.every((m) => m.decision === 'pass')) {
          // Only the minimum duration blocks: ask the real evaluator without it.
          const w = terminal(evaluateGates(evidence, p.anytimeConfig))
          if (w === 'PASS') any = here(w)
        }
        if (any === null && t === 'INCONCLUSIVE') any = here(t)
      }
    }
    if (naive === null) {
      if (naiveFails(p, evidence, mirrorA, mirrorB)) naive = here('FAIL')
      else if (minute === TICKS) naive = here('PASS')
    }
    if (!open(seq) && !open(any) && naive !== null) break
  }
  const cap: Decided = { outcome: 'INCONCLUSIVE', minute: TICKS, exposure: challenger.exposures }
  return { sequential: seq ?? cap, anytime: any ?? cap, naive: naive ?? cap }
}

/** Cumulative counts of the (x, y) cells of one arm: x = 1 and y = 1, x only, y only. */
interface CellCounts {
  n: number
  n11: number
  n10: number
  n01: number
}

/**
 * One tick of `n` units, multinomial over the cells [p₁₁, p₁₀, p₀₁, rest] by successive exact
 * binomials: the per-tick sufficient statistics (n, Σy, Σx, Σx², Σxy) of a 0/1 outcome and a 0/1
 * covariate are these counts, so no approximation is involved.
 */
function addCovariateTick(rng: Rng, p: [number, number, number], n: number, c: CellCounts): void {
  const n11 = sampleBinomial(rng, n, p[0])
  const n10 = sampleBinomial(rng, n - n11, p[1] / (1 - p[0]))
  const n01 = sampleBinomial(rng, n - n11 - n10, p[2] / (1 - p[0] - p[1]))
  c.n += n
  c.n11 += n11
  c.n10 += n10
  c.n01 += n01
}

/** Σy = n₁₁ + n₀₁, Σx = Σx² = n₁₁ + n₁₀, Σxy = n₁₁. */
function covariateMoments(c: CellCounts): Moments {
  const sumY = c.n11 + c.n01
  const sumX = c.n11 + c.n10
  return momentsWithCovariate(c.n, sumY, sumY, sumX, sumX, c.n11)
}

/** The naive rule on cumulative point estimates (no statistics), after n_min per arm. */
function naiveFails(p: Prepared, e: StageEvidence, mirrorA: Float64Array, mirrorB: Float64Array): boolean {
  const a = e.champion
  const b = e.challenger
  if (a.exposures < NAIVE.minPerArm || b.exposures < NAIVE.minPerArm) return false
  const ca = a.outcomes.conversion
  const cb = b.outcomes.conversion
  if (ca && cb && cb.mean < (1 - NAIVE.conversionWithin) * ca.mean) return true
  if (p.scenario.metrics.includes('errors')) {
    if (b.errors / b.exposures > (1 + NAIVE.errorWithin) * (a.errors / a.exposures)) return true
  }
  if (p.champLatency && p.challLatency) {
    const p99A = p99FromMirror(p.champLatency, a.latency, mirrorA)
    const p99B = p99FromMirror(p.challLatency, b.latency, mirrorB)
    if (p99B > (1 + NAIVE.p99Within) * p99A) return true
  }
  return false
}

/** FNV-1a of the scenario name: each scenario gets its own streams, whatever the order. */
export function scenarioSeed(seed: number, name: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193)
  return (h ^ seed) | 0
}

/** Runs [from, to) of a scenario; run r always uses stream r, so chunks can run anywhere. */
export function simulateRuns(s: Scenario, seed: number, from: number, to: number): RunResult[] {
  const p = prepare(s)
  const base = scenarioSeed(seed, s.name)
  const out: RunResult[] = []
  for (let r = from; r < to; r++) out.push(simulateRun(p, createRng(base, r)))
  return out
}
