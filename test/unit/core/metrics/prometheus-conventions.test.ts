import { describe, expect, it } from 'vitest'
import { emptyTotals, renderPrometheus } from '../../../../src/core/metrics/prometheus'
import { parseExposition, promlint } from '../../../support/promlint'
import { fullExposition } from '../../../support/prometheus-fixture'

describe('the exposition follows Prometheus naming conventions (promtool check metrics, ported)', () => {
  it('has no problem on an exposition with every family filled', () => {
    const text = fullExposition()
    const { families } = parseExposition(text)
    // Every family is filled, so that the label and histogram rules see samples of each.
    expect(families.filter((f) => f.samples.length === 0).map((f) => f.name)).toEqual([])
    expect(families.length).toBeGreaterThanOrEqual(11)
    expect(promlint(text)).toEqual([])
  })

  it('has no problem with no series at all (a gateway without models)', () => {
    expect(promlint(renderPrometheus([], [], []))).toEqual([])
  })

  it('exposes latency in seconds: bounds, sum and name', () => {
    const t = emptyTotals()
    t.latencyLe = t.latencyLe.map(() => 1)
    t.latencyCount = 1
    t.latencySumMs = 4
    const text = renderPrometheus([{ model: 'm', version: 'v1', arm: 'champion', totals: t }])
    const labels = 'model="m",version="v1",arm="champion"'
    expect(text).toContain('# TYPE modelgate_upstream_latency_seconds histogram')
    expect(text).toContain(`modelgate_upstream_latency_seconds_bucket{${labels},le="0.005"} 1`)
    expect(text).toContain(`modelgate_upstream_latency_seconds_bucket{${labels},le="30"} 1`)
    expect(text).toContain(`modelgate_upstream_latency_seconds_sum{${labels}} 0.004`)
    expect(text).not.toContain('_ms')
  })
})

describe('the ported checker', () => {
  const family = (name: string, type: string, lines: string[], help = true) =>
    [...(help ? [`# HELP ${name} Something.`] : []), `# TYPE ${name} ${type}`, ...lines, ''].join('\n')
  const texts = (text: string) => promlint(text).map((p) => `${p.metric}: ${p.text}`)

  it("reports promtool's problem with the former latency family", () => {
    const old = family('modelgate_upstream_latency_ms', 'histogram', [
      'modelgate_upstream_latency_ms_bucket{le="5"} 1',
      'modelgate_upstream_latency_ms_bucket{le="+Inf"} 1',
      'modelgate_upstream_latency_ms_sum 3',
      'modelgate_upstream_latency_ms_count 1',
    ])
    expect(texts(old)).toEqual(['modelgate_upstream_latency_ms: metric names should not contain abbreviated units'])
  })

  it('reports each naming rule', () => {
    expect(texts(family('a_duration_milliseconds', 'gauge', ['a_duration_milliseconds 1']))).toEqual([
      'a_duration_milliseconds: use base unit "seconds" instead of "milliseconds"',
    ])
    expect(texts(family('a_requests', 'counter', ['a_requests 1']))).toEqual([
      'a_requests: counter metrics should have "_total" suffix',
    ])
    expect(texts(family('a_open_total', 'gauge', ['a_open_total 1']))).toEqual([
      'a_open_total: non-counter metrics should not have "_total" suffix',
    ])
    expect(texts(family('a_items_count', 'gauge', ['a_items_count{le="1"} 1']))).toEqual([
      'a_items_count: non-histogram and non-summary metrics should not have "_count" suffix',
      'a_items_count: non-histogram metrics should not have "le" label',
    ])
    expect(texts(family('a_seen_total', 'counter', ['a_seen_total{modelVersion="x"} 1'], false))).toEqual([
      "a_seen_total: label names should be written in 'snake_case' not 'camelCase'",
      'a_seen_total: no help text',
    ])
    expect(texts(family('a_size_kb', 'gauge', ['a_size_kb 1']))).toEqual([
      'a_size_kb: metric names should not contain abbreviated units',
    ])
    expect(texts(family('a_queue_gauge', 'gauge', ['a_queue_gauge 1']))).toEqual([
      "a_queue_gauge: metric name should not include type 'gauge'",
    ])
  })

  it('reports histograms a reader cannot use, and series listed twice', () => {
    const broken = family('a_wait_seconds', 'histogram', [
      'a_wait_seconds_bucket{le="1"} 3',
      'a_wait_seconds_bucket{le="2"} 2',
      'a_wait_seconds_sum 4',
      'a_wait_seconds_count 3',
    ])
    expect(texts(broken)).toEqual([
      'a_wait_seconds: series {} has no le="+Inf" bucket',
      'a_wait_seconds: series {}: buckets are not cumulative',
    ])
    expect(texts(family('a_hits_total', 'counter', ['a_hits_total{x="1"} 1', 'a_hits_total{x="1"} 2']))).toEqual([
      'a_hits_total: metric not unique',
    ])
  })
})
