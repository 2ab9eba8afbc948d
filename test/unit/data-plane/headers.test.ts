import { describe, expect, it } from 'vitest'
import { DomainError } from '../../../src/core/errors'
import {
  ANSWER_HEADERS,
  dataPlaneProblem,
  downstreamResponse,
  headerRecord,
  hopsOf,
  upstreamRequestHeaders,
} from '../../../src/data-plane/headers'

/** Names every data-plane answer has beside its own. */
const ANSWER_NAMES = Object.keys(ANSWER_HEADERS)

describe('header hygiene', () => {
  it('keeps the upstream status, body and end-to-end headers, drops hop-by-hop ones, adds the gateway headers', async () => {
    const upstream = new Response('{"ok":true}', {
      status: 201,
      statusText: 'Created',
      headers: {
        'content-type': 'application/json',
        'content-length': '11',
        'x-model-build': 'b7',
        connection: 'x-private, keep-alive',
        'x-private': 'hop',
        'keep-alive': 'timeout=5',
        'proxy-authenticate': 'Basic',
        trailer: 'x-t',
        upgrade: 'h2c',
      },
    })
    const res = downstreamResponse(upstream, upstream.body, { 'x-model-version': 'v2', 'x-request-id': 'req_1' })
    expect(res.status).toBe(201)
    expect(res.statusText).toBe('Created')
    expect(await res.text()).toBe('{"ok":true}')
    const names = [...res.headers.keys()].sort()
    expect(names).toEqual(
      ['content-length', 'content-type', 'x-model-build', 'x-model-version', 'x-request-id', ...ANSWER_NAMES].sort(),
    )
    expect(res.headers.get('content-length')).toBe('11')
    expect(res.headers.get('x-model-version')).toBe('v2')
  })

  it('keeps content-length on a response even when connection lists it; drops only what is present', () => {
    const upstream = new Response('abc', {
      headers: { 'content-length': '3', connection: 'content-length, x-gone', 'x-gone': '1', date: 'today' },
    })
    const res = downstreamResponse(upstream, upstream.body, {})
    expect([...res.headers.keys()].sort()).toEqual(['content-length', 'content-type', 'date', ...ANSWER_NAMES].sort())
  })

  it('lets the gateway headers win over the same names from upstream', () => {
    const upstream = new Response(null, { status: 204, headers: { 'x-request-id': 'spoofed' } })
    expect(downstreamResponse(upstream, null, { 'x-request-id': 'req_2' }).headers.get('x-request-id')).toBe('req_2')
  })

  it("reads a request's headers in one record: lowercase names, repeats joined, __proto__ a plain entry", () => {
    const incoming = new Headers([
      ['X-Unit-Id', 'u-1'],
      ['Accept', 'a/b'],
      ['accept', 'c/d'],
      ['__proto__', 'p'],
    ])
    const rec = headerRecord(incoming)
    expect(Object.keys(rec).sort()).toEqual(['__proto__', 'accept', 'x-unit-id'])
    expect(rec['x-unit-id']).toBe('u-1')
    expect(rec['accept']).toBe('a/b, c/d')
    expect(rec['__proto__']).toBe('p')
    expect(Object.getPrototypeOf(rec)).toBeNull()
    // The backend's copy keeps it too (workerd's fetch takes such a record as is).
    const out = upstreamRequestHeaders(rec, { 'x-request-id': 'req_4' })
    expect(out['__proto__']).toBe('p')
    expect(out['accept']).toBe('a/b, c/d')
    expect(Object.getPrototypeOf(out)).toBeNull()
  })

  it('never forwards hop-by-hop headers, any client-sent x-modelgate-* header or cf-* headers upstream', () => {
    const incoming = new Headers({
      'content-type': 'application/json',
      'x-custom': 'kept',
      connection: 'x-drop-me',
      'x-drop-me': 'gone',
      'x-modelgate-key': 'secret',
      'x-modelgate-hops': '1',
      'x-modelgate-shadow': '1',
      'x-modelgate-version': 'v9',
      'cf-connecting-ip': '203.0.113.9',
      'proxy-authorization': 'Basic Zm9v',
    })
    const out = upstreamRequestHeaders(headerRecord(incoming), { 'x-modelgate-hops': '2', 'x-request-id': 'req_3' })
    expect(Object.keys(out).sort()).toEqual(['content-type', 'x-custom', 'x-modelgate-hops', 'x-request-id'])
    expect(out['x-modelgate-hops']).toBe('2')
  })

  it("adds the gateway's server-timing entry to the upstream's own", () => {
    const upstream = new Response('x', { headers: { 'server-timing': 'model;dur=12' } })
    const res = downstreamResponse(upstream, upstream.body, { 'server-timing': 'upstream;dur=15' })
    expect(res.headers.get('server-timing')).toBe('model;dur=12, upstream;dur=15')
  })
})

describe('answer headers: a model answer cannot act as the gateway origin', () => {
  it('sandboxes every upstream answer and turns off sniffing', () => {
    const upstream = new Response('<script>alert(1)</script>', { headers: { 'content-type': 'text/html' } })
    const res = downstreamResponse(upstream, upstream.body, {})
    expect(res.headers.get('content-security-policy')).toBe('sandbox')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('cross-origin-resource-policy')).toBeNull()
  })

  it.each([
    ['a policy without sandbox', "default-src 'none'; img-src data:"],
    ['a sandbox that allows scripts and the origin', 'sandbox allow-scripts allow-same-origin'],
    ['several policies', "script-src 'self', sandbox allow-scripts"],
  ])("keeps the upstream's CSP (%s) and adds the plain sandbox after it", (_label, csp) => {
    const upstream = new Response('x', {
      headers: { 'content-security-policy': csp, 'x-content-type-options': 'sniff-please' },
    })
    const res = downstreamResponse(upstream, upstream.body, {})
    // One policy list: every policy is enforced, and sandboxes only ever narrow.
    expect(res.headers.get('content-security-policy')).toBe(`${csp}, sandbox`)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('puts the same headers on the gateway-made problems', async () => {
    const res = dataPlaneProblem(
      new DomainError('upstream_timeout', 'm/v1: slow'),
      'req_1',
      { 'x-model-version': 'v1' },
      '/v1/models/m/x',
    )
    expect(res.status).toBe(504)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    for (const [name, value] of Object.entries(ANSWER_HEADERS)) expect(res.headers.get(name), name).toBe(value)
    expect(res.headers.get('x-model-version')).toBe('v1')
    expect(((await res.json()) as { code: string }).code).toBe('upstream_timeout')
  })
})

describe('hop count', () => {
  it.each([
    [undefined, 0],
    ['0', 0],
    ['2', 2],
    ['3, 3', 3],
    ['1,4', 4],
    ['-1000', null],
    ['1.5', null],
    ['', null],
    ['abc', null],
    ['2, x', null],
    ['9999999', null],
  ] as const)('%j → %j', (value, hops) => {
    expect(hopsOf(value)).toBe(hops)
  })
})
