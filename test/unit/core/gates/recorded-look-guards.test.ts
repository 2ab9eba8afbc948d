/**
 * A recorded look at a tick where a guard of §5.4 fails (docs/statistics.md §5.6, §5.7;
 * `niWithLook`): the mixture makes no claim and no look is taken, a recorded FAIL look still reads
 * FAIL, and a recorded PASS look reads `insufficient_data`.
 */
import { describe, expect, it } from 'vitest'
import { evaluateGates } from '../../../../src/core/gates/evaluate'
import type { PlannedLook, StageEvidence } from '../../../../src/core/gates/types'
import { arm, canary, canaryConfig } from './helpers'

const conversion = (e: StageEvidence, looks: PlannedLook[]) =>
  evaluateGates(e, canaryConfig(), looks).metrics.find((m) => m.metric === 'conversion')!

/** The conversion look of `side` that the gates take 30 h into the stage at these rates. */
function lookAt(challengerRate: number, side: 'fail' | 'pass'): PlannedLook {
  const e = canary(arm(200_000, { conversion: challengerRate }), arm(1_800_000, { conversion: 0.05 }), 30)
  const looks = evaluateGates(e, canaryConfig(), []).looks ?? []
  return looks.find((l) => l.metric === 'conversion' && (l.side ?? 'fail') === side)!
}

// 500 challenger units, below the minimum sample of 1,000: the guard fails.
const guarded = canary(arm(500, { conversion: 0.05 }), arm(4_500, { conversion: 0.05 }), 30)

describe('recorded looks when a guard fails', () => {
  it('keeps a recorded FAIL look, and reads a recorded PASS look as insufficient_data', () => {
    const fail = lookAt(0.048, 'fail')
    const pass = lookAt(0.051, 'pass')
    expect(fail.decision).toBe('fail')
    expect(pass.decision).toBe('pass')
    expect(conversion(guarded, []).decision).toBe('insufficient_data')
    expect(conversion(guarded, [fail]).decision).toBe('fail')
    expect(conversion(guarded, [pass]).decision).toBe('insufficient_data')
    // No look is taken while the guard fails.
    expect(evaluateGates(guarded, canaryConfig(), []).looks?.filter((l) => l.side !== 'srm') ?? []).toEqual([])
  })
})
