import { describe, expect, inject, it } from 'vitest'
import { adminOk, callWith, infer, settle, setupModel, uniqueModel } from './helpers/harness'

describe('admin → publish → route', () => {
  it('forwards method, path, query, body and headers to the chosen version and tags the answer', async () => {
    const model = uniqueModel('fwd')
    await setupModel(model, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    const res = await infer(model, '/predict/batch?x=1&y=two', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-custom': 'kept',
        connection: 'x-drop-me',
        'x-drop-me': 'gone',
        'x-modelgate-key': 'secret',
        'proxy-authorization': 'Basic Zm9v',
        'keep-alive': 'timeout=5',
        'cf-ipcountry': 'ZZ',
      },
      body: JSON.stringify({ features: [1, 2, 3] }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-model-version')).toBe('v1')
    expect(res.headers.get('x-routing-epoch')).toMatch(/^\d+$/)
    expect(res.headers.get('x-request-id')).toMatch(new RegExp(`^mg3~${model}~v1~c-~`))
    const echo = (await res.json()) as any
    expect(echo.server).toBe('A')
    expect(echo.method).toBe('POST')
    expect(echo.path).toBe('/predict/batch')
    expect(echo.query).toBe('?x=1&y=two')
    expect(JSON.parse(echo.body)).toEqual({ features: [1, 2, 3] })
    expect(echo.headers['x-custom']).toBe('kept')
    expect(echo.headers['x-drop-me']).toBeUndefined()
    expect(echo.headers['x-modelgate-key']).toBeUndefined()
    for (const hop of ['proxy-authorization', 'keep-alive', 'connection', 'cf-ipcountry'])
      expect(echo.headers[hop]).toBeUndefined()
    expect(echo.headers['x-modelgate-hops']).toBe('1')
    expect(echo.headers['x-request-id']).toBe(res.headers.get('x-request-id'))
  })

  it('a routing change returns the published table and the next request routes by it', async () => {
    const model = uniqueModel('pub')
    await setupModel(model, {
      risk: 'low',
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
    })
    const table = await adminOk('PUT', `/models/${model}/routing`, { weights: { v1: 0, v2: 100 } })
    expect(table.weights).toEqual({ v2: 100 })
    const res = await infer(model)
    expect(res.headers.get('x-model-version')).toBe('v2')
    expect(res.headers.get('x-routing-epoch')).toBe(String(table.epoch))
  })
})

describe('the data-plane key stays at the gateway', () => {
  const KEYS = { GATEWAY_KEYS: 'dp-key-one-0123456789abcdef,dp-key-two-0123456789abcdef' }
  const send = (model: string, key: string) =>
    callWith(
      KEYS,
      new Request(`http://gateway.test/v1/models/${model}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-modelgate-key': key },
        body: JSON.stringify({ x: 1 }),
      }),
    )

  it('admits only a configured key, compared whole', async () => {
    const model = uniqueModel('dpk')
    await setupModel(model, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    for (const key of ['dp-key-two-0123456789abcde', 'dp-key-two-0123456789abcdef0', 'dp-key-one', '']) {
      expect((await send(model, key)).status, key).toBe(401)
    }
    expect((await send(model, 'dp-key-one-0123456789abcdef')).status).toBe(200)
  })

  it('is never forwarded: not to the chosen version, the champion after a fallback, or a shadow copy', async () => {
    const model = uniqueModel('dpk')
    const sink = `/dpk-${model}`
    await setupModel(model, {
      versions: {
        v1: inject('upstreamA'),
        v2: `${inject('upstreamB')}/mode/status-503`,
        v3: `${inject('upstreamB')}/mode/sink${sink}`,
      },
      champion: 'v1',
      weights: { v1: 90, v2: 10 },
      shadow: { version: 'v3', sample_rate: 1 },
    })
    // Until a request was sent to v2 (10%) and, after it failed, to the champion.
    const echoes: Array<{ r: Response; echo: any }> = []
    while (echoes.length < 400 && !echoes.some(({ r }) => r.headers.get('x-model-fallback') !== null)) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => send(model, 'dp-key-two-0123456789abcdef')))
      echoes.push(...(await Promise.all(answers.map(async (r) => ({ r, echo: (await r.json()) as any })))))
    }
    await settle()
    expect(echoes.every(({ r }) => r.status === 200)).toBe(true)
    expect(echoes.some(({ r }) => r.headers.get('x-model-fallback') !== null)).toBe(true)
    for (const { echo } of echoes) {
      expect(echo.server).toBe('A')
      expect(echo.headers['x-modelgate-key']).toBeUndefined()
    }
    const log = (await (await fetch(`${inject('upstreamB')}/sink/log`)).json()) as any[]
    const copies = log.filter((e) => e.path.startsWith(sink))
    expect(copies.length).toBeGreaterThan(0)
    for (const c of copies) expect(c.headers['x-modelgate-key']).toBeUndefined()
  })
})
