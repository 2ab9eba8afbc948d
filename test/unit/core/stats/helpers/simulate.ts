/**
 * Small tick-driven simulations of the gate statistics, used by the sanity tests. Each run updates
 * cumulative per-arm state exactly as the Durable Object would, evaluates the test every tick and
 * stops at the first PASS or FAIL (decisions are sticky).
 *
 * Source: docs/statistics.md §13 (protocol and results; these fast helpers: §13.5).
 */

import { eventSplitTest } from '../../../../../src/core/stats/event-split'
import { momentsFromProportion } from '../../../../../src/core/stats/moments'
import { nonInferiorityTest, planTau2 } from '../../../../../src/core/stats/sequential'
import type { TestDecision } from '../../../../../src/core/stats/types'
import { createRng, sampleBinomial, samplePoisson } from './prng'

/** Outcome of one simulated run: the sticky decision ('continue' = inconclusive at the cap). */
export interface RunOutcome {
  decision: TestDecision
  minute: number
}

/** Tally of outcomes. */
export interface Tally {
  pass: number
  fail: number
  inconclusive: number
  failMinutes: number[]
  passMinutes: number[]
}

function tally(outcomes: RunOutcome[]): Tally {
  const t: Tally = { pass: 0, fail: 0, inconclusive: 0, failMinutes: [], passMinutes: [] }
  for (const o of outcomes) {
    if (o.decision === 'pass') {
      t.pass++
      t.passMinutes.push(o.minute)
    } else if (o.decision === 'fail') {
      t.fail++
      t.failMinutes.push(o.minute)
    } else t.inconclusive++
  }
  return t
}

/** Scenario for the two-proportion non-inferiority test (higher is better, relative margin). */
export interface ProportionScenario {
  runs: number
  seed: number
  minutes: number
  championPerMinute: number
  challengerPerMinute: number
  championRate: number
  challengerRate: number
  margin: number
  failMargin: number
  alpha: number
}

/** Simulate the proportion NI test with exact per-tick binomial draws; τ² planned for the cap. */
export function simulateProportionNi(s: ProportionScenario): Tally {
  const planArm = (perMinute: number) => ({
    variance: s.championRate * (1 - s.championRate),
    n: perMinute * s.minutes,
  })
  const plan = {
    direction: 'higher_is_better' as const,
    marginKind: 'relative' as const,
    champion: planArm(s.championPerMinute),
    challenger: planArm(s.challengerPerMinute),
    alpha: s.alpha,
  }
  const tau2Pass = planTau2({ ...plan, margin: s.margin })
  const tau2Fail = planTau2({ ...plan, margin: s.failMargin })
  const outcomes: RunOutcome[] = []
  for (let run = 0; run < s.runs; run++) {
    const rng = createRng(s.seed, run)
    let xA = 0
    let xB = 0
    let nA = 0
    let nB = 0
    let outcome: RunOutcome = { decision: 'continue', minute: s.minutes }
    for (let minute = 1; minute <= s.minutes; minute++) {
      xA += sampleBinomial(rng, s.championPerMinute, s.championRate)
      xB += sampleBinomial(rng, s.challengerPerMinute, s.challengerRate)
      nA += s.championPerMinute
      nB += s.challengerPerMinute
      const r = nonInferiorityTest({
        direction: 'higher_is_better',
        marginKind: 'relative',
        margin: s.margin,
        failMargin: s.failMargin,
        champion: momentsFromProportion(xA, nA),
        challenger: momentsFromProportion(xB, nB),
        alphaPass: s.alpha,
        alphaFail: s.alpha,
        tau2Pass,
        tau2Fail,
        minSamplePerArm: 1000,
      })
      if (r.decision === 'pass' || r.decision === 'fail') {
        outcome = { decision: r.decision, minute }
        break
      }
    }
    outcomes.push(outcome)
  }
  return tally(outcomes)
}

/** Scenario for the event-split test with Poisson error counts per tick. */
export interface EventScenario {
  runs: number
  seed: number
  minutes: number
  championPerMinute: number
  challengerPerMinute: number
  baseRate: number
  rateRatio: number
  margin: number
  failMargin: number
  alpha: number
}

/** Simulate the event-split test: errors per tick ~ Poisson(requests × rate). */
export function simulateEventSplit(s: EventScenario): Tally {
  const lambda = s.challengerPerMinute / (s.championPerMinute + s.challengerPerMinute)
  const outcomes: RunOutcome[] = []
  for (let run = 0; run < s.runs; run++) {
    const rng = createRng(s.seed, run)
    let eA = 0
    let eB = 0
    let outcome: RunOutcome = { decision: 'continue', minute: s.minutes }
    for (let minute = 1; minute <= s.minutes; minute++) {
      eA += samplePoisson(rng, s.championPerMinute * s.baseRate)
      eB += samplePoisson(rng, s.challengerPerMinute * s.baseRate * s.rateRatio)
      const r = eventSplitTest({
        championEvents: eA,
        challengerEvents: eB,
        challengerShare: lambda,
        margin: s.margin,
        failMargin: s.failMargin,
        alphaPass: s.alpha,
        alphaFail: s.alpha,
      })
      if (r.decision === 'pass' || r.decision === 'fail') {
        outcome = { decision: r.decision, minute }
        break
      }
    }
    outcomes.push(outcome)
  }
  return tally(outcomes)
}

/** Median of a list (NaN when empty). */
export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
