import { describe, expect, inject, it } from 'vitest'
import { adminOk, infer, problemOf, setupModel, uniqueModel } from './helpers/harness'

describe('data-plane failures are problem+json, never 500', () => {
  it('unknown model → 404', async () => {
    const res = await infer(uniqueModel('nobody'))
    expect(res.status).toBe(404)
    expect((await problemOf(res)).code).toBe('model_not_found')
  })

  it('model without champion → 503', async () => {
    const model = uniqueModel('nochamp')
    await adminOk('PUT', `/models/${model}`, { risk: 'low' }, 201)
    const res = await infer(model)
    expect(res.status).toBe(503)
    expect(res.headers.get('x-routing-epoch')).toBe('1')
    expect((await problemOf(res)).code).toBe('no_champion')
  })

  it('upstream timeout → 504 with the version and epoch', async () => {
    const model = uniqueModel('slow')
    await setupModel(model, {
      versions: { v1: { url: `${inject('upstreamA')}/mode/sleep-2000`, timeout_ms: 150 } },
      champion: 'v1',
    })
    // The backend answers after 2 s: a 504 instead of its 200 is the 150 ms timeout firing.
    const res = await infer(model)
    expect(res.status).toBe(504)
    expect(res.headers.get('x-model-version')).toBe('v1')
    expect((await problemOf(res)).code).toBe('upstream_timeout')
  })

  it('connect error → 502', async () => {
    const model = uniqueModel('dead')
    await setupModel(model, { versions: { v1: inject('deadUrl') }, champion: 'v1' })
    const res = await infer(model)
    expect(res.status).toBe(502)
    expect((await problemOf(res)).code).toBe('upstream_unreachable')
  })

  it('body above MAX_BODY_BYTES → 413, declared or streamed', async () => {
    const model = uniqueModel('big')
    await setupModel(model, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    const declared = await infer(model, '/predict', { method: 'POST', body: 'x'.repeat(70_000) })
    expect(declared.status).toBe(413)
    expect((await problemOf(declared)).code).toBe('payload_too_large')
    const chunks = new ReadableStream({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('y'.repeat(10_000)))
        c.close()
      },
    })
    const streamed = await infer(model, '/predict', { method: 'POST', body: chunks, duplex: 'half' } as RequestInit)
    expect(streamed.status).toBe(413)
    await problemOf(streamed)
  })

  it("passes the champion's own 5xx through unchanged (it is the model's answer, not the gateway's)", async () => {
    const model = uniqueModel('c5xx')
    await setupModel(model, { versions: { v1: `${inject('upstreamA')}/mode/status-503` }, champion: 'v1' })
    const res = await infer(model)
    expect(res.status).toBe(503)
    expect(res.headers.get('x-upstream')).toBe('A')
    expect(res.headers.get('x-model-fallback')).toBeNull()
  })
})

