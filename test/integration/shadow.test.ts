import { buildServices } from '../../src/compose'
import { describe, expect, inject, it } from 'vitest'
import { sumWhere } from '../../src/core/metrics/summary'
import { hashUnit } from '../support/upstream-server'
import { env } from 'cloudflare:workers'
import { adminOk, callWith, infer, postOutcomes, settle, uniqueModel } from './helpers/harness'
import { summary } from './helpers/measure'

async function shadowModel(opts: {
  champion: string
  shadow: string
  compare?: unknown
  rate?: number
  shadowTimeoutMs?: number
  metrics?: unknown[]
}) {
  const model = uniqueModel('shadow')
  await adminOk(
    'PUT',
    `/models/${model}`,
    {
      risk: 'low',
      ...(opts.compare ? { shadow_compare: opts.compare } : {}),
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
    },
    201,
  )
  await adminOk('PUT', `/models/${model}/versions/v1`, { backend: { url: opts.champion } }, 201)
  await adminOk(
    'PUT',
    `/models/${model}/versions/v2`,
    { backend: { url: opts.shadow, timeout_ms: opts.shadowTimeoutMs ?? 2_000 } },
    201,
  )
  await adminOk('POST', `/models/${model}/champion`, { version: 'v1' })
  return model
}

async function setShadow(model: string, rate: number | null) {
  await adminOk('PUT', `/models/${model}/routing`, {
    weights: { v1: 100 },
    ...(rate === null ? {} : { shadow: { version: 'v2', sample_rate: rate } }),
  })
}

interface Observed {
  status: number
  body: string
  headers: Record<string, string>
  id: string
}

async function run(model: string, n: number): Promise<Observed[]> {
  const out: Observed[] = []
  for (let i = 0; i < n; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, async (_, j) => {
        const res = await infer(model, '/predict', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-unit-id': `u${i + j}` },
          body: JSON.stringify({ x: i + j }),
        })
        const body = await res.text()
        const headers = Object.fromEntries(
          [...res.headers].filter(([k]) => !['x-request-id', 'server-timing', 'date', 'x-routing-epoch'].includes(k)),
        )
        return {
          status: res.status,
          body,
          headers,
          id: res.headers.get('x-request-id') as string,
        }
      }),
    )
    out.push(...batch)
  }
  return out
}

