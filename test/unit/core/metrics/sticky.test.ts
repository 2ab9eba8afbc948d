/**
 * Sticky exposures (core/metrics/aggregate): requests routed by the unit key are counted in the row
 * that counts the exposure (the assigned arm, also after a fallback), merged exactly, and reach
 * the gate evidence as `stickyExposures` (0 for rows from before the count).
 */
import { describe, expect, it } from 'vitest'
import { aggregate, emptyAgg, exposuresOf, mergeAgg } from '../../../../src/core/metrics/aggregate'
import { buildEvidence } from '../../../../src/core/metrics/evidence'
import { mergeSummaries } from '../../../../src/core/metrics/summary'
import { at, req } from './fixtures'

const challenger = { version: 'v2', arm: 'challenger' as const }

describe('sticky exposures', () => {
  const rows = aggregate([
    req({ sticky: true }),
    req({ sticky: true }),
    req({}),
    req({ ...challenger, sticky: true }),
    req({ ...challenger, sticky: false }),
    // v2's attempt failed and v1 answered: the exposure, and its stickiness, are v2's.
    req({ sticky: true, fallback: { version: 'v2', arm: 'challenger' } }),
  ])
  const byArm = Object.fromEntries([...rows.values()].map((r) => [r.key.arm, r.agg]))

  it('are counted in the row that counts the exposure', () => {
    expect(byArm.champion!.stickyExposures).toBe(2)
    expect(byArm.challenger!.stickyExposures).toBe(2)
    expect(exposuresOf(byArm.champion!)).toBe(3)
    expect(exposuresOf(byArm.challenger!)).toBe(3)
  })

  it('merge exactly; rows without them add nothing', () => {
    const a = emptyAgg()
    mergeAgg(a, byArm.champion!)
    mergeAgg(a, byArm.challenger!)
    mergeAgg(a, emptyAgg())
    expect(a.stickyExposures).toBe(4)
    const plain = [...aggregate([req({})]).values()][0]!.agg
    expect(plain.stickyExposures).toBeUndefined()
  })

  it('reach the evidence per arm, 0 for rows stored before the count', () => {
    const cumulative = [...rows.values()].map((r) => ({ ...r.key, agg: r.agg }))
    const old = { ...cumulative[0]!, epoch: 4, agg: [...aggregate([req({ epoch: 4 })]).values()][0]!.agg }
    const summary = mergeSummaries([{ cumulative: [...cumulative, old], matured: [], counterfactual: [] }])
    const spec = { kind: 'canary' as const, champion: 'v1', challenger: 'v2', weight: 50 }
    const e = buildEvidence(summary, spec, [], { stageStartedAt: at, now: at + 1 })
    expect(e.champion.stickyExposures).toBe(2)
    expect(e.challenger.stickyExposures).toBe(2)
    expect(e.champion.exposures).toBe(4)
  })
})
