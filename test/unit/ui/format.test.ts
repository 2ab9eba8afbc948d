import { describe, expect, it } from 'vitest'
import {
  formatAgo,
  formatClock,
  formatCount,
  formatMs,
  formatNumber,
  formatPercent,
  formatShortTime,
  formatTime,
  formatWeights,
} from '../../../src/ui/format'
import { metricCharts, seriesLabel } from '../../../src/ui/metric-charts'
import { stepStatus } from '../../../src/ui/timeline'
import type { Series, SeriesPoint } from '../../../src/core/metrics/series'

describe('formatting', () => {
  it('formats numbers, counts, rates and latencies without locale', () => {
    expect(formatNumber(0.12345)).toBe('0.123')
    expect(formatNumber(1234.5)).toBe('1235')
    expect(formatNumber(null)).toBe('–')
    expect(formatCount(12)).toBe('12')
    expect(formatCount(12_345)).toBe('12.3k')
    expect(formatCount(2_500_000)).toBe('2.5M')
    expect(formatPercent(0.0123)).toBe('1.23%')
    expect(formatPercent(0)).toBe('0%')
    expect(formatPercent(Number.NaN)).toBe('–')
    expect(formatMs(12.34)).toBe('12.3 ms')
    expect(formatMs(1500)).toBe('1.5 s')
  })

  it('formats times in UTC', () => {
    const t = Date.UTC(2026, 10, 26, 9, 5, 7, 123)
    expect(formatClock(t)).toBe('09:05')
    expect(formatClock(t, true)).toBe('11-26 09:05')
    expect(formatTime(t)).toBe('2026-11-26 09:05:07 UTC')
    expect(formatTime(new Date(t).toISOString())).toBe('2026-11-26 09:05:07 UTC')
    expect(formatTime('nonsense')).toBe('–')
    expect(formatShortTime(t)).toBe('11-26 09:05:07')
    expect(formatShortTime(null)).toBe('–')
    expect(formatAgo(t - 2_000, t)).toBe('just now')
    expect(formatAgo(t - 42_000, t)).toBe('42 s ago')
    expect(formatAgo(t - 5 * 60_000, t)).toBe('5 min ago')
    expect(formatAgo(t + 3 * 3_600_000, t)).toBe('in 3 h')
    expect(formatAgo(t - 65 * 60_000, t)).toBe('1 h 5 min ago')
  })

  it('lists weights largest first', () => {
    expect(formatWeights({ v1: 10, v2: 90 })).toBe('v2 90% · v1 10%')
    expect(formatWeights(null)).toBe('–')
  })
})

function point(t: string, p: Partial<SeriesPoint> = {}): SeriesPoint {
  return {
    t,
    requests: 0,
    exposures: 0,
    errors: 0,
    error_rate: null,
    p50_ms: null,
    p95_ms: null,
    p99_ms: null,
    duration_p50_ms: null,
    duration_p95_ms: null,
    duration_p99_ms: null,
    shadow_pairs: 0,
    shadow_skipped: 0,
    divergence_rate: null,
    business: {},
    ...p,
  }
}

describe('metric charts', () => {
  const t1 = '2026-11-26T10:00:00.000Z'
  const t2 = '2026-11-26T10:01:00.000Z'
  const series: Series[] = [
    {
      version: 'v1',
      arm: 'champion',
      points: [
        point(t1, {
          requests: 90,
          error_rate: 0.01,
          p99_ms: 40,
          business: { repaid: { n: 80, mean: 0.8, ci95: [0.71, 0.89] } },
        }),
        point(t2),
      ],
    },
    {
      version: 'v2',
      arm: 'challenger',
      points: [
        point(t1, { requests: 10, error_rate: 0, p99_ms: 45 }),
        point(t2, { requests: 5, error_rate: 0.2, p99_ms: 50 }),
      ],
    },
    {
      version: 'v2',
      arm: 'shadow',
      points: [point(t1, { requests: 90, shadow_pairs: 88, divergence_rate: 0.1 }), point(t2)],
    },
  ]

  it('draws requests, error rate, p99, each business metric with a band, and divergence', () => {
    const charts = metricCharts(series, ['repaid'])
    expect(charts.map((c) => c.id)).toEqual(['requests', 'error-rate', 'p99', 'business-repaid', 'divergence'])
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]))
    expect(byId.requests?.series.map((s) => s.label)).toEqual(['v1 · champion', 'v2 · challenger', 'v2 · shadow'])
    expect(byId['business-repaid']?.series.map((s) => [s.label, s.band])).toEqual([['v1 · champion', true]])
    expect(byId['business-repaid']?.series[0]?.values[0]).toMatchObject({ y: 0.8, lo: 0.71, hi: 0.89 })
    expect(byId.divergence?.series.map((s) => s.arm)).toEqual(['shadow'])
    expect(byId['error-rate']?.series[1]?.values.map((v) => v.y)).toEqual([0, 0.2])
  })

  it('adds metrics that appear only in the data, and marks a second series of the same arm', () => {
    const more: Series[] = [
      ...series,
      {
        version: 'v3',
        arm: 'champion',
        points: [point(t1, { requests: 1, business: { churn: { n: 1, mean: 1, ci95: null } } })],
      },
    ]
    const charts = metricCharts(more, [])
    expect(charts.map((c) => c.id)).toContain('business-churn')
    expect(charts.find((c) => c.id === 'requests')?.series.map((s) => s.alt)).toEqual([false, false, false, true])
    expect(seriesLabel({ version: 'v3', arm: 'champion' })).toBe('v3 · champion')
  })
})

describe('stage status', () => {
  const base = {
    phase: 'progressing' as const,
    step: { index: 1, kind: 'canary', label: 'canary 50%', started_at: '', epoch: 3 },
    pending_approval: null,
  }

  it('marks steps done, current and pending', () => {
    expect([0, 1, 2].map((i) => stepStatus(base, i))).toEqual(['done', 'current', 'pending'])
  })

  it('shows the step waiting for an approver, and where a rollback stopped', () => {
    const pending = {
      ...base,
      phase: 'awaiting_approval' as const,
      pending_approval: { for_step: 2, reason: '', rules: [], requested_at: '', expires_at: '', evidence_hash: '' },
    }
    expect(stepStatus(pending, 2)).toBe('awaiting approval')
    expect(stepStatus(pending, 1)).toBe('held')
    const rolledBack = { ...base, phase: 'rolled_back' as const }
    expect([0, 1, 2].map((i) => stepStatus(rolledBack, i))).toEqual(['done', 'failed', 'skipped'])
    expect(stepStatus({ ...base, step: null }, 0)).toBe('pending')
  })
})
