import { describe, expect, it } from 'vitest'
import { isWeakerThan } from '../../../../src/core/gates/defaults'
import { evaluateGates } from '../../../../src/core/gates/evaluate'
import type { ArmEvidence, GateConfig, GateDecision } from '../../../../src/core/gates/types'
import { arm, canary, canaryConfig, shadow } from './helpers'

/** An arm of the helpers' canary with `accepted` conversion outcomes, `conflicts` of them contradicted. */
function reported(base: ArmEvidence, accepted: number, conflicts: number): ArmEvidence {
  return { ...base, reports: { conversion: { accepted, conflicts } } }
}

const CHALLENGER = 60_000
const CHAMPION = 540_000

describe('outcome conflicts in the gates', () => {
  // [name, challenger (accepted, conflicts), champion (accepted, conflicts), config, decision, reason part]
  const cases: Array<[string, [number, number], [number, number], Partial<GateConfig>, GateDecision, string]> = [
    ['no conflicts: the stage goes on', [3_000, 0], [27_000, 0], {}, 'CONTINUE', 'minimum duration'],
    ['1.0% exactly is not above 1%', [3_000, 30], [27_000, 0], {}, 'CONTINUE', 'minimum duration'],
    [
      'challenger above 1% with ≥ 20 conflicts: HALT naming metric, arm and rate',
      [3_000, 31],
      [27_000, 0],
      {},
      'HALT',
      'outcome_conflicts: conversion on the challenger arm: 31 of 3,000 accepted outcomes contradicted by a later report (1.03%)',
    ],
    [
      'a poisoned champion halts too',
      [3_000, 0],
      [27_000, 400],
      {},
      'HALT',
      'conversion on the champion arm: 400 of 27,000',
    ],
    ['19 conflicts are too few, whatever their share', [100, 19], [27_000, 0], {}, 'CONTINUE', 'minimum duration'],
    ['20 conflicts at 20% halt', [100, 20], [27_000, 0], {}, 'HALT', 'outcome_conflicts: conversion on the challenger'],
    [
      'a raised max_conflict_rate tolerates them',
      [100, 20],
      [27_000, 0],
      { maxConflictRate: 0.25 },
      'CONTINUE',
      'minimum duration',
    ],
    [
      'a lowered min_conflicts halts on fewer',
      [100, 5],
      [27_000, 0],
      { minConflicts: 5 },
      'HALT',
      '5 of 100 accepted outcomes',
    ],
    [
      'configs stored before the check get the defaults',
      [100, 20],
      [27_000, 0],
      { maxConflictRate: undefined, minConflicts: undefined },
      'HALT',
      'above 1% with at least 20',
    ],
  ]

  it.each(cases)('%s', (_name, [bAccepted, bConflicts], [aAccepted, aConflicts], overrides, decision, reason) => {
    const e = canary(
      reported(arm(CHALLENGER), bAccepted, bConflicts),
      reported(arm(CHAMPION), aAccepted, aConflicts),
      2,
    )
    const v = evaluateGates(e, canaryConfig(overrides))
    expect(v.decision, v.reason).toBe(decision)
    expect(v.reason).toContain(reason)
    expect(v.conflicts?.alarm).toBe(decision === 'HALT')
  })

  it('HALTs rather than FAILs when the business evidence is contradicted, and names what fails meanwhile', () => {
    const e = canary(
      reported(arm(CHALLENGER, { conversion: 0.045 }), 3_000, 300),
      reported(arm(CHAMPION), 27_000, 0),
      2,
    )
    const clean = evaluateGates({ ...e, challenger: { ...e.challenger, reports: {} } }, canaryConfig())
    expect(clean.decision).toBe('FAIL')
    const v = evaluateGates(e, canaryConfig())
    expect(v.decision).toBe('HALT')
    expect(v.reason).toMatch(/^HALT: outcome_conflicts: .*Failing meanwhile: conversion\.$/)
    expect(v.conflicts?.findings).toEqual([
      { metric: 'conversion', arm: 'challenger', conflicts: 300, accepted: 3_000, rate: 0.1 },
    ])
  })

  it('an SRM alarm leads and mentions the conflicts', () => {
    const e = canary(reported(arm(58_000), 3_000, 300), reported(arm(540_000), 27_000, 0), 2)
    const v = evaluateGates(e, canaryConfig())
    expect(v.decision).toBe('HALT')
    expect(v.reason).toMatch(/^HALT: SRM alarm: .* Also outcome_conflicts: conversion on the challenger/)
    expect(v.srm.alarm).toBe(true)
    expect(v.conflicts?.alarm).toBe(true)
  })

  it('puts each arm’s conflicts and conflict rate beside the business metric’s numbers only', () => {
    const v = evaluateGates(
      canary(reported(arm(CHALLENGER), 3_000, 6), reported(arm(CHAMPION), 0, 0), 2),
      canaryConfig(),
    )
    const [conversion, ...others] = v.metrics
    expect(conversion?.metric).toBe('conversion')
    expect(conversion?.challenger).toMatchObject({ conflicts: 6, conflictRate: 0.002 })
    // No outcome accepted: no rate.
    expect(conversion?.champion).toMatchObject({ conflicts: 0, conflictRate: null })
    expect(others.length).toBeGreaterThan(0)
    for (const m of others) expect(m.challenger.conflicts).toBeUndefined()
  })

  it('is not checked in shadow-only stages, which run no business gate', () => {
    const e = {
      ...canary(arm(0), reported(arm(CHAMPION), 27_000, 27_000), 2),
      expectedChallengerShare: 0,
      shadow: shadow(200, 0, 0),
    }
    const v = evaluateGates(e, canaryConfig())
    expect(v.decision).not.toBe('HALT')
    expect(v.conflicts).toMatchObject({ alarm: false, reason: expect.stringContaining('not checked') })
  })

  it('a more tolerant conflict threshold is weaker than the defaults and needs approval', () => {
    const defaults = canaryConfig()
    expect(isWeakerThan({ ...defaults, maxConflictRate: 0.05 }, defaults)).toEqual([
      'max_conflict_rate 0.05 > default 0.01',
    ])
    expect(isWeakerThan({ ...defaults, minConflicts: 100 }, defaults)).toEqual(['min_conflicts 100 > default 20'])
    expect(isWeakerThan({ ...defaults, maxConflictRate: 0.001, minConflicts: 5 }, defaults)).toEqual([])
  })
})
