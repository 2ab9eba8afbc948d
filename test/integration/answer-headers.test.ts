/**
 * Every data-plane answer, the model's and every problem the gateway makes itself, carries the
 * headers that keep a model's output from acting as the gateway's origin (data-plane/headers
 * ANSWER_HEADERS): `content-security-policy: sandbox` and `x-content-type-options: nosniff`.
 */
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { setFaultPlan } from '../../src/adapters/faults'
import { isolateOf } from '../../src/compose'
import { PROBE_UPSTREAM_CSP } from '../support/upstream-server'
import { adminOk, infer, setupModel, settle, uniqueModel } from './helpers/harness'

afterEach(() => setFaultPlan({}))

function expectAnswerHeaders(res: Response, label: string): void {
  expect(res.headers.get('content-security-policy'), label).toBe('sandbox')
  expect(res.headers.get('x-content-type-options'), label).toBe('nosniff')
}

async function served(label: string, version: string | { url: string; timeout_ms?: number }): Promise<string> {
  const m = uniqueModel(label)
  await setupModel(m, { versions: { v1: version }, champion: 'v1' })
  return m
}

describe('answer headers on every data-plane answer', () => {
  it("on the model's answers, whatever their status or type", async () => {
    const cases: Array<[string, string, number]> = [
      ['json', inject('upstreamA'), 200],
      ['html', `${inject('upstreamA')}/mode/html-probe`, 200],
      ['error', `${inject('upstreamA')}/mode/status-503`, 503],
      ['notfound', `${inject('upstreamA')}/mode/status-404`, 404],
    ]
    for (const [label, url, status] of cases) {
      const res = await infer(await served(label, url))
      expect(res.status, label).toBe(status)
      expect(res.headers.get('x-model-version'), label).toBe('v1')
      expectAnswerHeaders(res, label)
      await res.arrayBuffer()
    }
    await settle()
  })

  it("keeps the upstream's own CSP and puts the plain sandbox after it", async () => {
    const res = await infer(await served('upcsp', `${inject('upstreamA')}/mode/html-probe-csp`))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    expect(res.headers.get('content-security-policy')).toBe(`${PROBE_UPSTREAM_CSP}, sandbox`)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    await res.arrayBuffer()
    await settle()
  })

  it('on the problems the gateway makes: 400, 404, 413, 502, 503, 504, 508', async () => {
    const noChampion = uniqueModel('nochamp')
    await adminOk('PUT', `/models/${noChampion}`, { risk: 'low' }, 201)
    const plain = await served('plain', inject('upstreamA'))
    const cases: Array<[string, () => Promise<Response>, number]> = [
      ['unknown model', () => infer(uniqueModel('nobody')), 404],
      ['bad percent-encoding in the model segment', () => infer('%E0%A4%A'), 404],
      ['no champion', () => infer(noChampion), 503],
      ['bad hop count', () => infer(plain, '/predict', { headers: { 'x-modelgate-hops': '-1' } }), 400],
      ['loop', () => infer(plain, '/predict', { headers: { 'x-modelgate-hops': '50' } }), 508],
      ['body too large', () => infer(plain, '/predict', { method: 'POST', body: 'x'.repeat(70_000) }), 413],
      ['unreachable version', async () => infer(await served('dead', inject('deadUrl'))), 502],
      [
        'version timed out',
        async () => infer(await served('slow', { url: `${inject('upstreamA')}/mode/sleep-2000`, timeout_ms: 100 })),
        504,
      ],
      [
        'routing snapshot unreadable',
        async () => {
          const cold = await served('cold', inject('upstreamA'))
          isolateOf(env).snapshots.clear()
          setFaultPlan({ kv: { kind: 'fail', methods: ['get'] } })
          return infer(cold)
        },
        503,
      ],
    ]
    for (const [label, send, status] of cases) {
      const res = await send()
      setFaultPlan({})
      expect(res.status, label).toBe(status)
      expect(res.headers.get('content-type'), label).toBe('application/problem+json')
      expectAnswerHeaders(res, label)
      await res.arrayBuffer()
    }
    await settle()
  })
})
