import { describe, expect, inject, it } from 'vitest'
import { admin, adminOk, infer, postOutcomes, problemOf, settle, uniqueModel } from './helpers/harness'
import { approve, cron, fastPlan, passingReport, rollout } from './helpers/rollout'

const tokens = {
  name: 'total_tokens',
  kind: 'mean',
  direction: 'lower_is_better',
  source: 'response',
  pointer: '/usage/total_tokens',
  cap: 100_000,
  floor: 0,
  margin: 0.1,
}

/** v1 answers with ~100 tokens, v2 with ~200 (an OpenAI-compatible upstream, see upstream-server). */
async function model(): Promise<string> {
  const name = uniqueModel('tok')
  await adminOk('PUT', `/models/${name}`, { risk: 'medium', metrics: [tokens] }, 201)
  await adminOk(
    'PUT',
    `/models/${name}/versions/v1`,
    { backend: { url: `${inject('upstreamA')}/mode/openai-100` } },
    201,
  )
  await adminOk(
    'PUT',
    `/models/${name}/versions/v2`,
    { backend: { url: `${inject('upstreamB')}/mode/openai-200` } },
    201,
  )
  await adminOk('POST', `/models/${name}/champion`, { version: 'v1' })
  return name
}

let x = 0

/** n chat completions, plain or streamed; every answer read to its end. */
async function chat(m: string, n: number, stream: boolean): Promise<void> {
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async () => {
        const res = await infer(m, '/v1/chat/completions', {
          method: 'POST',
          headers: { 'x-unit-id': `u-${x}`, 'content-type': 'application/json' },
          body: JSON.stringify({ x: x++, stream, messages: [{ role: 'user', content: 'hi' }] }),
        })
        expect(res.status).toBe(200)
        const text = await res.text()
        if (stream) expect(text).toContain('data: [DONE]')
      }),
    )
  }
  await settle()
}

describe.each([
  ['plain', false],
  ['streaming', true],
])('a response metric on /usage/total_tokens (%s answers)', (_label, stream) => {
  it('gives per-arm token statistics, and its gate fails a challenger that uses twice the tokens', async () => {
    const m = await model()
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: 'canary', stages: [50, 100], evaluation: passingReport, ...fastPlan },
      201,
    )
    if (started.phase === 'awaiting_approval') await approve(started.id)
    await chat(m, 500, stream)
    await cron(Date.now() + 5_000)
    const r = await rollout(started.id)
    expect(r.phase, JSON.stringify(r.verdicts.at(-1)?.reason)).toBe('rolled_back')
    const failed = r.verdicts.find((v: any) => v.decision === 'FAIL')
    expect(failed.reason).toMatch(/total_tokens/)
    const gate = failed.metrics.find((g: any) => g.metric === 'total_tokens')
    expect(gate.champion.estimate).toBeGreaterThan(90)
    expect(gate.champion.estimate).toBeLessThan(110)
    expect(gate.challenger.estimate).toBeGreaterThan(190)
    expect(gate.challenger.estimate).toBeLessThan(210)

    // The metrics API shows the same statistics per arm, with no answer missing its value.
    const res = await adminOk('GET', `/models/${m}/metrics?from=-10m&step=600`)
    const byVersion = Object.fromEntries(
      res.series.map((s: any) => [
        s.version,
        s.points.find((p: any) => p.business.total_tokens)?.business.total_tokens,
      ]),
    )
    expect(byVersion.v1.n).toBeGreaterThan(100)
    expect(byVersion.v1.mean).toBeCloseTo(100, -1)
    expect(byVersion.v2.mean).toBeCloseTo(200, -1)
    expect(byVersion.v1.missing).toBe(0)
    expect(byVersion.v2.ci95[0]).toBeGreaterThan(byVersion.v1.ci95[1])
  }, 60_000)
})

describe('response metric definitions', () => {
  it.each([
    ['a proportion', { kind: 'proportion', cap: undefined, floor: undefined }, 'metrics.0.source'],
    ['neither pointer nor header', { pointer: undefined }, 'metrics.0.source'],
    ['a pointer on an outcome metric', { source: 'outcome' }, 'metrics.0.source'],
    ['a pointer that is not one', { pointer: 'usage.total_tokens' }, 'metrics.0.pointer'],
    ['no cap', { cap: undefined }, 'metrics.0.cap'],
  ])('rejects %s with a 400 naming the field', async (_label, over, field) => {
    const res = await admin('PUT', `/models/${uniqueModel('tokbad')}`, {
      risk: 'low',
      metrics: [{ ...tokens, ...over }],
    })
    expect(res.status).toBe(400)
    const p = await problemOf(res)
    expect(JSON.stringify(p)).toContain(field)
  })

  it('refuses outcomes for a response metric (its values come from the answers)', async () => {
    const m = await model()
    const res = await infer(m, '/v1/chat/completions', { method: 'POST', body: '{"x":1}' })
    await res.text()
    const id = res.headers.get('x-request-id')
    const out = await postOutcomes({ request_id: id, metric: 'total_tokens', value: 1 })
    expect(JSON.stringify(await out.json())).toContain('unknown_metric')
  })
})
