/**
 * Writes `evaluate.json`: inputs for `evaluateGates` and the verdicts that the independent
 * reference (test/reference/gates.ts) derives for them, never the code under test. Run with
 * `npx tsx test/vectors/gates/generate.ts` when GATES_SPEC_VERSION changes, after re-deriving the
 * reference from docs/statistics.md for the new semantics. Cases marked "edge" sit on either side
 * of a boundary found by searching the reference (one count more or less flips the decision).
 * `reason` strings are not part of the contract.
 *
 * Source: docs/statistics.md §2 (decisions, order, Bonferroni split), §5–§9, §13.5.
 */

import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defaultGateConfig } from '../../../src/core/gates/defaults'
import { GATES_SPEC_VERSION } from '../../../src/core/gates/spec-version'
import type { ArmEvidence, GateConfig, MetricDirection, PlannedLook, StageEvidence } from '../../../src/core/gates/types'
import { emptyHistogram, recordValue } from '../../../src/core/stats/histogram'
import { momentsFromProportion } from '../../../src/core/stats/moments'
import { arm, canary, canaryConfig, HOUR, shadow } from '../../unit/core/gates/helpers'
import { type RefVerdict, referenceVerdict } from '../../reference/gates'
import { addLookCases } from './look-cases'

type Case = { name: string; evidence: StageEvidence; config: GateConfig; looks?: PlannedLook[]; expected: RefVerdict }
const cases: Case[] = []
const add = (name: string, evidence: StageEvidence, config: GateConfig = canaryConfig(), looks?: PlannedLook[]) =>
  cases.push({ name, evidence, config, ...(looks ? { looks } : {}), expected: referenceVerdict(evidence, config, looks) })

/** An arm with exact counts (the `arm` helper rounds rates); latency 100 ms or 500 ms (slow). */
function counts(n: number, c: { errors: number; slow: number; conversions: number; scale?: number }): ArmEvidence {
  const latency = emptyHistogram(c.scale ?? 6)
  recordValue(latency, 100, n - c.errors - c.slow)
  recordValue(latency, 500, c.slow)
  return { exposures: n, errors: c.errors, latency, outcomes: { conversion: momentsFromProportion(c.conversions, n) } }
}
const A_A = { errors: 0, slow: 0, conversions: 0 }
const normal = (n: number) => ({
  errors: Math.round(n * 0.005),
  slow: Math.round(n * 0.01),
  conversions: Math.round(n * 0.05),
})

/** Smallest x in [lo, hi] with pred(x), for a predicate that is false below some x and true from it. */
function firstTrue(lo: number, hi: number, pred: (x: number) => boolean): number {
  if (!pred(hi) || pred(lo)) throw new Error(`no edge in [${lo}, ${hi}]`)
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (pred(mid)) hi = mid
    else lo = mid
  }
  return hi
}
const metricOf = (e: StageEvidence, c: GateConfig, name: string) =>
  referenceVerdict(e, c).metrics.find((m) => m.metric === name)?.decision
/** Adds the cases at x − 1 and x, where x is the first count at which pred holds (`looks`: recorded looks passed in). */
function edge(
  name: string,
  lo: number,
  hi: number,
  make: (x: number) => StageEvidence,
  pred: (e: StageEvidence) => boolean,
  config = canaryConfig(),
  looks?: PlannedLook[],
) {
  const x = firstTrue(lo, hi, (k) => pred(make(k)))
  add(`edge: ${name} at ${x - 1}`, make(x - 1), config, looks)
  add(`edge: ${name} at ${x}`, make(x), config, looks)
}

