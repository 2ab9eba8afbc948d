/**
 * `evaluateGates(e, c, looks, sides)`: a stage planned without the PASS or SRM look (it began before
 * they existed) keeps those levels whole on the mixtures and never takes the look
 * (docs/statistics.md §5.7, §9.4).
 */
import { describe, expect, it } from 'vitest'
import { evaluateGates } from '../../../../src/core/gates/evaluate'
import type { LookSide } from '../../../../src/core/gates/types'
import { arm, canary, canaryConfig } from './helpers'

const FAIL_ONLY: ReadonlySet<LookSide> = new Set<LookSide>(['fail'])

describe('planned look sides', () => {
  it('takes the PASS and SRM looks only when the stage was planned with them', () => {
    // 30 h into a 24 h-minimum stage: both looks are due.
    const e = canary(arm(200_000, { conversion: 0.05 }), arm(1_800_000, { conversion: 0.05 }), 30)
    const all = evaluateGates(e, canaryConfig(), [])
    expect(all.looks?.map((l) => l.side ?? 'fail').sort()).toEqual(['fail', 'pass', 'srm'])
    const old = evaluateGates(e, canaryConfig(), [], FAIL_ONLY)
    expect(old.looks?.map((l) => l.side ?? 'fail')).toEqual(['fail'])
  })

  it('keeps the mixtures at their full levels without those looks', () => {
    const e = canary(arm(200_000, { conversion: 0.05 }), arm(1_800_000, { conversion: 0.05 }), 30)
    const plain = evaluateGates(e, canaryConfig())
    const old = evaluateGates(e, canaryConfig(), [], FAIL_ONLY)
    const conv = (v: typeof plain) => v.metrics.find((m) => m.metric === 'conversion')!
    // The PASS side shows the same mixture boundary as a caller without looks (full α_pass).
    expect(conv(old).boundary).toBe(conv(plain).boundary)
    expect(conv(old).decision).toBe(conv(plain).decision)
    // An SRM alarm quotes the level its mixture ran at: the full srmAlpha, not a quarter of it.
    const skew = canary(arm(190_000, { conversion: 0.05 }), arm(1_810_000, { conversion: 0.05 }), 30)
    expect(evaluateGates(skew, canaryConfig(), [], FAIL_ONLY).srm.reason).toContain('≤ 0.004.')
    expect(evaluateGates(skew, canaryConfig(), []).srm.reason).toContain('≤ 0.001.')
    const split = evaluateGates(e, canaryConfig(), [])
    expect(conv(split).boundary).not.toBe(conv(plain).boundary)
  })
})
