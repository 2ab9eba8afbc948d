import { describe, expect, it } from 'vitest'
import { aggregate, type RequestMeasurement } from '../../../../src/core/metrics/aggregate'
import { buildEvidence } from '../../../../src/core/metrics/evidence'
import { extractValues, lastJsonEvent } from '../../../../src/core/metrics/response-metrics'
import { mergeSummaries } from '../../../../src/core/metrics/summary'
import type { BusinessMetric } from '../../../../src/core/registry/types'

const metric = (over: Partial<BusinessMetric>): BusinessMetric => ({
  name: 'total_tokens',
  kind: 'mean',
  direction: 'lower_is_better',
  window_s: 3600,
  cap: 100_000,
  floor: 0,
  positive_labels: [],
  margin: 0.1,
  source: 'response',
  pointer: '/usage/total_tokens',
  ...over,
})
const noHeaders = () => null

describe('extractValues', () => {
  it('reads a JSON pointer from a JSON body', () => {
    const body = JSON.stringify({ usage: { total_tokens: 123 } })
    expect(extractValues([metric({})], { header: noHeaders, body, stream: false })).toEqual({ total_tokens: 123 })
  })

  it('reads the last JSON data event of a stream, skipping [DONE]', () => {
    const body = [
      'data: {"choices":[{"delta":{"content":"hi"}}]}',
      'data: {"choices":[],"usage":{"total_tokens":77}}',
      'data: [DONE]',
      '',
    ].join('\n\n')
    expect(extractValues([metric({})], { header: noHeaders, body, stream: true })).toEqual({ total_tokens: 77 })
    // CRLF line ends and a comment line are SSE too.
    const crlf = ': keep-alive\r\n\r\ndata: {"usage":{"total_tokens":5}}\r\n\r\ndata: [DONE]\r\n\r\n'
    expect(lastJsonEvent(crlf)).toEqual({ usage: { total_tokens: 5 } })
  })

  it('reads a header as a number', () => {
    const m = metric({ name: 'cost', pointer: undefined, header: 'x-cost' })
    const header = (h: string) => (h === 'x-cost' ? '0.25' : null)
    expect(extractValues([m], { header, body: null, stream: false })).toEqual({ cost: 0.25 })
    expect(extractValues([m], { header: noHeaders, body: null, stream: false })).toEqual({ cost: null })
  })

  it('counts a body not read (over the capture limit), malformed JSON, absent or non-numeric values as missing', () => {
    const view = (body: string | null) => ({ header: noHeaders, body, stream: false })
    expect(extractValues([metric({})], view(null))).toEqual({ total_tokens: null })
    expect(extractValues([metric({})], view('{"usage":{"total_tokens":1'))).toEqual({ total_tokens: null })
    expect(extractValues([metric({})], view('{"usage":{}}'))).toEqual({ total_tokens: null })
    expect(extractValues([metric({})], view('{"usage":{"total_tokens":"many"}}'))).toEqual({ total_tokens: null })
    expect(extractValues([metric({})], view('{"usage":{"total_tokens":true}}'))).toEqual({ total_tokens: null })
  })

  it('winsorises at the cap and floor', () => {
    const body = JSON.stringify({ usage: { total_tokens: 5_000 } })
    const m = metric({ cap: 1_000 })
    expect(extractValues([m], { header: noHeaders, body, stream: false })).toEqual({ total_tokens: 1_000 })
  })
})

describe('response metrics in the gates evidence', () => {
  const at = 1_790_000_000_000
  const req = (arm: 'champion' | 'challenger', version: string, v: number | null): RequestMeasurement => ({
    type: 'request',
    requestId: 'r',
    at,
    epoch: 1,
    version,
    arm,
    segment: '',
    status: 200,
    outcome: 'response',
    latencyMs: 10,
    durationMs: 12,
    fallback: null,
    values: { total_tokens: v },
  })

  it('gives each arm n, mean and variance of its values at once, with missing values left out', () => {
    const rows = aggregate([
      req('champion', 'v1', 100),
      req('champion', 'v1', 110),
      req('champion', 'v1', null),
      req('challenger', 'v2', 200),
      req('challenger', 'v2', 220),
    ])
    const cumulative = [...rows.values()].map((r) => ({ ...r.key, agg: r.agg }))
    const summary = mergeSummaries([{ cumulative, matured: [], counterfactual: [] }])
    const spec = { kind: 'canary' as const, champion: 'v1', challenger: 'v2', weight: 50 }
    const metrics = [{ name: 'total_tokens', kind: 'mean' as const, source: 'response' as const }]
    const ev = buildEvidence(summary, spec, metrics, { stageStartedAt: at, now: at + 1 })
    expect(ev.champion.outcomes.total_tokens).toMatchObject({ n: 2, mean: 105, m2: 50 })
    expect(ev.challenger.outcomes.total_tokens).toMatchObject({ n: 2, mean: 210, m2: 200 })
    const champRow = [...rows.values()].find((r) => r.key.arm === 'champion')!
    expect(champRow.agg.response?.total_tokens).toEqual({ n: 2, sum: 210, sumSq: 22_100, missing: 1 })
  })
})