// Canary, today's defaults: conversion (proportion), errors +25% with the 0.1% floor, latency at
// 320 ms with margin 0.5, divergence 5%; K = 3 without shadow evidence.
add('continue: 2 h in, nothing shown', canary(arm(60_000), arm(540_000), 2))
add('pass: A/A after 25 h', canary(arm(600_000), arm(5_400_000), 25))
add('continue: A/A passing but 10 h in', canary(arm(600_000), arm(5_400_000), 10))
const big = (ms: number) => ({ ...canary(arm(600_000), arm(5_400_000), 0), now: 1_700_000_000_000 + ms })
add('edge: PASS at exactly the 24 h minimum duration', big(24 * HOUR))
add('edge: CONTINUE 1 ms before the 24 h minimum duration', big(24 * HOUR - 1))
// No errors, so every latency histogram holds all exposures and the sample minimum binds exactly.
const clean = (n: number) => counts(n, { errors: 0, slow: n / 100, conversions: n / 20 })
const exact = canary(clean(600_000), clean(5_400_000), 25)
add('edge: PASS with the smaller arm exactly at min sample', exact, canaryConfig({ minSamplePerArm: 600_000 }))
add('edge: CONTINUE with the smaller arm 1 below min sample', exact, canaryConfig({ minSamplePerArm: 600_001 }))
add('pass: passing everything at the 7 d cap is PASS', big(168 * HOUR))
const slightlyWorse = (ms: number) => ({
  ...canary(arm(60_000, { conversion: 0.0495 }), arm(540_000), 0),
  now: 1_700_000_000_000 + ms,
})
add('edge: INCONCLUSIVE at exactly the 7 d cap', slightlyWorse(168 * HOUR))
add('edge: CONTINUE 1 ms before the 7 d cap', slightlyWorse(168 * HOUR - 1))
add('fail: conversion −10%', canary(arm(60_000, { conversion: 0.045 }), arm(540_000), 2))
add('fail: errors 1.9% vs 0.5%', canary(arm(60_000, { error: 0.019 }), arm(540_000), 2))
add('fail: latency exceedance 3% vs 1%', canary(arm(60_000, { slow: 0.03 }), arm(540_000), 2))
edge(
  'conversion PASS boundary (x challenger conversions of 600,000), 25 h',
  27_000,
  30_000,
  (x) => canary(counts(600_000, { ...normal(600_000), conversions: x }), counts(5_400_000, normal(5_400_000)), 25),
  (e) => metricOf(e, canaryConfig(), 'conversion') === 'pass',
)
edge(
  'conversion FAIL boundary (x challenger conversions of 60,000)',
  2_400,
  3_000,
  (x) => canary(counts(60_000, { ...normal(60_000), conversions: x }), counts(540_000, normal(540_000)), 2),
  (e) => metricOf(e, canaryConfig(), 'conversion') !== 'fail',
)
edge(
  'error_rate FAIL boundary (x challenger errors of 60,000)',
  300,
  1_200,
  (x) => canary(counts(60_000, { ...normal(60_000), errors: x }), counts(540_000, normal(540_000)), 2),
  (e) => metricOf(e, canaryConfig(), 'error_rate') === 'fail',
)
// Rare errors: 2 champion errors in 540,000; the relative test cannot decide, the floor can.
const rare = (x: number, hours = 25) =>
  canary(counts(60_000, { ...normal(60_000), errors: x }), counts(540_000, { ...normal(540_000), errors: 2 }), hours)
edge('error floor PASS vs relative FAIL (x challenger errors of 60,000)', 0, 60, rare, (e) => metricOf(e, canaryConfig(), 'error_rate') !== 'pass')
// Champion at 0.05%: the relative test stays undecided while the floor decides.
const underFloor = (x: number) =>
  canary(counts(60_000, { ...normal(60_000), errors: x }), counts(540_000, { ...normal(540_000), errors: 270 }), 25)
edge('error floor PASS boundary (x challenger errors of 60,000)', 0, 60, underFloor, (e) => metricOf(e, canaryConfig(), 'error_rate') !== 'pass')
add('continue: the same rare errors without a floor', rare(10), canaryConfig({ errorRate: { margin: 0.25 } }))
add(
  'fail: the floor never hides a relative FAIL (no champion error, 40 challenger errors < 0.1%)',
  canary(counts(60_000, { ...normal(60_000), errors: 40 }), counts(540_000, { ...normal(540_000), errors: 0 }), 25),
)
// Latency when the champion never exceeds 320 ms: the challenger's share against 1% (§7.4).
const noExceedance = (x: number, hours = 25) =>
  canary(counts(60_000, { ...normal(60_000), slow: x }), counts(540_000, { ...normal(540_000), slow: 0 }), hours)
