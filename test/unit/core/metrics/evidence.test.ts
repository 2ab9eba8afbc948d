import { describe, expect, it } from 'vitest'
import { aggregate, type RequestMeasurement } from '../../../../src/core/metrics/aggregate'
import { buildEvidence } from '../../../../src/core/metrics/evidence'
import { mergeSummaries, type MergedSummary } from '../../../../src/core/metrics/summary'
import { quantile } from '../../../../src/core/stats/histogram'

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

describe('buildEvidence: latency measure', () => {
  const timed = (version: string, arm: RequestMeasurement['arm'], latencyMs: number, durationMs: number) => ({
    ...req(version, arm, ''),
    latencyMs,
    durationMs,
  })
  // A challenger as quick to its first byte as the champion, and four times slower to its last.
  const streams = [
    ...Array.from({ length: 50 }, () => timed('v1', 'champion', 20, 400)),
    ...Array.from({ length: 50 }, () => timed('v2', 'challenger', 20, 1_600)),
  ]
  const canary = { kind: 'canary', champion: 'v1', challenger: 'v2', weight: 50 } as const

  it('reads time to first byte by default (and for model states stored before the setting)', () => {
    for (const e of [
      buildEvidence(summaryOf(streams), canary, [], clock),
      buildEvidence(summaryOf(streams), canary, [], { ...clock, latencyMeasure: undefined }),
      buildEvidence(summaryOf(streams), canary, [], { ...clock, latencyMeasure: 'ttfb' }),
    ]) {
      expect(quantile(e.champion.latency, 0.99)).toBeCloseTo(20, -1)
      expect(quantile(e.challenger.latency, 0.99)).toBeCloseTo(20, -1)
    }
  })

  it("reads the total duration when the model's latency_measure is duration", () => {
    const e = buildEvidence(summaryOf(streams), canary, [], { ...clock, latencyMeasure: 'duration' })
    expect(e.champion.latency.count).toBe(50)
    expect(quantile(e.champion.latency, 0.99)).toBeCloseTo(400, -1)
    expect(quantile(e.challenger.latency, 0.99)).toBeCloseTo(1_600, -1)
  })

  it('reads rows stored before durations as having none', () => {
    const s = summaryOf(streams)
    for (const r of s.cumulative.values()) delete r.agg.duration
    const e = buildEvidence(s, canary, [], { ...clock, latencyMeasure: 'duration' })
    expect([e.champion.latency.count, e.challenger.latency.count]).toEqual([0, 0])
  })
})
