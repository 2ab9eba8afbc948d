/**
 * The gate vectors: `evaluateGates` against decisions and numbers derived by the independent
 * reference (test/reference/gates.ts, written from docs/statistics.md), never by the code under
 * test, so regenerating the file cannot accept a change to the gates. Decisions compare exactly,
 * numbers to a relative tolerance of 1e-9 (the two implementations agree to ~1e-13).
 */
import { describe, expect, it } from 'vitest'
import { evaluateGates } from '../../../../src/core/gates/evaluate'
import { GATES_SPEC_VERSION } from '../../../../src/core/gates/spec-version'
import type { GateConfig, PlannedLook, StageEvidence } from '../../../../src/core/gates/types'
import { type RefVerdict, referenceVerdict } from '../../../reference/gates'
import { expectClose } from '../../../support/expect-close'
import vectors from '../../../vectors/gates/evaluate.json'

/** `looks`: the planned looks recorded before this evaluation (absent: an old caller, §5.6, §5.7, §9.4). */
type Case = { name: string; evidence: StageEvidence; config: GateConfig; looks?: PlannedLook[]; expected: RefVerdict }
const cases = vectors.cases as unknown as Case[]
const TOL = 1e-9
const lookKey = (l: PlannedLook) => `${l.metric}:${l.side ?? 'fail'}`

describe('gate vectors', () => {
  it('were derived for the current gate spec version', () => {
    // A change to the gate semantics bumps GATES_SPEC_VERSION (src/core/gates/spec-version.ts).
    // Then re-derive test/reference/gates.ts from docs/statistics.md and regenerate the file with
    // `npx tsx test/vectors/gates/generate.ts`; never copy the new numbers from evaluateGates.
    expect(vectors.specVersion, 'gate vectors older than GATES_SPEC_VERSION: re-derive and regenerate').toBe(
      GATES_SPEC_VERSION,
    )
  })

  it('cover every stage decision and every test kind with each of its decisions', () => {
    expect(new Set(cases.map((c) => c.expected.decision))).toEqual(
      new Set(['PASS', 'CONTINUE', 'FAIL', 'HALT', 'INCONCLUSIVE']),
    )
    const seen = new Set(cases.flatMap((c) => c.expected.metrics.map((m) => `${m.test}:${m.decision}`)))
    const decisions = ['pass', 'fail', 'continue', 'insufficient_data']
    for (const test of ['ni_proportion', 'event_split', 'tail_exceedance', 'divergence_rate']) {
      for (const d of decisions) expect(seen, `${test}:${d}`).toContain(`${test}:${d}`)
    }
    for (const d of ['pass', 'fail']) expect(seen).toContain(`ni_mean:${d}`)
    const stages = new Set(cases.map((c) => c.evidence.expectedChallengerShare))
    expect(stages).toEqual(new Set([0, 0.1, 1]))
  })

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const v = evaluateGates(c.evidence, c.config, c.looks)
    expect(v.decision, v.reason).toBe(c.expected.decision)
    const shape = (ms: { metric: string; test: string; decision: string }[]) =>
      ms.map((m) => [m.metric, m.test, m.decision])
    expect(shape(v.metrics)).toEqual(shape(c.expected.metrics))
    // The planned looks taken now: none returned without looks input, and exactly the new ones
    // (in any order: one per metric and side).
    expect(v.looks?.length ?? null).toBe(c.expected.looks?.length ?? null)
    const bySide = (ls?: readonly PlannedLook[]) => ls?.toSorted((a, b) => lookKey(a).localeCompare(lookKey(b)))
    const actual = { ...v, conflictsAlarm: v.conflicts?.alarm ?? false, looks: bySide(v.looks) }
    expectClose(actual, { ...c.expected, looks: bySide(c.expected.looks) }, TOL)
  })

  it('hold exactly what the reference derives (the file was not edited by hand)', () => {
    for (const c of cases) {
      expect(JSON.parse(JSON.stringify(referenceVerdict(c.evidence, c.config, c.looks))), c.name).toEqual(c.expected)
    }
  })
})
