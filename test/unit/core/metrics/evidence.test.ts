import { describe, expect, it } from 'vitest'
import { aggregate, type RequestMeasurement } from '../../../../src/core/metrics/aggregate'
import { buildEvidence } from '../../../../src/core/metrics/evidence'
import { mergeSummaries, type MergedSummary } from '../../../../src/core/metrics/summary'

const at = 1_790_000_000_000
const req = (
  version: string,
  arm: RequestMeasurement['arm'],
  segment: RequestMeasurement['segment'],
  status = 200,
): RequestMeasurement => ({
  type: 'request',
  requestId: 'r',
  at,
  epoch: 7,
  version,
  arm,
  segment,
  status,
  outcome: 'response',
  latencyMs: 10,
  fallback: null,
})

function summaryOf(
  ms: RequestMeasurement[],
  matured: MergedSummary extends never ? never : Parameters<typeof mergeSummaries>[0][number]['matured'] = [],
): MergedSummary {
  const cumulative = [...aggregate(ms).values()].map(({ key, agg }) => ({
    epoch: key.epoch,
    version: key.version,
    arm: key.arm,
    segment: key.segment,
    agg,
  }))
  return mergeSummaries([{ cumulative, matured, counterfactual: [] }])
}

const clock = { stageStartedAt: at, now: at + 3_600_000 }
const traffic = [
  ...Array.from({ length: 90 }, () => req('v1', 'champion', '')),
  ...Array.from({ length: 10 }, () => req('v2', 'challenger', '', 500)),
  ...Array.from({ length: 30 }, () => req('v1', 'champion', 'cohort')),
  ...Array.from({ length: 20 }, () => req('v2', 'cohort', 'cohort')),
]

describe('buildEvidence', () => {
  it('canary: weight-routed arms only, design share = weight', () => {
    const e = buildEvidence(
      summaryOf(traffic),
      { kind: 'canary', champion: 'v1', challenger: 'v2', weight: 10 },
      [],
      clock,
    )
    expect([e.champion.exposures, e.challenger.exposures, e.challenger.errors, e.expectedChallengerShare]).toEqual([
      90, 10, 10, 0.1,
    ])
  })

  it("cohort: treatment vs the cohort's own control; at 100% the other traffic stands in", () => {
    const e = buildEvidence(
      summaryOf(traffic),
      { kind: 'cohort', champion: 'v1', challenger: 'v2', percent: 40 },
      [],
      clock,
    )
    expect([e.champion.exposures, e.challenger.exposures, e.expectedChallengerShare]).toEqual([30, 20, 0.4])
    const full = buildEvidence(
      summaryOf(traffic),
      { kind: 'cohort', champion: 'v1', challenger: 'v2', percent: 100 },
      [],
      clock,
    )
    expect(full.champion.exposures).toBe(120)
  })

  it('shadow: no challenger exposure by design', () => {
    const e = buildEvidence(summaryOf(traffic), { kind: 'shadow', champion: 'v1', challenger: 'v2' }, [], clock)
    expect([e.challenger.exposures, e.expectedChallengerShare, e.shadow?.pairs]).toEqual([0, 0, 0])
  })

  it('outcomes: proportions over matured exposures, means over received outcomes', () => {
    const matured = [
      {
        epoch: 7,
        version: 'v1',
        arm: 'champion',
        segment: '',
        metric: 'repaid',
        exposures: 90,
        n: 60,
        sum: 45,
        sumSq: 45,
      },
      {
        epoch: 7,
        version: 'v1',
        arm: 'champion',
        segment: '',
        metric: 'revenue',
        exposures: 90,
        n: 60,
        sum: 600,
        sumSq: 9000,
      },
    ]
    const e = buildEvidence(
      summaryOf(traffic, matured),
      { kind: 'canary', champion: 'v1', challenger: 'v2', weight: 10 },
      [
        { name: 'repaid', kind: 'proportion' },
        { name: 'revenue', kind: 'mean' },
      ],
      clock,
    )
    expect(e.champion.outcomes.repaid).toMatchObject({ n: 90, mean: 0.5 })
    expect(e.champion.outcomes.revenue).toMatchObject({ n: 60, mean: 10 })
    expect(e.champion.outcomes.revenue!.m2).toBeCloseTo(9000 - 60 * 100, 6)
  })
})
