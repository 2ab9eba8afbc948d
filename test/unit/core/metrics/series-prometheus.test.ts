import { describe, expect, it } from 'vitest'
import { aggregate, type RequestMeasurement } from '../../../../src/core/metrics/aggregate'
import {
  addDuration,
  addLatency,
  emptyTotals,
  mergeTotals,
  renderPrometheus,
  type Totals,
} from '../../../../src/core/metrics/prometheus'
import { buildSeries } from '../../../../src/core/metrics/series'

const minute = 29_833_333
const req = (m: number, status = 200, latencyMs = 10): RequestMeasurement => ({
  type: 'request',
  requestId: 'r',
  at: m * 60_000,
  epoch: 1,
  version: 'v1',
  arm: 'champion',
  segment: '',
  status,
  outcome: 'response',
  latencyMs,
  fallback: null,
})

describe('buildSeries', () => {
  it('puts minutes into steps, with error rate, quantiles and business means with a 95% band', () => {
    const rows = [
      ...aggregate([req(minute), req(minute, 500), req(minute + 1, 200, 30), req(minute + 2)]).values(),
    ].map(({ key, agg }) => ({ minute: key.minute, version: key.version, arm: key.arm, agg }))
    const outcomes = [{ minute, version: 'v1', arm: 'champion', metric: 'repaid', n: 4, sum: 3, sumSq: 3 }]
    const [s] = buildSeries(rows, outcomes, minute, minute + 3, 2)
    expect(s!.points).toHaveLength(2)
    expect(s!.points[0]).toMatchObject({ requests: 3, errors: 1, error_rate: 0.333333 })
    expect(s!.points[0]!.p99_ms).toBeGreaterThan(25)
    expect(s!.points[0]!.business.repaid!.mean).toBe(0.75)
    const [lo, hi] = s!.points[0]!.business.repaid!.ci95!
    expect(lo).toBeLessThan(0.75)
    expect(hi).toBeGreaterThan(0.75)
    expect(s!.points[1]).toMatchObject({ requests: 1, error_rate: 0 })
  })
})

describe('renderPrometheus', () => {
  it('renders cumulative buckets, escapes label values and sorts series', () => {
    const t = emptyTotals()
    t.requests = 3
    t.byClass['2xx'] = 2
    t.byClass['5xx'] = 1
    for (const ms of [3, 40, 9000]) addLatency(t, ms)
    const text = renderPrometheus([
      { model: 'b"m', version: 'v1', arm: 'champion', totals: t },
      { model: 'a', version: 'v1', arm: 'champion', totals: emptyTotals() },
    ])
    expect(text).toContain('modelgate_requests_total{model="b\\"m",version="v1",arm="champion"} 3')
    expect(text.indexOf('model="a"')).toBeLessThan(text.indexOf('model="b'))
    expect(text).toContain(
      'modelgate_upstream_latency_seconds_bucket{model="b\\"m",version="v1",arm="champion",le="0.005"} 1',
    )
    expect(text).toContain('le="0.05"} 2')
    expect(text).toContain('le="10"} 3')
    expect(text).toContain('le="+Inf"} 3')
    expect(text).toContain('modelgate_errors_total{model="b\\"m",version="v1",arm="champion"} 1')
  })

  it('merges totals by adding every counter', () => {
    const a = emptyTotals()
    addLatency(a, 7)
    a.byClass['2xx'] = 1
    const m = mergeTotals(a, a)
    expect([m.latencyCount, m.byClass['2xx'], m.latencyLe[1]]).toEqual([2, 2, 2])
  })
})

