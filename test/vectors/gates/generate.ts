/**
 * Regenerates `evaluate-v1.json` from the current `evaluateGates`. Run with
 * `npx tsx test/vectors/gates/generate.ts` only when the gate spec version changes; the vectors
 * test re-derives the α split and the contrasts from the inputs, so a regenerated file that
 * drifted from the rules fails there. `reason` strings are not part of the contract and are left
 * out.
 *
 * Source: docs/statistics.md §2 (decisions, Bonferroni split), §5–§9.
 */

import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defaultGateConfig } from '../../../src/core/gates/defaults'
import { evaluateGates } from '../../../src/core/gates/evaluate'
import type { GateConfig, StageEvidence, VerdictRecord } from '../../../src/core/gates/types'
import { arm, canary, canaryConfig, HOUR, shadow } from '../../unit/core/gates/helpers'

type Case = { name: string; evidence: StageEvidence; config: GateConfig; expected: unknown }

function strip(v: VerdictRecord): unknown {
  return {
    decision: v.decision,
    elapsedMs: v.elapsedMs,
    srm: {
      alarm: v.srm.alarm,
      pValue: v.srm.pValue,
      observedShare: v.srm.observedShare,
      expectedShare: v.srm.expectedShare,
    },
    metrics: v.metrics.map(({ reason: _reason, ...m }) => m),
  }
}

const cases: Case[] = []
const add = (name: string, evidence: StageEvidence, config: GateConfig = canaryConfig()) =>
  cases.push({ name, evidence, config, expected: strip(evaluateGates(evidence, config)) })

add('continue: 2 h in, nothing shown', canary(arm(60_000), arm(540_000), 2))
add('pass: A/A after 25 h', canary(arm(600_000), arm(5_400_000), 25))
add('continue: A/A passing but 10 h in', canary(arm(600_000), arm(5_400_000), 10))
add('fail: conversion −10%', canary(arm(60_000, { conversion: 0.045 }), arm(540_000), 2))
add('fail: errors 1.9% vs 0.5%', canary(arm(60_000, { error: 0.019 }), arm(540_000), 2))
add('fail: latency exceedance 3% vs 1%', canary(arm(60_000, { slow: 0.03 }), arm(540_000), 2))
add('halt: SRM 9.7% vs 10%', canary(arm(58_000), arm(540_000), 2))
add('halt: SRM with failing errors', canary(arm(58_000, { error: 0.03 }), arm(540_000), 2))
add(
  'inconclusive: conversion −1% at the 7 d cap',
  canary(arm(60_000, { conversion: 0.0495 }), arm(540_000), 168),
)
add('insufficient: below n_min', canary(arm(900, { conversion: 0.01 }), arm(8_100), 0.2))
add(
  'fail: error rate before n_min (exact test)',
  canary(arm(500, { error: 0.1 }), arm(4_500, { error: 0.004 }), 0.02),
)
add(
  'continue: four tests with shadow evidence',
  canary(arm(60_000), arm(540_000), 2, { shadow: shadow(10_000, 100, 5) }),
)
add(
  'fail: mean metric, lower is better, fail margin 0',
  canary(
    { ...arm(50_000), outcomes: { loss: { n: 50_000, mean: 1.06, m2: 50_000 * 0.25 } } },
    { ...arm(450_000), outcomes: { loss: { n: 450_000, mean: 1, m2: 450_000 * 0.25 } } },
    3,
  ),
  canaryConfig({
    business: [
      { metric: 'loss', kind: 'mean', direction: 'lower_is_better', margin: 0.02, failMargin: 0 },
    ],
  }),
)
add(
  'watch: new champion vs pre-rollout baseline, errors doubled',
  canary(arm(600_000, { error: 0.01 }), arm(5_400_000), 25, { expectedChallengerShare: 1 }),
)
const shadowStage = (sh: ReturnType<typeof shadow> | null, hours: number) =>
  canary({ ...arm(0), outcomes: {} }, arm(600_000), hours, {
    shadow: sh,
    expectedChallengerShare: 0,
  })
const shadowConfig = defaultGateConfig({ stage: 'shadow' })
add('shadow: pass after 49 h', shadowStage(shadow(60_000, 600, 300), 49), shadowConfig)
add('shadow: continue at 47 h', shadowStage(shadow(60_000, 600, 300), 47), shadowConfig)
add('shadow: fail on divergence 12%', shadowStage(shadow(5_000, 600, 25), 3), shadowConfig)
add('shadow: no shadow evidence at the cap', shadowStage(null, 7 * 24), shadowConfig)

const file = {
  specVersion: '1',
  description:
    'Vectors for evaluateGates (docs/statistics.md §2, §5–§9) [regenerate or edit evaluate-v1.json:3 identically]. Numbers are IEEE doubles; compare ' +
    'with relative tolerance ~1e-9. `reason` strings are not part of the contract.',
  hourMs: HOUR,
  cases,
}
const out = fileURLToPath(new URL('./evaluate-v1.json', import.meta.url))
writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`)
process.stdout.write(`wrote ${cases.length} cases to ${out}\n`)