describe("shadow mode never touches the user's answer", () => {
  it.each([
    ['hangs', '/mode/hang'],
    ['answers 500', '/mode/status-500'],
    ['returns malformed JSON', '/mode/garbage'],
  ])(
    'when the shadow %s, responses are byte-identical to runs without shadow',
    async (_label, mode) => {
      const model = await shadowModel({
        champion: `${inject('upstreamA')}/mode/predict-label-0`,
        shadow: `${inject('upstreamB')}${mode}`,
        shadowTimeoutMs: 300,
      })
      // Rounds without and with the shadow, interleaved.
      const without: Observed[] = []
      const withShadow: Observed[] = []
      for (let round = 0; round < 3; round++) {
        await setShadow(model, null)
        without.push(...(await run(model, 20)))
        await settle()
        await setShadow(model, 1)
        withShadow.push(...(await run(model, 20)))
      }
      expect(withShadow.map(({ status, body, headers }) => ({ status, body, headers }))).toEqual(
        without.map(({ status, body, headers }) => ({ status, body, headers })),
      )
      await settle()
      const s = await summary(model)
      const shadow = sumWhere(s, (r) => r.arm === 'shadow' && r.version === 'v2')
      expect(shadow.shadowAttempts + shadow.shadowSkipped).toBe(60)
      // Some copies really ran against the broken shadow (not all skipped), and every one failed.
      expect(shadow.shadowAttempts).toBeGreaterThan(0)
      expect(shadow.shadowErrors).toBe(shadow.shadowAttempts)
      expect(shadow.shadowPairs).toBe(0)
    },
    30_000,
  )

  it('answers while a hanging copy is still in flight: the answer never waits for its shadow', async () => {
    const model = await shadowModel({
      champion: `${inject('upstreamA')}/mode/predict-label-0`,
      shadow: `${inject('upstreamB')}/mode/hang`,
      shadowTimeoutMs: 4_000,
    })
    await setShadow(model, 1)
    // One shadow slot in this isolate (its own env): the first copy hangs for 4 s and holds it.
    // Each request is sent once the previous answer was read to its end, so a later copy finds the
    // slot taken only if that answer came back while the first copy was still hanging. An answer
    // that waited for its copy would free the slot first: every copy would then run. (Load only
    // matters if five answers took longer than the copy's 4 s.)
    const oneSlot = { SHADOW_MAX_INFLIGHT: '1' }
    const statuses: number[] = []
    for (let x = 0; x < 5; x++) {
      const res = await callWith(
        oneSlot,
        new Request(`http://gateway.test/v1/models/${model}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-unit-id': `u${x}` },
          body: JSON.stringify({ x }),
        }),
      )
      statuses.push(res.status)
      await res.arrayBuffer()
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200])
    await settle()
    const shadow = sumWhere(await summary(model), (r) => r.arm === 'shadow' && r.version === 'v2')
    expect([shadow.shadowAttempts, shadow.shadowSkipped, shadow.shadowErrors]).toEqual([1, 4, 1])
  }, 30_000)
})

describe('paired comparison', () => {
  const N = 600
  const planted = (rate: number) => Array.from({ length: N }, (_, x) => x).filter((x) => hashUnit(x) < rate).length

  it.each([
    ['labels', 'label', { pointer: '/label', comparator: { kind: 'label' } }, 0.2],
    ['numbers', 'score', { pointer: '/score', comparator: { kind: 'numeric', tol_abs: 0.5, tol_rel: 0.01 } }, 0.1],
    ['text', 'text', { pointer: '/text', comparator: { kind: 'text', min_similarity: 0.8 } }, 0.3],
  ])(
    'measures the planted divergence rate for %s',
    async (_label, kind, compare, rate) => {
      const model = await shadowModel({
        champion: `${inject('upstreamA')}/mode/predict-${kind}-0`,
        shadow: `${inject('upstreamB')}/mode/predict-${kind}-${rate}`,
        compare,
      })
      await setShadow(model, 1)
      await run(model, N)
      await settle()
      const shadow = sumWhere(await summary(model), (r) => r.arm === 'shadow')
      expect(shadow.shadowPairs).toBe(N)
      // Exact: the upstream plants divergence on a fixed set of inputs...
      expect(shadow.shadowDiverged).toBe(planted(rate))
      // ...whose share is the planted rate within binomial tolerance.
      expect(Math.abs(shadow.shadowDiverged / N - rate)).toBeLessThan(4 * Math.sqrt((rate * (1 - rate)) / N))
    },
    60_000,
  )

  it('samples a share of requests and records shadow latency', async () => {
    const model = await shadowModel({
      champion: `${inject('upstreamA')}/mode/predict-label-0`,
      shadow: `${inject('upstreamB')}/mode/predict-label-0`,
      compare: { pointer: '/label', comparator: { kind: 'label' } },
    })
    await setShadow(model, 0.25)
    await run(model, 800)
    await settle()
    const shadow = sumWhere(await summary(model), (r) => r.arm === 'shadow')
    expect(Math.abs(shadow.shadowAttempts / 800 - 0.25)).toBeLessThan(0.07)
    expect(shadow.latency.count).toBe(shadow.shadowAttempts)
    expect(shadow.shadowDiverged).toBe(0)
  }, 60_000)

  it('scores counterfactual outcomes: which of champion and shadow was right', async () => {
    const model = await shadowModel({
      champion: `${inject('upstreamA')}/mode/predict-label-0`,
      shadow: `${inject('upstreamB')}/mode/predict-label-0.2`,
      compare: { pointer: '/label', comparator: { kind: 'label' } },
      metrics: [
        {
          name: 'approved_ok',
          kind: 'proportion',
          direction: 'higher_is_better',
          window_s: 600,
          positive_labels: ['approve'],
        },
      ],
    })
    await setShadow(model, 1)
    const answers = await run(model, 200)
    await settle()
    // Ground truth: "decline" was right for even x, "approve" for odd x.
    const outcomes = answers.map((a, x) => ({ request_id: a.id, value: x % 2 === 0 ? 'decline' : 'approve' }))
    const res = await postOutcomes({ outcomes })
    expect(((await res.json()) as any).accepted).toBe(200)
    const cf = (await summary(model)).counterfactual.get('v2|approved_ok')!
    // The champion always says approve: right on odd x. The shadow declines a planted 20%.
    const shadowRight = Array.from({ length: 200 }, (_, x) => x).filter(
      (x) => (hashUnit(x) < 0.2 ? 'decline' : 'approve') === (x % 2 === 0 ? 'decline' : 'approve'),
    ).length
    expect(cf).toMatchObject({ n: 200, championCorrect: 100, shadowCorrect: shadowRight })
  }, 30_000)
})

describe('stored shadow samples', () => {
  it('keeps paired outputs with the request hash and verdict in D1 for offline analysis', async () => {
    const model = await shadowModel({
      champion: `${inject('upstreamA')}/mode/predict-label-0`,
      shadow: `${inject('upstreamB')}/mode/predict-label-0.5`,
      compare: { pointer: '/label', comparator: { kind: 'label' } },
    })
    await setShadow(model, 1)
    const answers = await run(model, 40)
    await settle()
    await buildServices(env).scheduled(Date.now())
    const { samples } = await adminOk('GET', `/models/${model}/shadow-samples?limit=100`)
    expect(samples).toHaveLength(40)
    const verdicts = new Set(samples.map((s: any) => s.verdict))
    expect(verdicts).toEqual(new Set(['agree', 'diverge']))
    for (const s of samples) {
      expect(s.request_hash).toMatch(/^[0-9a-f]{16}$/)
      expect(s.champion_output).toBe('approve')
      expect(['approve', 'decline']).toContain(s.shadow_output)
      expect(s.verdict).toBe(s.shadow_output === 'approve' ? 'agree' : 'diverge')
    }
    // The raw request id is never stored, only its hash.
    expect(JSON.stringify(samples)).not.toContain(answers[0]!.id)
  }, 30_000)
})