describe('durations, stream errors, skipped shadow copies and lost measurements', () => {
  const labels = 'model="m",version="v1",arm="champion"'

  it('exposes the duration histogram in seconds, with the latency labels', () => {
    const t = emptyTotals()
    for (const ms of [4, 2_000, 90_000]) addDuration(t.duration!, ms)
    const text = renderPrometheus([{ model: 'm', version: 'v1', arm: 'champion', totals: t }])
    expect(text).toContain('# TYPE modelgate_upstream_duration_seconds histogram')
    expect(text).toContain(`modelgate_upstream_duration_seconds_bucket{${labels},le="0.005"} 1`)
    expect(text).toContain(`modelgate_upstream_duration_seconds_bucket{${labels},le="2.5"} 2`)
    expect(text).toContain(`modelgate_upstream_duration_seconds_bucket{${labels},le="60"} 2`)
    expect(text).toContain(`modelgate_upstream_duration_seconds_bucket{${labels},le="120"} 3`)
    expect(text).toContain(`modelgate_upstream_duration_seconds_bucket{${labels},le="+Inf"} 3`)
    expect(text).toContain(`modelgate_upstream_duration_seconds_sum{${labels}} 92.004`)
    expect(text).toContain(`modelgate_upstream_duration_seconds_count{${labels}} 3`)
    expect(text).toContain(`modelgate_upstream_latency_seconds_count{${labels}} 0`)
  })

  it('counts bodies that broke off or stalled by class and as errors', () => {
    const t = emptyTotals()
    t.byClass = { '2xx': 5, stream_error: 2, stream_stalled: 1 }
    t.failedAttempts = 1
    const text = renderPrometheus([{ model: 'm', version: 'v1', arm: 'champion', totals: t }])
    expect(text).toContain(`modelgate_responses_total{${labels},class="stream_error"} 2`)
    expect(text).toContain(`modelgate_responses_total{${labels},class="stream_stalled"} 1`)
    expect(text).toContain(`modelgate_errors_total{${labels}} 4`)
  })

  it('exposes skipped shadow copies by model and version, and lost measurements by model', () => {
    const shadowTotals = { ...emptyTotals(), shadowSkipped: 7 }
    const text = renderPrometheus(
      [
        { model: 'm', version: 'v2', arm: 'shadow', totals: shadowTotals },
        { model: 'm', version: 'v1', arm: 'champion', totals: emptyTotals() },
      ],
      [
        { model: 'm', records: 120, batches: 2 },
        { model: 'quiet', records: 0, batches: 0 },
      ],
    )
    expect(text).toContain('modelgate_shadow_copies_skipped_total{model="m",version="v2"} 7')
    expect(text).not.toContain('modelgate_shadow_copies_skipped_total{model="m",version="v1"}')
    expect(text).toContain('# TYPE modelgate_measurements_dropped_total counter')
    expect(text).toContain('modelgate_measurements_dropped_total{model="m"} 120')
    expect(text).toContain('modelgate_measurements_dropped_total{model="quiet"} 0')
    expect(text).toContain('# TYPE modelgate_measurement_batches_dropped_total counter')
    expect(text).toContain('modelgate_measurement_batches_dropped_total{model="m"} 2')
  })

  it('exposes contradicted outcomes per model, version, arm and metric, zeros included, sorted', () => {
    const text = renderPrometheus(
      [],
      [],
      [
        { model: 'm', version: 'v2', arm: 'challenger', metric: 'repaid', conflicts: 3 },
        { model: 'm', version: 'v1', arm: 'champion', metric: 'repaid', conflicts: 0 },
      ],
    )
    expect(text).toContain('# TYPE modelgate_outcome_conflicts_total counter')
    const lines = text.split('\n').filter((l) => l.startsWith('modelgate_outcome_conflicts_total{'))
    expect(lines).toEqual([
      'modelgate_outcome_conflicts_total{model="m",version="v1",arm="champion",metric="repaid"} 0',
      'modelgate_outcome_conflicts_total{model="m",version="v2",arm="challenger",metric="repaid"} 3',
    ])
  })

  it('merges totals stored before durations and skipped copies as zeros', () => {
    const { duration: _d, shadowSkipped: _s, ...old } = emptyTotals()
    addLatency(old, 30)
    const now = { ...emptyTotals(), shadowSkipped: 2 }
    addDuration(now.duration!, 30)
    const m = mergeTotals(old as Totals, now)
    expect([m.shadowSkipped, m.duration!.count, m.duration!.le[3], m.latencyCount]).toEqual([2, 1, 1, 1])
    const text = renderPrometheus([{ model: 'm', version: 'v1', arm: 'champion', totals: old as Totals }])
    expect(text).toContain(`modelgate_upstream_duration_seconds_count{${labels}} 0`)
  })

  it('serves time to first byte and duration quantiles, and skipped shadow copies, per point', () => {
    const rows = [
      ...aggregate([
        { ...req(minute, 200, 10), durationMs: 2_000 },
        { ...req(minute, 200, 12), outcome: 'stream_stalled', durationMs: 31_000 },
        {
          type: 'shadow',
          requestId: 's',
          at: minute * 60_000,
          epoch: 1,
          version: 'v2',
          verdict: 'skipped',
          latencyMs: null,
        },
      ]).values(),
    ].map(({ key, agg }) => ({ minute: key.minute, version: key.version, arm: key.arm, agg }))
    const [champion, shadow] = buildSeries(rows, [], minute, minute, 1)
    const p = champion!.points[0]!
    expect(p).toMatchObject({ requests: 2, errors: 1, error_rate: 0.5, shadow_skipped: 0 })
    expect(p.p99_ms).toBeLessThan(13)
    expect(p.duration_p50_ms).toBeGreaterThan(1_980)
    expect(p.duration_p99_ms).toBeGreaterThan(30_000)
    expect(shadow!.arm).toBe('shadow')
    expect(shadow!.points[0]).toMatchObject({ requests: 0, shadow_skipped: 1, duration_p99_ms: null })
  })

  it('serves null duration quantiles for rows stored before durations', () => {
    const [row] = [...aggregate([req(minute)]).values()]
    delete row!.agg.duration
    const [s] = buildSeries([{ minute, version: 'v1', arm: 'champion', agg: row!.agg }], [], minute, minute, 1)
    expect(s!.points[0]).toMatchObject({ p50_ms: 10, duration_p50_ms: null, duration_p99_ms: null })
  })
})