edge('no-exceedance latency PASS boundary (x slow of 60,000)', 0, 600, noExceedance, (e) => metricOf(e, canaryConfig(), 'latency') !== 'pass')
edge('no-exceedance latency FAIL boundary (x slow of 60,000)', 600, 1_500, noExceedance, (e) => metricOf(e, canaryConfig(), 'latency') === 'fail')
add(
  'insufficient: no-exceedance champion below min sample takes the NI path',
  canary(counts(500, { ...A_A, conversions: 25, slow: 100 }), counts(4_500, { ...A_A, conversions: 225 }), 1),
)
add(
  'continue: challenger histogram at a coarser scale (4) than the champion (6)',
  canary(counts(60_000, { ...normal(60_000), scale: 4 }), counts(540_000, normal(540_000)), 2),
)
add('insufficient: below n_min', canary(arm(900, { conversion: 0.01 }), arm(8_100), 0.2))
add('fail: error rate before n_min (exact test)', canary(arm(500, { error: 0.1 }), arm(4_500, { error: 0.004 }), 0.02))
add('continue: four tests with shadow evidence', canary(arm(60_000), arm(540_000), 2, { shadow: shadow(10_000, 100, 5) }))
const loss = (n: number, mean: number) => ({ ...arm(n), outcomes: { loss: { n, mean, m2: n * 0.25 } } })
const lossGate = (margin: number, failMargin?: number, direction: MetricDirection = 'lower_is_better') =>
  canaryConfig({ business: [{ metric: 'loss', kind: 'mean', direction, margin, ...(failMargin === undefined ? {} : { failMargin }) }] })
add('fail: mean metric, lower is better, fail margin 0', canary(loss(50_000, 1.06), loss(450_000, 1), 3), lossGate(0.02, 0))
add('continue: mean metric +0.2% passes at 3 h, fail margin 0 not shown', canary(loss(50_000, 1.002), loss(450_000, 1), 3), lossGate(0.02, 0))
add(
  'fail: both claims hold with fail margin 0 < margin 5%: FAIL wins',
  canary(loss(2_000_000, 1.02), loss(18_000_000, 1), 30),
  lossGate(0.05, 0),
)
add('pass: mean metric, higher is better, A/A', canary(loss(600_000, 1), loss(5_400_000, 1), 25), lossGate(0.02, undefined, 'higher_is_better'))
// SRM (§9) and its order against FAIL (§2.3, §9.2).
add('halt: SRM 9.7% vs 10%', canary(arm(58_000), arm(540_000), 2))
edge(
  'SRM alarm boundary (x challenger exposures vs 540,000)',
  57_000,
  60_000,
  (x) => canary(counts(x, normal(x)), counts(540_000, normal(540_000)), 2),
  (e) => !referenceVerdict(e, canaryConfig()).srm.alarm,
)
add('fail: SRM alarm with failing errors is FAIL, not HALT', canary(arm(58_000, { error: 0.03 }), arm(540_000), 2))
const conflicted = (c: ArmEvidence) => ({ ...c, reports: { conversion: { accepted: 1_000, conflicts: 30 } } })
add('halt: outcome conflicts beat a FAIL', canary(conflicted(arm(60_000, { conversion: 0.045 })), arm(540_000), 2))
add(
  'continue: 19 conflicts stay below the 20 needed',
  canary({ ...arm(60_000), reports: { conversion: { accepted: 100, conflicts: 19 } } }, arm(540_000), 2),
)
// Watch (share 1): no SRM; against the supplied baseline.
add('watch: new champion vs pre-rollout baseline, errors doubled', canary(arm(600_000, { error: 0.01 }), arm(5_400_000), 25, { expectedChallengerShare: 1 }))
add('watch: pass against the baseline', canary(arm(600_000), arm(5_400_000), 25, { expectedChallengerShare: 1 }))
add(
  'watch: no champion evidence at the cap is INCONCLUSIVE',
  canary(arm(600_000), { exposures: 0, errors: 0, latency: emptyHistogram(), outcomes: {} }, 168, { expectedChallengerShare: 1 }),
)
// Shadow only (share 0): no SRM, divergence and shadow error rate.
const shadowStage = (sh: ReturnType<typeof shadow> | null, hours: number) =>
  canary({ ...arm(0), outcomes: {} }, arm(600_000), hours, { shadow: sh, expectedChallengerShare: 0 })
