import { describe, expect, it } from 'vitest'
import { judgeOfflineReport } from '../../../../src/core/evaluation/offline'
import { EvaluationReport } from '../../../../src/schemas/evaluation'

const good = EvaluationReport.parse({
  quality: { metric: 'auc', challenger: 0.81, champion: 0.8, threshold: 0.75 },
  fairness: [
    { metric: 'dp', value: 0.02, threshold: 0.05 },
    { metric: 'eo_ratio', value: 0.9, threshold: 0.8, bound: 'min' },
  ],
  latency: { p99_ms: 40 },
  slices: [{ name: 'new', challenger: 0.78, champion: 0.77 }],
})

describe('offline evaluation gate', () => {
  it('passes a report that meets every check, listing each with its numbers', () => {
    const v = judgeOfflineReport(good, 250)
    expect(v.passed).toBe(true)
    expect(v.checks.map((c) => c.name)).toEqual([
      'quality.auc.threshold',
      'quality.auc.vs_champion',
      'fairness.dp',
      'fairness.eo_ratio',
      'latency.p99',
      'slice.new',
    ])
  })

  it.each([
    [
      'quality below threshold',
      { quality: { ...good.quality, challenger: 0.74, champion: 0.74 } },
      'quality.auc.threshold',
    ],
    [
      'regression vs champion',
      { quality: { ...good.quality, challenger: 0.78, threshold: 0.7 } },
      'quality.auc.vs_champion',
    ],
    [
      'fairness bound',
      { fairness: [{ metric: 'dp', value: 0.09, threshold: 0.05, bound: 'max' as const }] },
      'fairness.dp',
    ],
    ['p99 under load above the SLA', { latency: { p99_ms: 400 } }, 'latency.p99'],
    [
      'a slice regressing',
      { slices: [{ name: 'thin-file', challenger: 0.6, champion: 0.77, max_regression: 0.05 }] },
      'slice.thin-file',
    ],
  ])('fails on %s and says which check', (_label, patch, failed) => {
    const v = judgeOfflineReport({ ...good, ...patch }, 250)
    expect(v.passed).toBe(false)
    expect(v.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual([failed])
    expect(v.reason).toContain(failed)
  })

  it('judges lower-is-better quality metrics the other way', () => {
    const v = judgeOfflineReport(
      {
        ...good,
        quality: {
          metric: 'logloss',
          direction: 'lower_is_better',
          challenger: 0.3,
          champion: 0.31,
          threshold: 0.35,
          max_regression: 0.01,
        },
      },
      null,
    )
    expect(v.passed).toBe(true)
  })
})
