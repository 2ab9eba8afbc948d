import { describe, expect, it } from 'vitest'
import { DomainError } from '../../../src/core/errors'
import { settingsOf } from '../../../src/config/settings'
import { handleInference } from '../../../src/data-plane/handler'

const ctx = { waitUntil: () => undefined, passThroughOnException: () => undefined } as unknown as ExecutionContext

describe('gateway configuration', () => {
  it('applies the documented defaults when no vars are set', () => {
    expect(settingsOf({} as Env)).toMatchObject({
      snapshotTtlMs: 5_000,
      measureBatch: 1_000,
      measureFlushMs: 1_000,
      maxHops: 3,
      recording: true,
    })
  })

  it('names every bad var and its allowed range', () => {
    const env = { MEASURE_BATCH: '100000', MAX_HOPS: 'three' } as unknown as Env
    let caught: unknown
    try {
      settingsOf(env)
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(DomainError)
    expect((caught as DomainError).code).toBe('not_configured')
    expect((caught as DomainError).detail).toMatch(/MEASURE_BATCH: must be an integer in \[1, 1000\]/)
    expect((caught as DomainError).detail).toMatch(/MAX_HOPS: must be an integer in \[1, 20\]/)
  })

  it('answers a misconfigured data plane with a 503 problem naming the var, not a 500', async () => {
    const url = new URL('http://gw.test/v1/models/m/predict')
    const res = await handleInference(
      new Request(url, { method: 'POST', body: '{}' }),
      { MEASURE_BATCH: '0' } as unknown as Env,
      ctx,
      url,
    )
    expect(res.status).toBe(503)
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/)
    const body = (await res.json()) as { code: string; detail: string; request_id: string }
    expect(body.code).toBe('not_configured')
    expect(body.detail).toContain('MEASURE_BATCH')
    expect(body.request_id).toMatch(/^req_/)
  })

  it('reads EGRESS_ALLOW into rules, and names each malformed entry', () => {
    expect(settingsOf({} as Env).egressAllow).toEqual([])
    expect(settingsOf({ EGRESS_ALLOW: '127.0.0.1, 10.0.0.0/8' } as unknown as Env).egressAllow).toMatchObject([
      { kind: 'host', host: '127.0.0.1', port: null },
      { kind: 'cidr', cidr: { prefix: 8 } },
    ])
    const bad = () => settingsOf({ EGRESS_ALLOW: '127.0.0.1,10.0.0.1/8,user@host' } as unknown as Env)
    expect(bad).toThrow(DomainError)
    expect(bad).toThrow(/EGRESS_ALLOW: 10\.0\.0\.1\/8: not an address prefix.*EGRESS_ALLOW: user@host: not a host/)
  })
})