describe('fallback to the champion', () => {
  const cases = [
    ['5xx', (b: string) => `${b}/mode/status-500`, 'status 500'],
    ['timeout', (b: string) => ({ url: `${b}/mode/sleep-2000`, timeout_ms: 100 }), 'timeout'],
    ['connect error', () => inject('deadUrl'), 'unreachable'],
  ] as const

  it.each(cases)('retries a challenger %s once on the champion and says so', async (_label, backend, reason) => {
    const model = uniqueModel('fb')
    await setupModel(model, {
      versions: { v1: inject('upstreamA'), v2: backend(inject('upstreamB')) },
      champion: 'v1',
      weights: { v2: 100 },
    })
    const res = await infer(model, '/predict', {
      method: 'POST',
      body: JSON.stringify({ a: 1 }),
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-model-version')).toBe('v1')
    expect(res.headers.get('x-model-fallback')).toBe(`from=v2; reason="${reason}"`)
    const echo = (await res.json()) as any
    expect(echo.server).toBe('A')
    expect(JSON.parse(echo.body)).toEqual({ a: 1 }) // the replayed body arrived intact
    // ...with its declared length, not re-chunked (some model servers refuse chunked uploads)
    expect(echo.headers['content-length']).toBe('7')
    expect(echo.headers['transfer-encoding']).toBeUndefined()
  })

  it('sends a challenger that answers the declared body once, with its length, and no fallback', async () => {
    const model = uniqueModel('fbok')
    await setupModel(model, {
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
      weights: { v2: 100 },
    })
    const payload = JSON.stringify({ features: { income_k: 52 } })
    const res = await infer(model, '/predict', {
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'application/json' },
    })
    expect(res.headers.get('x-model-fallback')).toBeNull()
    const echo = (await res.json()) as any
    expect(echo.server).toBe('B')
    expect(echo.body).toBe(payload)
    expect(echo.headers['content-length']).toBe(String(payload.length))
    expect(echo.headers['transfer-encoding']).toBeUndefined()
  })

  it('replays a streamed body of undeclared length that fits the replay limit', async () => {
    const model = uniqueModel('fbstream')
    await setupModel(model, {
      versions: { v1: inject('upstreamA'), v2: `${inject('upstreamB')}/mode/status-500` },
      champion: 'v1',
      weights: { v2: 100 },
    })
    const parts = ['{"a":', '1,"b":', '"streamed"}']
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift()
        if (next === undefined) controller.close()
        else controller.enqueue(new TextEncoder().encode(next))
      },
    })
    const res = await infer(model, '/predict', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    })
    expect(res.headers.get('x-model-fallback')).toBe('from=v2; reason="status 500"')
    const echo = (await res.json()) as any
    expect(echo.server).toBe('A')
    expect(JSON.parse(echo.body)).toEqual({ a: 1, b: 'streamed' })
  })

  it('does not fall back when the model disables it', async () => {
    const model = uniqueModel('nofb')
    await setupModel(model, {
      versions: { v1: inject('upstreamA'), v2: `${inject('upstreamB')}/mode/status-500` },
      champion: 'v1',
      weights: { v2: 100 },
      fallback_to_champion: false,
    })
    const res = await infer(model)
    expect(res.status).toBe(500)
    expect(res.headers.get('x-model-version')).toBe('v2')
  })

  it('does not fall back when the body cannot be replayed (above REPLAY_BODY_BYTES)', async () => {
    const model = uniqueModel('noreplay')
    await setupModel(model, {
      versions: { v1: inject('upstreamA'), v2: `${inject('upstreamB')}/mode/status-500` },
      champion: 'v1',
      weights: { v2: 100 },
    })
    const res = await infer(model, '/predict', { method: 'POST', body: 'z'.repeat(20_000) })
    expect(res.status).toBe(500)
    expect(res.headers.get('x-model-fallback')).toBeNull()
  })
})

describe('streaming and backends', () => {
  it('streams server-sent events as they arrive instead of buffering the whole answer', async () => {
    const model = uniqueModel('sse')
    // Two events, then silence with the connection open: a gateway that waited for the end of the
    // body would show nothing before the idle timeout (300 s), long after this test's own timeout.
    const url = `${inject('upstreamA')}/mode/stall-after-head-2`
    await setupModel(model, { versions: { v1: { url, stream_idle_timeout_ms: 300_000 } as any }, champion: 'v1' })
    const res = await infer(model, '/chat')
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    let text = ''
    while (text.split('\n\n').filter(Boolean).length < 2) {
      const { done, value } = await reader.read()
      expect(done, `the body ended after ${JSON.stringify(text)}`).toBe(false)
      text += new TextDecoder().decode(value)
    }
    expect(text).toBe('data: {"i":0}\n\ndata: {"i":1}\n\n')
    await reader.cancel()
  })

  it('routes to a Workers service binding backend', async () => {
    const model = uniqueModel('svc')
    await setupModel(model, { versions: { v1: { service: 'MODEL_SVC' } as any }, champion: 'v1' })
    const res = await infer(model, '/predict?q=1', { method: 'POST', body: '{}' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ server: 'svc', path: '/predict', method: 'POST' })
  })

  it('refuses to loop through itself (508 after MAX_HOPS)', async () => {
    const model = uniqueModel('loop')
    await setupModel(model, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    const res = await infer(model, '/predict', { headers: { 'x-modelgate-hops': '3' } })
    expect(res.status).toBe(508)
    expect((await problemOf(res)).code).toBe('loop_detected')
  })

  it('does not let a client reset the loop guard with a negative or malformed hop count', async () => {
    const model = uniqueModel('loopneg')
    await setupModel(model, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    for (const value of ['-1000', '1.5', 'x']) {
      const res = await infer(model, '/predict', { headers: { 'x-modelgate-hops': value } })
      expect(res.status, value).toBe(400)
      const p = await problemOf(res)
      expect(p.code).toBe('validation_failed')
      expect(p.request_id).toBeTruthy()
    }
  })
})
