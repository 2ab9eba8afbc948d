/**
 * The egress policy where URLs enter (version backends, webhooks) and where they are called (the
 * data plane, webhook deliveries). The project's bindings allow 127.0.0.1 (vitest.config.ts), as
 * `npm start`'s .dev.vars does; `callWith` runs the same Worker with another EGRESS_ALLOW.
 */
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { coordinatorClient } from '../../src/adapters/do/coordinator-client'
import { ADMIN, admin, adminOk, callWith, infer, problemOf, setupModel, uniqueModel } from './helpers/harness'
import { fastPlan, passingReport } from './helpers/rollout'

const NO_ALLOW = { EGRESS_ALLOW: '' }

function adminWith(overrides: Record<string, string>, method: string, path: string, body: unknown) {
  return callWith(
    overrides,
    new Request(`http://gateway.test/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  )
}

async function newModel(): Promise<string> {
  const m = uniqueModel('eg')
  await adminOk('PUT', `/models/${m}`, { risk: 'medium' }, 201)
  return m
}

/** The problem body without the members that are random (the request id could hold any digits). */
async function stableProblem(res: Response): Promise<{ body: Record<string, any>; text: string }> {
  const body = await problemOf(res)
  const { request_id: _id, instance: _instance, ...rest } = body
  return { body, text: JSON.stringify(rest) }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('backend URLs', () => {
  it.each([
    ['http://169.254.169.254/', /link-local address 169\.254\.169\.254 \(cloud metadata\)/],
    ['http://10.0.0.1/', /private address 10\.0\.0\.1/],
    ['http://[::1]:9000/', /loopback address \[::1\]/],
    ['http://100.64.0.1/', /shared \(CGNAT\) address 100\.64\.0\.1/],
    ['http://[::ffff:7f00:1]:9101/', /loopback address 127\.0\.0\.1 \(IPv4-mapped/],
    ['http://metadata.google.internal/', /cloud metadata name metadata\.google\.internal/],
    ['file:///etc/passwd', /http or https/],
  ])('refuses %s with the reason (400 validation_failed naming backend.url)', async (url, reason) => {
    const m = await newModel()
    const res = await admin('PUT', `/models/${m}/versions/v1`, { backend: { url } })
    expect(res.status).toBe(400)
    const body = await problemOf(res)
    expect(body.code).toBe('validation_failed')
    expect(body.errors).toEqual([{ field: 'backend.url', message: expect.stringMatching(reason) }])
    // Nothing was stored.
    expect((await adminOk('GET', `/models/${m}`)).versions).toEqual([])
  })

  it("accepts npm start's loopback model servers when EGRESS_ALLOW lists 127.0.0.1, and serves them", async () => {
    const m = uniqueModel('eg-ok')
    await setupModel(m, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    const res = await infer(m, '/predict', { method: 'POST', body: '{"x":1}' })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { server: string }).server).toBe('A')
  })

  it('refuses the same loopback backend without the allow list, also written as a number', async () => {
    const m = await newModel()
    const port = new URL(inject('upstreamA')).port
    for (const url of [
      inject('upstreamA'),
      `http://2130706433:${port}`,
      `http://0177.0.0.1:${port}`,
      `http://0x7f.1:${port}`,
    ]) {
      const res = await adminWith(NO_ALLOW, 'PUT', `/models/${m}/versions/v1`, { backend: { url } })
      expect(res.status, url).toBe(400)
      expect((await problemOf(res)).errors).toEqual([
        {
          field: 'backend.url',
          message: expect.stringMatching(/loopback address 127\.0\.0\.1; add it to EGRESS_ALLOW/),
        },
      ])
    }
  })
})