const shadowConfig = defaultGateConfig({ stage: 'shadow' })
add('shadow: pass after 49 h', shadowStage(shadow(60_000, 600, 300), 49), shadowConfig)
add('shadow: continue at 47 h', shadowStage(shadow(60_000, 600, 300), 47), shadowConfig)
add('shadow: fail on divergence 12%', shadowStage(shadow(5_000, 600, 25), 3), shadowConfig)
add('shadow: fail on shadow errors 5% vs 0.5%', shadowStage(shadow(5_000, 0, 263), 3), shadowConfig)
add('shadow: no shadow evidence at the cap', shadowStage(null, 7 * 24), shadowConfig)
edge('shadow: divergence PASS boundary (x diverged of 60,000)', 2_000, 3_000, (x) => shadowStage(shadow(60_000, x, 300), 49), (e) => metricOf(e, shadowConfig, 'divergence') !== 'pass', shadowConfig)
const shadow10k = { ...shadowConfig, minSamplePerArm: 10_000 }
add('edge: shadow PASS with exactly 10,000 pairs', shadowStage(shadow(10_000, 0, 0), 49), shadow10k)
add('edge: shadow CONTINUE with 9,999 pairs', shadowStage(shadow(9_999, 0, 0), 49), shadow10k)
// Overrides the schema accepts but no test can run (§2.1): a verdict, never an exception.
const failing = canary(arm(60_000, { conversion: 0.045, error: 0.019 }), arm(540_000), 2, { shadow: shadow(10_000, 100, 5) })
const base = canaryConfig()
const conversion = base.business[0]!
add('invalid: business fail margin above the margin', failing, { ...base, business: [{ ...conversion, margin: 0.02, failMargin: 0.05 }] })
add('invalid: business margin 1 on a higher-is-better metric', failing, { ...base, business: [{ ...conversion, margin: 1 }] })
add('invalid: error floor 1', failing, { ...base, errorRate: { margin: 0.25, floor: 1 } })
add('invalid: error fail margin above the margin', failing, { ...base, errorRate: { margin: 0.1, failMargin: 0.5 } })
add('invalid: latency fail margin above the margin', failing, { ...base, latency: { thresholdMs: 320, margin: 0.1, failMargin: 2 } })
add('invalid: divergence max rate 0', failing, { ...base, divergence: { maxRate: 0 } })
add('invalid: an untestable gate blocks the PASS of an A/A stage', big(25 * HOUR), {
  ...base,
  business: [{ ...conversion, margin: 0.02, failMargin: 0.05 }],
})

addLookCases({ add, edge, counts, normal, loss, lossGate })

// A case's name says what it tests: its leading word is the stage decision the reference derives.
const word: Record<string, RefVerdict['decision']> = { pass: 'PASS', fail: 'FAIL', continue: 'CONTINUE', halt: 'HALT' }
for (const c of cases) {
  const w = word[c.name.split(':')[0]!]
  if (w !== undefined && c.expected.decision !== w) throw new Error(`${c.name}: the reference says ${c.expected.decision}`)
}

const file = {
  specVersion: GATES_SPEC_VERSION,
  description:
    'Vectors for evaluateGates (docs/statistics.md §2, §5–§9, §13.5). `expected` comes from the independent reference ' +
    'test/reference/gates.ts, not from evaluateGates; regenerate with test/vectors/gates/generate.ts. Decisions ' +
    'compare exactly, numbers to a relative tolerance of 1e-9. `reason` strings are not part of the contract.',
  hourMs: HOUR,
  cases,
}
const out = fileURLToPath(new URL('./evaluate.json', import.meta.url))
writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`)
process.stdout.write(`wrote ${cases.length} cases to ${out}\n`)
