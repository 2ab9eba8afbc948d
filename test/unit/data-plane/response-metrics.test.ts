import { describe, expect, it } from 'vitest'
import type { BusinessMetric } from '../../../src/core/registry/types'
import { captureFor } from '../../../src/data-plane/response-metrics'

const enc = new TextEncoder()
const tokens: BusinessMetric = {
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
}
const outcomeMetric: BusinessMetric = { ...tokens, name: 'refunds', source: undefined, pointer: undefined }

function feed(contentType: string, parts: string[], limit: number) {
  const capture = captureFor([outcomeMetric, tokens], new Headers({ 'content-type': contentType }), limit)!
  for (const p of parts) capture.push(enc.encode(p))
  return capture
}

describe('ResponseCapture', () => {
  it('is not made for a model without response metrics', () => {
    expect(captureFor([outcomeMetric], new Headers(), 1024)).toBeUndefined()
  })

  it('reads a JSON body split across chunks, only for the response metrics', () => {
    const c = feed('application/json', ['{"usage":{"total_', 'tokens":42}}'], 1024)
    expect(c.values('done')).toEqual({ total_tokens: 42 })
  })

  it('counts a JSON body over the capture limit as missing', () => {
    const padding = 'x'.repeat(2_000)
    const c = feed('application/json', [`{"pad":"${padding}",`, '"usage":{"total_tokens":42}}'], 1024)
    expect(c.values('done')).toEqual({ total_tokens: null })
    const whole = feed('application/json', [`{"usage":{"total_tokens":42},"pad":"${padding}"}`], 1024)
    expect(whole.values('done')).toEqual({ total_tokens: null })
    // Within the limit, the same body is read.
    expect(feed('application/json', [`{"usage":{"total_tokens":42},"pad":"${padding}"}`], 4096).values('done')).toEqual(
      {
        total_tokens: 42,
      },
    )
  })

  it('keeps the tail of a long stream, where its final event is', () => {
    const events = Array.from({ length: 200 }, (_, i) => `data: {"choices":[{"delta":{"content":"w${i}"}}]}\n\n`)
    events.push('data: {"choices":[],"usage":{"total_tokens":321}}\n\n', 'data: [DONE]\n\n')
    const c = feed('text/event-stream; charset=utf-8', events, 256)
    expect(c.values('done')).toEqual({ total_tokens: 321 })
  })

  it('does not read a body that broke off, stalled or was cancelled', () => {
    for (const how of ['error', 'stalled', 'cancelled'] as const) {
      const c = feed('application/json', ['{"usage":{"total_tokens":42}}'], 1024)
      expect(c.values(how)).toEqual({ total_tokens: null })
    }
  })
})