describe('the data plane', () => {
  it('does not call a stored backend that the policy now refuses: 502, the reason logged, not shown', async () => {
    const m = uniqueModel('eg-stored')
    const upstream = inject('upstreamA')
    await setupModel(m, { versions: { v1: upstream }, champion: 'v1' })
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const res = await callWith(NO_ALLOW, new Request(`http://gateway.test/v1/models/${m}/predict`, { method: 'POST' }))
    expect(res.status).toBe(502)
    const { body, text } = await stableProblem(res)
    expect(body.code).toBe('upstream_unreachable')
    const port = new URL(upstream).port
    expect(text).not.toContain('127.0.0.1')
    expect(text).not.toContain(port)
    expect(text).not.toMatch(/egress|loopback/)
    const line = logged.mock.calls.map((c) => c.join(' ')).find((l) => l.includes(body.request_id))
    expect(line).toContain(
      `${m}/v1 unreachable at ${upstream}: refused by the egress policy: loopback address 127.0.0.1`,
    )
  })

  it('answers a connect error with a generic 502: no host, port or error text for the client', async () => {
    const m = uniqueModel('eg-dead')
    const dead = inject('deadUrl')
    await setupModel(m, { versions: { v1: dead }, champion: 'v1' })
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const res = await infer(m, '/predict', { method: 'POST', body: '{}' })
    expect(res.status).toBe(502)
    const { body, text } = await stableProblem(res)
    expect(body.code).toBe('upstream_unreachable')
    expect(body.detail).toBe(`${m}/v1: could not be reached (the request id finds the cause in the logs)`)
    expect(text).not.toContain('127.0.0.1')
    expect(text).not.toContain(new URL(dead).port)
    const line = logged.mock.calls.map((c) => c.join(' ')).find((l) => l.includes(body.request_id))
    expect(line).toContain(`${m}/v1 unreachable at ${dead}: `)
  })
})

describe('webhooks', () => {
  it('refuses inward webhook URLs with the reason, naming each field', async () => {
    const m = await newModel()
    const res = await admin('PUT', `/models/${m}/webhooks`, {
      webhooks: [
        { url: 'https://hooks.example.com/ok' },
        { url: 'http://169.254.169.254/latest/meta-data/' },
        { url: 'http://[fd00:ec2::254]/' },
      ],
    })
    expect(res.status).toBe(400)
    const body = await problemOf(res)
    expect(body.code).toBe('validation_failed')
    expect(body.errors).toEqual([
      {
        field: 'webhooks.1.url',
        message: expect.stringMatching(/link-local address 169\.254\.169\.254 \(cloud metadata\)/),
      },
      {
        field: 'webhooks.2.url',
        message: expect.stringMatching(/private address \[fd00:ec2::254\] \(cloud metadata\)/),
      },
    ])
  })

  it('does not follow a receiver that redirects inward: the delivery fails with the reason', async () => {
    const m = uniqueModel('eg-hook')
    const a = inject('upstreamA')
    await setupModel(m, {
      versions: { v1: `${a}/mode/predict-label-0`, v2: `${inject('upstreamB')}/mode/predict-label-0` },
      champion: 'v1',
    })
    // The receiver answers 302 to this server's sink (an inward address): following it would land there.
    await adminOk('PUT', `/models/${m}/webhooks`, { webhooks: [{ url: `${a}/mode/redirect-302/${m}` }] })
    // A plan with small samples needs an approver: the approval_needed alert goes to the webhook.
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      { challenger: 'v2', strategy: 'canary', evaluation: passingReport, ...fastPlan },
      201,
    )
    expect(started.phase).toBe('awaiting_approval')
    let deliveries: any[] = []
    for (let i = 0; i < 50 && deliveries.length === 0; i++) {
      await coordinatorClient(env.MODEL_COORDINATOR, m).reconcile(Date.now())
      deliveries = (await adminOk('GET', `/models/${m}/webhook-deliveries`)).deliveries
      if (deliveries.length === 0) await new Promise((r) => setTimeout(r, 100))
    }
    expect(deliveries[0]).toMatchObject({
      event: 'approval_needed',
      status: 'retrying',
      response_code: 302,
      error: 'HTTP 302: redirect not followed',
    })
    const sink = (await (await fetch(`${a}/sink/log`)).json()) as Array<{ path: string }>
    expect(sink.filter((d) => d.path === `/${m}`)).toEqual([])
  })
})
