/**
 * The early SRM look under sticky routing (docs/statistics.md §9.4): when more than 1% of N_plan
 * exposures were routed by the unit key, the look is skipped (whole units are assigned, so the
 * request counts are overdispersed) and the mixture gets the whole srmAlpha back; per-request
 * traffic keeps the look, and a recorded look stays.
 */
import { describe, expect, it } from 'vitest'
import { evaluateGates } from '../../../../src/core/gates/evaluate'
import { pct } from '../../../../src/core/gates/format'
import { MIXTURE_SHARE } from '../../../../src/core/gates/planned-look'
import { SRM_LOOK_METRIC, SRM_STICKY_LIMIT, srmLookCount } from '../../../../src/core/gates/srm-look'
import type { ArmEvidence, PlannedLook } from '../../../../src/core/gates/types'
import { sequentialSrm } from '../../../../src/core/stats/srm'
import { arm, canary, canaryConfig } from './helpers'

const config = canaryConfig()
const alpha = config.srmAlpha
const SHARE = 0.1
const nPlan = srmLookCount(SHARE, (1 - MIXTURE_SHARE) * alpha)
/** The most sticky exposures that still allow the look. */
const limit = Math.floor(SRM_STICKY_LIMIT * nPlan)

/** A 10% canary with `total` exposures, `nB` on the challenger, and `sticky` of them unit-routed (split 9:1). */
function stage(total: number, nB: number, sticky?: number) {
  const withSticky = (a: ArmEvidence, s: number | undefined): ArmEvidence =>
    s === undefined ? a : { ...a, stickyExposures: s }
  const stickyB = sticky === undefined ? undefined : Math.round(sticky * SHARE)
  return canary(
    withSticky(arm(nB), stickyB),
    withSticky(arm(total - nB), sticky === undefined ? undefined : sticky - stickyB!),
    30,
  )
}

const mixtureP = (total: number, nB: number) =>
  sequentialSrm({ counts: [total - nB, nB], expectedShares: [1 - SHARE, SHARE], alpha }).pValue

/** The challenger's count at N_plan that the look calls an alarm while the mixture at full α does not. */
const lookOnlyB = Math.round(nPlan * SHARE - 3.4 * Math.sqrt(nPlan * SHARE * (1 - SHARE)))

const srmLooks = (looks: readonly PlannedLook[] | undefined) =>
  (looks ?? []).filter((l) => l.metric === SRM_LOOK_METRIC)

describe('the SRM look under sticky routing', () => {
  it('is taken on per-request traffic (evidence without sticky counts, or within 1% of N_plan)', () => {
    expect(mixtureP(nPlan, lookOnlyB)).toBeGreaterThan(alpha)
    for (const sticky of [undefined, 0, limit]) {
      const v = evaluateGates(stage(nPlan, lookOnlyB, sticky), config, [])
      expect(srmLooks(v.looks), String(sticky)).toHaveLength(1)
      expect(srmLooks(v.looks)[0]!.decision).toBe('fail')
      expect(v.srm.alarm).toBe(true)
      expect(v.srm.reason).toMatch(/^SRM alarm at the planned look/)
      expect(v.srm.reason).not.toMatch(/skipped/)
    }
  })

  it('is skipped when more than 1% of N_plan exposures were routed by unit, and the reason says so', () => {
    const v = evaluateGates(stage(nPlan, lookOnlyB, limit + 1), config, [])
    expect(srmLooks(v.looks)).toEqual([])
    expect(v.srm.alarm).toBe(false)
    expect(v.srm.reason).toContain(`SRM look skipped: ${pct((limit + 1) / nPlan)} of requests were routed by unit`)
    expect(v.decision).not.toBe('HALT')
  })

  it('gives the mixture the full srmAlpha when skipped (α/4 while the look may still come)', () => {
    // Before N_plan: a challenger count whose always-valid p is in (α/4, α].
    const total = Math.round(nPlan * 0.6)
    let nB = Math.round(total * SHARE)
    while (mixtureP(total, nB) > alpha) nB--
    expect(mixtureP(total, nB)).toBeGreaterThan(MIXTURE_SHARE * alpha)
    const split = evaluateGates(stage(total, nB, limit), config, [])
    expect(split.srm.alarm).toBe(false)
    const full = evaluateGates(stage(total, nB, limit + 1), config, [])
    expect(full.srm.alarm).toBe(true)
    expect(full.srm.reason).toMatch(/^SRM alarm: .* ≤ 0\.004\. .*SRM look skipped/)
    expect(srmLooks(full.looks)).toEqual([])
  })

  it('keeps a recorded look: its alarm stands and the mixture stays at α/4, whatever the sticky count', () => {
    const first = evaluateGates(stage(nPlan, lookOnlyB), config, [])
    const recorded = srmLooks(first.looks)
    expect(recorded).toHaveLength(1)
    const later = evaluateGates(stage(nPlan + 1000, lookOnlyB + 100, nPlan), config, recorded)
    expect(later.srm.alarm).toBe(true)
    expect(later.srm.reason).toMatch(/^SRM alarm at the planned look/)
    expect(later.srm.reason).not.toMatch(/skipped/)
    expect(srmLooks(later.looks)).toEqual([])
  })

  it('without recorded looks (unplanned callers) the mixture has the full α and no look, as before', () => {
    const v = evaluateGates(stage(nPlan, lookOnlyB, nPlan), config)
    expect(v.srm.alarm).toBe(false)
    expect(v.srm.reason).not.toMatch(/skipped/)
  })
})
