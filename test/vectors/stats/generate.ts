/**
 * Regenerates `sequential-v1.json` from the current implementation. Run with
 * `npx tsx test/vectors/stats/generate.ts` only when the spec version changes; the vectors test
 * cross-checks every expected value against independent formulas, so a regenerated file that
 * drifted from the math fails there.
 *
 * Source: docs/statistics.md §4–§9 and §13.5; the vectors are versioned, so a change of a test is a new file, never an edit.
 */

import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { eventSplitTest } from '../../../src/core/stats/event-split'
import { momentsFromProportion, momentsFromSums } from '../../../src/core/stats/moments'
import { oneSampleRateTest } from '../../../src/core/stats/rate-test'
import {
  alwaysValidPValue,
  cAlpha,
  mixtureBoundary,
  niContrast,
  nonInferiorityTest,
} from '../../../src/core/stats/sequential'
import { chiSquareSrm, sequentialSrm } from '../../../src/core/stats/srm'

type Case = { name: string; fn: string; input: unknown; expected: unknown }

function withoutReason<T extends { reason: string }>(r: T): Omit<T, 'reason'> {
  const { reason: _reason, ...rest } = r
  return rest
}

const cases: Case[] = []
const add = (name: string, fn: string, input: unknown, expected: unknown) =>
  cases.push({ name, fn, input, expected })

for (const alpha of [0.05, 0.025, 0.001])
  add(`c_alpha ${alpha}`, 'cAlpha', { alpha }, cAlpha(alpha))

for (const [V, tau2, alpha] of [
  [1e-6, cAlpha(0.05) * 1e-6, 0.05],
  [2.8538e-6, 1e-6, 0.05],
  [0.25, 4, 0.0125],
  [1e-10, 1e-7, 0.001],
] as const) {
  add(`boundary V=${V}`, 'mixtureBoundary', { V, tau2, alpha }, mixtureBoundary(V, tau2, alpha))
}

for (const [d, V, tau2] of [
  [0.001, 1e-6, 6e-6],
  [0.004, 1e-6, 6e-6],
  [0, 1e-6, 6e-6],
  [0.3, 0.01, 0.5],
] as const) {
  add(`p-value d=${d}`, 'alwaysValidPValue', { d, V, tau2 }, alwaysValidPValue(d, V, tau2))
}

const champion = momentsFromProportion(5000, 100_000)
const challenger = momentsFromProportion(1010, 20_000)
for (const [direction, marginKind, margin] of [
  ['higher_is_better', 'relative', 0.02],
  ['higher_is_better', 'absolute', 0.002],
  ['lower_is_better', 'relative', 0.02],
  ['lower_is_better', 'absolute', 0.002],
] as const) {
  const input = { direction, marginKind, margin, champion, challenger }
  add(`contrast ${direction} ${marginKind}`, 'niContrast', input, niContrast(input))
}

const niBase = {
  direction: 'higher_is_better' as const,
  marginKind: 'relative' as const,
  margin: 0.02,
  failMargin: 0.02,
  alphaPass: 0.05,
  alphaFail: 0.05,
  tau2Pass: 4.5e-7,
  tau2Fail: 4.5e-7,
  minSamplePerArm: 1000,
}
const niCases = [
  ['A/A pass at large n', 360_000, 7_200_000, 40_000, 800_000, {}],
  ['A/A continue early', 2_700, 54_000, 300, 6_000, {}],
  ['20% drop fails', 27_000, 540_000, 2_160, 54_000, {}],
  ['insufficient data', 500, 10_000, 40, 900, {}],
  ['both hold, fail wins', 250_000, 1_000_000, 225_000, 1_000_000, { margin: 0.25, failMargin: 0 }],
  [
    'error rate absolute margin fails',
    2_500,
    500_000,
    1_000,
    50_000,
    { direction: 'lower_is_better', marginKind: 'absolute', margin: 0.005, failMargin: 0.005 },
  ],
] as const
for (const [name, xA, nA, xB, nB, extra] of niCases) {
  const input = {
    ...niBase,
    ...extra,
    champion: momentsFromProportion(xA, nA),
    challenger: momentsFromProportion(xB, nB),
  }
  add(name, 'nonInferiorityTest', input, withoutReason(nonInferiorityTest(input)))
}
{
  // A numeric metric (revenue per request) from sums.
  const input = {
    ...niBase,
    margin: 0.05,
    failMargin: 0.05,
    tau2Pass: 0.002,
    tau2Fail: 0.002,
    champion: momentsFromSums(200_000, 240_000, 1_800_000),
    challenger: momentsFromSums(20_000, 23_500, 181_000),
  }
  add(
    'numeric mean continue',
    'nonInferiorityTest',
    input,
    withoutReason(nonInferiorityTest(input)),
  )
}

const esBase = {
  challengerShare: 0.1,
  margin: 0.25,
  failMargin: 0.25,
  alphaPass: 0.05,
  alphaFail: 0.05,
}
for (const [name, eA, eB, extra] of [
  ['3x errors fail', 90, 30, {}],
  ['A/A pass', 1800, 200, {}],
  ['few events continue', 18, 2, {}],
  ['zero events continue', 0, 0, {}],
  ['hard guardrail fails at 1.1x', 90_000, 11_000, { failMargin: 0 }],
  ['equal split, wider prior', 400, 520, { challengerShare: 0.5, priorSd: 0.5 }],
] as const) {
  const input = { ...esBase, ...extra, championEvents: eA, challengerEvents: eB }
  add(name, 'eventSplitTest', input, withoutReason(eventSplitTest(input)))
}

for (const [name, counts, expectedShares] of [
  ['srm balanced 10/90', [1_005, 8_995], [0.1, 0.9]],
  ['srm 9.7% share', [97_000, 903_000], [0.1, 0.9]],
  ['srm three arms lost traffic', [10_400, 10_300, 9_300], [1, 1, 1]],
] as const) {
  const input = { counts: [...counts], expectedShares: [...expectedShares] }
  add(name, 'sequentialSrm', input, withoutReason(sequentialSrm(input)))
  add(`${name} (chi2)`, 'chiSquareSrm', input, chiSquareSrm(input.counts, input.expectedShares))
}

for (const [name, events, n] of [
  ['rate pass', 150, 10_000],
  ['rate fail', 250, 10_000],
  ['rate continue', 210, 10_000],
] as const) {
  const input = { events, n, maxRate: 0.02, alphaPass: 0.05, alphaFail: 0.05, minSample: 1000 }
  add(name, 'oneSampleRateTest', input, withoutReason(oneSampleRateTest(input)))
}

const file = {
  specVersion: '1',
  description:
    'Vectors for the modelgate statistics core (docs/statistics.md §4–§9) [regenerate or edit sequential-v1.json:3 identically]. Numbers are IEEE doubles; ' +
    'compare with relative tolerance ~1e-9. `reason` strings are not part of the contract.',
  cases,
}
const out = fileURLToPath(new URL('./sequential-v1.json', import.meta.url))
writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`)
console.log(`wrote ${cases.length} cases to ${out}`)
