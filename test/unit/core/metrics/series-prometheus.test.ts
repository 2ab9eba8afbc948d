import { describe, expect, it } from 'vitest'
import { aggregate, type RequestMeasurement } from '../../../../src/core/metrics/aggregate'
import { addLatency, emptyTotals, mergeTotals, renderPrometheus } from '../../../../src/core/metrics/prometheus'
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
    expect(text).toContain('modelgate_upstream_latency_ms_bucket{model="b\\"m",version="v1",arm="champion",le="5"} 1')
    expect(text).toContain('le="50"} 2')
    expect(text).toContain('le="10000"} 3')
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
