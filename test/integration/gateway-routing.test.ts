import { describe, expect, inject, it } from 'vitest'
import { adminOk, infer, setupModel, uniqueModel } from './helpers/harness'

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
    expect(res.headers.get('x-request-id')).toMatch(new RegExp(`^mg2~${model}~v1~c-~`))
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
    await setupModel(model, { versions: { v1: inject('upstreamA'), v2: inject('upstreamB') }, champion: 'v1' })
    const table = await adminOk('PUT', `/models/${model}/routing`, { weights: { v1: 0, v2: 100 } })
    expect(table.weights).toEqual({ v2: 100 })
    const res = await infer(model)
    expect(res.headers.get('x-model-version')).toBe('v2')
    expect(res.headers.get('x-routing-epoch')).toBe(String(table.epoch))
  })
})
