import { env } from 'cloudflare:workers'
import { runInDurableObject } from 'cloudflare:test'
import { describe, expect, it, inject } from 'vitest'
import type { Journal } from '../../src/durable-objects/model-coordinator/journal'
import {
  ADMIN,
  APPROVER,
  admin,
  adminOk,
  infer,
  postOutcomes,
  problemOf,
  setupModel,
  uniqueModel,
} from './helpers/harness'

describe('admin auth', () => {
  it.each([
    ['no token', null],
    ['a wrong token', 'not-the-token-0123456789abcdef'],
    ['a token that is a prefix of the real one', ADMIN.slice(0, 10)],
  ])('rejects %s with 401 problem+json', async (_label, token) => {
    const res = await admin('GET', '/models', undefined, { token })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('Bearer')
    const p = await problemOf(res)
    expect(p.code).toBe('unauthorized')
  })

  it('lets the approver read, but not make the operator-only writes (403)', async () => {
    const model = uniqueModel('auth')
    await setupModel(model, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    await adminOk('GET', `/models/${model}`, undefined, 200, { token: APPROVER })
    // Routing, champion and settings are the approver's too (the two-person rule): see two-person.test.ts.
    const res = await admin('POST', `/models/${model}/rollback`, undefined, { token: APPROVER })
    expect(res.status).toBe(403)
    expect((await problemOf(res)).code).toBe('forbidden')
    const version = await admin(
      'PUT',
      `/models/${model}/versions/v2`,
      { backend: { url: inject('upstreamB') } },
      {
        token: APPROVER,
      },
    )
    expect(version.status).toBe(403)
  })

  it('records the named actor in the audit log', async () => {
    const model = uniqueModel('actor')
    await adminOk('PUT', `/models/${model}`, { risk: 'low' }, 201, { headers: { 'x-modelgate-actor': 'alice' } })
    const audit = await adminOk('GET', `/audit?model=${model}`)
    expect(audit.entries[0].actor).toBe('operator:alice')
    expect(audit.entries[0].action).toBe('model.create')
  })
})

describe('validation', () => {
  it('lists every bad field of a body in one 400', async () => {
    const model = uniqueModel('val')
    const res = await admin('PUT', `/models/${model}`, {
      risk: 'extreme',
      unit_header: 'bad header',
      sla: { p99_ms: -1 },
      extra: 1,
    })
    expect(res.status).toBe(400)
    const p = await problemOf(res)
    expect(p.code).toBe('validation_failed')
    const fields = p.errors.map((e: any) => e.field)
    expect(fields).toEqual(expect.arrayContaining(['risk', 'unit_header', 'sla.p99_ms']))
    expect(fields.length).toBeGreaterThanOrEqual(4) // the unknown key too
  })

  it('rejects malformed JSON with 400', async () => {
    const res = await admin('PUT', `/models/${uniqueModel('json')}`, undefined, {
      raw: '{"risk": ',
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).code).toMatch(/malformed_json|validation_failed/)
  })

  it('rejects a bad model name in the path', async () => {
    const res = await admin('PUT', '/models/Bad%20Name', { risk: 'low' })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors[0].field).toBe('model')
  })

  it('rejects routing tables that do not sum to 100, name unknown versions or carry 3 decimals', async () => {
    const model = uniqueModel('route-val')
    await setupModel(model, { versions: { v1: inject('upstreamA'), v2: inject('upstreamB') }, champion: 'v1' })
    const sum = await admin('PUT', `/models/${model}/routing`, { weights: { v1: 80, v2: 10 } })
    expect(sum.status).toBe(400)
    expect((await problemOf(sum)).errors).toEqual([{ field: 'weights', message: 'weights must sum to 100 (got 90)' }])
    const unknown = await admin('PUT', `/models/${model}/routing`, {
      weights: { v1: 90, v9: 10 },
      rules: [{ when: { header: 'x-tier', equals: 'gold' }, version: 'v8' }],
    })
    const fields = (await problemOf(unknown)).errors.map((e: any) => e.field)
    expect(fields).toEqual(['weights.v9', 'rules.0.version'])
    const decimals = await admin('PUT', `/models/${model}/routing`, { weights: { v1: 89.995, v2: 10.005 } })
    expect(decimals.status).toBe(400)
    const twoConds = await admin('PUT', `/models/${model}/routing`, {
      weights: { v1: 100 },
      rules: [{ when: { header: 'x-a', equals: 'a', prefix: 'b' }, version: 'v2' }],
    })
    expect((await problemOf(twoConds)).errors[0].field).toBe('rules.0.when')
  })

  it('refuses a routing table or a rollback before a champion exists (409, reason no_champion)', async () => {
    const model = uniqueModel('nochamp')
    await adminOk('PUT', `/models/${model}`, { risk: 'low' }, 201)
    await adminOk('PUT', `/models/${model}/versions/v1`, { backend: { url: inject('upstreamA') } }, 201)
    const res = await admin('PUT', `/models/${model}/routing`, { weights: { v1: 100 } })
    expect(res.status).toBe(409)
    expect(await problemOf(res)).toMatchObject({ code: 'conflict', reason: 'no_champion' })
    const rollback = await admin('POST', `/models/${model}/rollback`)
    expect(rollback.status).toBe(409)
    expect(await problemOf(rollback)).toMatchObject({ code: 'conflict', reason: 'no_champion' })
  })

  it('rejects a service backend that is not bound', async () => {
    const model = uniqueModel('svc')
    await adminOk('PUT', `/models/${model}`, { risk: 'low' }, 201)
    const res = await admin('PUT', `/models/${model}/versions/v1`, { backend: { service: 'NOT_BOUND' } })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors[0].field).toBe('backend.service')
  })
})

describe('versions', () => {
  it('accepts re-registering the same backend, but freezes a version once it served traffic', async () => {
    const model = uniqueModel('immut')
    await setupModel(model, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    await adminOk('PUT', `/models/${model}/versions/v2`, { backend: { url: inject('upstreamB') } }, 201)
    // Not exposed yet: replacing the backend is allowed.
    await adminOk('PUT', `/models/${model}/versions/v2`, { backend: { url: `${inject('upstreamB')}/mode/echo` } })
    // Identical PUT on an exposed version is an idempotent no-op.
    const same = await adminOk('PUT', `/models/${model}/versions/v1`, { backend: { url: inject('upstreamA') } })
    expect(same.versions.find((v: any) => v.name === 'v1').first_exposed_epoch).toBeGreaterThan(0)
    const res = await admin('PUT', `/models/${model}/versions/v1`, { backend: { url: inject('upstreamB') } })
    expect(res.status).toBe(409)
    expect((await problemOf(res)).code).toBe('version_immutable')
  })
})

describe('optimistic concurrency', () => {
  it('applies a change whose If-Match names the current epoch and refuses a stale one with 412', async () => {
    const model = uniqueModel('etag')
    const view = await setupModel(model, {
      risk: 'low',
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
    })
    const current = view.epoch
    const ok = await admin(
      'PUT',
      `/models/${model}/routing`,
      { weights: { v1: 50, v2: 50 } },
      { headers: { 'if-match': `"${current}"` } },
    )
    expect(ok.status).toBe(200)
    expect(ok.headers.get('etag')).toBe(`"${current + 1}"`)
    const stale = await admin(
      'PUT',
      `/models/${model}/routing`,
      { weights: { v1: 100 } },
      { headers: { 'if-match': String(current) } },
    )
    expect(stale.status).toBe(412)
    const p = await problemOf(stale)
    expect(p.current_epoch).toBe(current + 1)
    const bad = await admin(
      'PUT',
      `/models/${model}/routing`,
      { weights: { v1: 100 } },
      { headers: { 'if-match': 'yesterday' } },
    )
    expect(bad.status).toBe(400)
    // The stale write changed nothing.
    const after = await adminOk('GET', `/models/${model}`)
    expect(after.routing.weights).toEqual({ v1: 50, v2: 50 })
  })

  it('serializes concurrent changes: each gets its own epoch, none is lost', async () => {
    const model = uniqueModel('race')
    const view = await setupModel(model, {
      risk: 'low',
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
    })
    const results = await Promise.all(
      [10, 20, 30, 40, 50].map((w) => adminOk('PUT', `/models/${model}/routing`, { weights: { v1: 100 - w, v2: w } })),
    )
    const epochs = results.map((r) => r.epoch).sort((a, b) => a - b)
    expect(epochs).toEqual([1, 2, 3, 4, 5].map((i) => view.epoch + i))
    const history = await adminOk('GET', `/audit?model=${model}`)
    expect(history.entries.filter((e: any) => e.action === 'routing.set')).toHaveLength(5)
  })
})

describe('reads', () => {
  it('lists models and shows one with versions, routing, epoch and bucket ranges', async () => {
    const model = uniqueModel('read')
    await setupModel(model, {
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
      weights: { v1: 90, v2: 10 },
    })
    const list = await adminOk('GET', '/models')
    expect(list.models.find((m: any) => m.name === model)).toMatchObject({
      champion: 'v1',
      risk: 'medium',
      weights: { v1: 90, v2: 10 },
      active_rollout: null,
    })
    const view = await adminOk('GET', `/models/${model}`)
    expect(view.versions.map((v: any) => v.name)).toEqual(['v1', 'v2'])
    // Hash v2 (docs/routing.md): the champion had every bucket and gives its last tenth to v2.
    expect(view.bucket_ranges).toEqual([
      { version: 'v1', from: 0, to: 9000 },
      { version: 'v2', from: 9000, to: 10000 },
    ])
    expect(view.published_epoch).toBe(view.epoch)
  })

  it('lists each model with its active rollout, and drops it once the rollout ends', async () => {
    const model = uniqueModel('listro')
    await setupModel(model, {
      risk: 'low',
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
    })
    const ro = await adminOk(
      'POST',
      `/models/${model}/rollouts`,
      { challenger: 'v2', strategy: 'canary', waive_evaluation: true },
      201,
    )
    const during = (await adminOk('GET', '/models')).models.find((m: any) => m.name === model)
    expect(during.active_rollout).toMatchObject({ id: ro.id, challenger: 'v2', phase: ro.phase, step_index: 0 })
    expect(ro.phase).toBe('progressing')
    expect(during.weights).toEqual({ v1: 95, v2: 5 }) // the canary's first stage
    await adminOk('POST', `/models/${model}/rollback`, {})
    const after = (await adminOk('GET', '/models')).models.find((m: any) => m.name === model)
    expect(after).toMatchObject({ active_rollout: null, weights: { v1: 100 } })
  })

  it('answers an unknown model with 404 problem+json', async () => {
    const res = await admin('GET', `/models/${uniqueModel('ghost')}`)
    expect(res.status).toBe(404)
    expect((await problemOf(res)).code).toBe('model_not_found')
  })

  it('serves an OpenAPI 3.1 document generated from the schemas, without auth', async () => {
    const res = await admin('GET', '/openapi.json', undefined, { token: null })
    expect(res.status).toBe(200)
    const doc = (await res.json()) as any
    expect(doc.openapi).toBe('3.1.0')
    for (const p of [
      '/admin/models/{model}',
      '/admin/models/{model}/versions/{version}',
      '/admin/models/{model}/champion',
      '/admin/models/{model}/routing',
      '/admin/models/{model}/rollback',
      '/admin/models',
      '/admin/audit',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p)
    }
    expect(doc.components.schemas.RoutingInput).toBeDefined()
    expect(
      doc.paths['/admin/models/{model}/routing'].put.responses['412'].content['application/problem+json'],
    ).toBeDefined()
  })
})

describe('rollback and audit', () => {
  it('returns after publishing and the next request in this isolate goes to the champion', async () => {
    const model = uniqueModel('rb')
    await setupModel(model, {
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
      weights: { v2: 100 },
      rules: [{ when: { header: 'x-tier', equals: 'beta' }, version: 'v2' }],
    })
    expect((await infer(model)).headers.get('x-model-version')).toBe('v2')
    const rb = await adminOk('POST', `/models/${model}/rollback`, { reason: 'error spike' })
    expect(rb.weights).toEqual({ v1: 100 })
    expect(rb.rules).toEqual([])
    expect(rb.rolled_back_from.weights).toEqual({ v2: 100 })
    const next = await infer(model, '/predict', { headers: { 'x-tier': 'beta' } })
    expect(next.headers.get('x-model-version')).toBe('v1')
    expect(next.headers.get('x-routing-epoch')).toBe(String(rb.epoch))
    const stored = (await env.ROUTING.get(`routing/${model}/current`, 'json')) as any
    expect(stored.epoch).toBe(rb.epoch)
    expect(await env.ROUTING.get(`routing/${model}/epoch/${rb.epoch}`)).not.toBeNull()
  })

  it('works with an empty body and can undo a champion switch (blue/green)', async () => {
    const model = uniqueModel('bg')
    await setupModel(model, {
      risk: 'low',
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
    })
    const switched = await adminOk('POST', `/models/${model}/champion`, { version: 'v2' })
    expect(switched.previous_champion).toBe('v1')
    expect((await infer(model)).headers.get('x-model-version')).toBe('v2')
    // Without a body the rollback undoes the switch while v1 is the rollback target.
    const back = await adminOk('POST', `/models/${model}/rollback`)
    expect(back).toMatchObject({ changed: true, champion: 'v1', ended_rollout: null })
    expect((await infer(model)).headers.get('x-model-version')).toBe('v1')
    const none = await admin('POST', `/models/${model}/rollback`, { target: 'previous_champion' })
    expect(none.status).toBe(409)
  })

  it('keeps a hash-chained audit log that verifies, and detects a tampered row', async () => {
    const model = uniqueModel('chain')
    await setupModel(model, {
      risk: 'low',
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
      weights: { v1: 50, v2: 50 },
    })
    await adminOk('POST', `/models/${model}/rollback`, {})
    const log = await adminOk('GET', `/audit?model=${model}`)
    const actions = log.entries.map((e: any) => e.action)
    expect(actions).toEqual([
      'model.create',
      'version.register',
      'version.register',
      'champion.set',
      'routing.set',
      'routing.rollback',
    ])
    log.entries.forEach((e: any, i: number) => {
      expect(e.seq).toBe(i + 1)
      if (i > 0) expect(e.prev_hash).toBe(log.entries[i - 1].hash)
    })
    const rb = log.entries.at(-1)
    expect(rb.before.weights).toEqual({ v1: 50, v2: 50 })
    expect(rb.after.weights).toEqual({ v1: 100 })
    expect((await adminOk('GET', `/audit/verify?model=${model}`)).ok).toBe(true)

    await env.DB.prepare("UPDATE audit_log SET reason = 'nothing happened' WHERE stream = ? AND seq = 5")
      .bind(model)
      .run()
    const verdict = await adminOk('GET', `/audit/verify?model=${model}`)
    expect(verdict.ok).toBe(false)
    expect(verdict.streams[0].broken_at).toMatchObject({ seq: 5, problem: 'hash_mismatch' })
  })

  it("detects deleted newest entries, and a stream deleted whole, against the writer's head", async () => {
    const model = uniqueModel('trunc')
    await setupModel(model, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    expect((await adminOk('GET', `/audit/verify?model=${model}`)).ok).toBe(true)
    await env.DB.prepare('DELETE FROM audit_log WHERE stream = ? AND seq = 3').bind(model).run()
    const cut = await adminOk('GET', `/audit/verify?model=${model}`)
    expect(cut.ok).toBe(false)
    expect(cut.streams[0].broken_at).toMatchObject({ seq: 3, problem: 'rows_missing' })
    await env.DB.prepare('DELETE FROM audit_log WHERE stream = ?').bind(model).run()
    const all = await adminOk('GET', '/audit/verify')
    expect(all.ok).toBe(false)
    expect(all.streams.find((r: any) => r.stream === model)).toMatchObject({
      ok: false,
      broken_at: { seq: 1, problem: 'rows_missing' },
    })
  })

  it('exports the audit log as JSON lines and CSV, filtered and paginated', async () => {
    const model = uniqueModel('export')
    await setupModel(model, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    const jsonl = await admin('GET', `/audit?model=${model}&format=jsonl`)
    expect(jsonl.headers.get('content-type')).toContain('application/x-ndjson')
    const lines = new TextDecoder()
      .decode(await jsonl.arrayBuffer())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3])
    const csv = await (await admin('GET', `/audit?model=${model}&format=csv`)).text()
    const rows = csv.trim().split('\r\n')
    expect(rows[0]).toBe('id,stream,seq,at,actor,action,target,reason,before,after,prev_hash,hash')
    expect(rows).toHaveLength(4)
    const page1 = await adminOk('GET', `/audit?model=${model}&limit=2`)
    expect(page1.entries).toHaveLength(2)
    const page2 = await adminOk('GET', `/audit?model=${model}&limit=2&cursor=${encodeURIComponent(page1.next_cursor)}`)
    expect(page2.entries.map((e: any) => e.seq)).toEqual([3])
    const future = await adminOk('GET', `/audit?model=${model}&from=2999-01-01T00:00:00Z`)
    expect(future.entries).toEqual([])
  })

  it('filters by time correctly within the first second (stored times carry milliseconds)', async () => {
    const model = uniqueModel('auditsec')
    await setupModel(model, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    const all = (await adminOk('GET', `/audit?model=${model}`)).entries
    const first = all[0].at as string // e.g. 2026-11-26T22:45:49.011Z
    const secondStart = `${first.slice(0, 19)}Z`
    const from = await adminOk('GET', `/audit?model=${model}&from=${secondStart}`)
    expect(from.entries.length).toBe(all.filter((e: any) => e.at >= `${first.slice(0, 19)}.000Z`).length)
    expect(from.entries.length).toBeGreaterThan(0)
  })

  it('keeps a verifiable chain when a reason holds a lone surrogate (stored as U+FFFD)', async () => {
    const model = uniqueModel('surrogate')
    await setupModel(model, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    await adminOk('PUT', `/models/${model}/routing`, { weights: { v1: 100 }, reason: 'oops \ud800 x' })
    expect(await adminOk('GET', `/audit/verify?model=${model}`)).toMatchObject({ ok: true })
    const last = (await adminOk('GET', `/audit?model=${model}&order=desc&limit=1`)).entries[0]
    expect(last.reason).toBe('oops \ufffd x')
  })

  it('neutralises spreadsheet formulas in the CSV export', async () => {
    const model = uniqueModel('csvinj')
    await setupModel(model, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    await adminOk('PUT', `/models/${model}/routing`, {
      weights: { v1: 100 },
      reason: '=HYPERLINK("http://evil.example/?x","click")',
    })
    const csv = await (await admin('GET', `/audit?model=${model}&format=csv`)).text()
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example/?x"",""click"")"`)
    expect(csv).not.toMatch(/,"?=HYPERLINK/)
  })
})

describe('audit appends under concurrency', () => {
  it('keeps every entry and one unbroken chain when audit entries and outbox records are appended at once', async () => {
    const model = uniqueModel('race')
    await adminOk('PUT', `/models/${model}`, { risk: 'low' }, 201)
    const stub = env.MODEL_COORDINATOR.get(env.MODEL_COORDINATOR.idFromName(model))
    await runInDurableObject(stub, async (instance) => {
      const i = (instance as unknown as { parts: { journal: Journal } }).parts.journal
      const at = new Date().toISOString()
      await Promise.all(
        Array.from({ length: 12 }, (_, k) =>
          k % 2 === 0
            ? i.audit(
                {
                  action: 'test.note',
                  target: model,
                  before: null,
                  after: { k },
                  reason: `note ${k}`,
                  actor: 'test',
                },
                model,
                at,
              )
            : i.outbox([
                {
                  kind: 'delivery',
                  row: {
                    id: `dlv-${k}`,
                    attempt: 1,
                    webhookId: 'wh-race',
                    model,
                    event: 'test.note',
                    format: 'json',
                    at,
                    status: 'delivered',
                    responseCode: 200,
                    error: null,
                  },
                },
              ]),
        ),
      )
      await i.flush()
    })
    // Every outbox record reached D1: none overwrote another under the same outbox sequence.
    const delivered = await env.DB.prepare('SELECT id FROM webhook_deliveries WHERE model = ? ORDER BY id')
      .bind(model)
      .all<{ id: string }>()
    const sent = Array.from({ length: 12 }, (_, k) => k).filter((k) => k % 2 === 1)
    expect(delivered.results.map((r) => r.id)).toEqual(sent.map((k) => `dlv-${k}`).sort())
    const entries = (await adminOk('GET', `/audit?model=${model}&limit=100`)).entries
    expect(entries.filter((e: any) => e.action === 'test.note')).toHaveLength(6)
    expect(entries.map((e: any) => e.seq)).toEqual(entries.map((_: unknown, k: number) => k + 1))
    expect((await adminOk('GET', `/audit/verify?model=${model}`)).ok).toBe(true)
  })
})

describe('request limits and small validations', () => {
  it('refuses an admin or outcomes body above 1 MiB with 413 problem+json', async () => {
    const big = JSON.stringify({ risk: 'low', pad: 'x'.repeat(1024 * 1024) })
    const res = await admin('PUT', `/models/${uniqueModel('big')}`, undefined, {
      raw: big,
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(413)
    expect((await problemOf(res)).code).toBe('payload_too_large')
    const outcomes = await postOutcomes(undefined, { raw: big })
    expect(outcomes.status).toBe(413)
  })

  it('records webhook destinations in the audit log without their secret paths', async () => {
    const model = uniqueModel('whaudit')
    await adminOk('PUT', `/models/${model}`, { risk: 'low' }, 201)
    await adminOk('PUT', `/models/${model}/webhooks`, {
      webhooks: [{ url: 'https://hooks.slack.com/services/T0/B0/S3CR3T', format: 'slack' }],
    })
    const entry = (await adminOk('GET', `/audit?model=${model}&order=desc&limit=1`)).entries[0]
    expect(entry.action).toBe('webhooks.set')
    expect(JSON.stringify(entry)).not.toContain('S3CR3T')
    expect(entry.after[0].url).toMatch(/^https:\/\/hooks\.slack\.com\/… \(sha256 [0-9a-f]{16}\)$/)
  })

  it('refuses a PagerDuty webhook without its routing key', async () => {
    const model = uniqueModel('pd')
    await adminOk('PUT', `/models/${model}`, { risk: 'low' }, 201)
    const res = await admin('PUT', `/models/${model}/webhooks`, {
      webhooks: [{ url: 'https://events.pagerduty.com/v2/enqueue', format: 'pagerduty' }],
    })
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors.map((e: any) => e.field)).toContain('webhooks.0.routing_key')
  })

  it('refuses an action item index that is not a number (a blank is not item 0)', async () => {
    // A well-formed id (26 characters), so that only the index can make this a 400.
    const res = await admin('POST', '/incidents/inc_0123456789abcdefghijklmnop/action-items/%20/close')
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors.map((e: any) => e.field)).toEqual(['index'])
    expect((await admin('POST', '/incidents/inc_0123456789abcdefghijklmnop/action-items/0/close')).status).toBe(404)
  })
})

describe('audit order and actor names', () => {
  it('pages the audit log newest first on request', async () => {
    const model = uniqueModel('desc')
    await setupModel(model, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
    const page = await adminOk('GET', `/audit?model=${model}&order=desc&limit=2`)
    expect(page.entries.map((e: any) => e.seq)).toEqual([3, 2])
    const next = await adminOk(
      'GET',
      `/audit?model=${model}&order=desc&limit=2&cursor=${encodeURIComponent(page.next_cursor)}`,
    )
    expect(next.entries.map((e: any) => e.seq)).toEqual([1])
  })

  it('refuses an actor name it could not record', async () => {
    const res = await admin(
      'PUT',
      `/models/${uniqueModel('actor')}`,
      { risk: 'low' },
      { headers: { 'x-modelgate-actor': 'alice smith; drop' } },
    )
    expect(res.status).toBe(400)
    expect((await problemOf(res)).errors[0].field).toBe('header.x-modelgate-actor')
  })

  it('says which rollout a model-level rollback ended', async () => {
    const model = uniqueModel('rbend')
    await setupModel(model, {
      risk: 'low',
      versions: { v1: inject('upstreamA'), v2: inject('upstreamB') },
      champion: 'v1',
    })
    const ro = await adminOk(
      'POST',
      `/models/${model}/rollouts`,
      { challenger: 'v2', strategy: 'canary', waive_evaluation: true },
      201,
    )
    const rb = await adminOk('POST', `/models/${model}/rollback`, {})
    expect(rb.ended_rollout).toBe(ro.id)
    expect(Date.parse(rb.at)).toBeGreaterThan(0)
  })
})

describe('OpenAPI coverage', () => {
  it('documents the data plane, health, and 413/415 on every JSON-body route', async () => {
    const doc = (await (await admin('GET', '/openapi.json', undefined, { token: null })).json()) as any
    expect(doc.paths['/v1/models/{model}/{path}'].post.responses['200'].headers['x-model-version']).toBeDefined()
    expect(doc.paths['/healthz'].get).toBeDefined()
    expect(doc.components.securitySchemes.gatewayKey).toMatchObject({ type: 'apiKey', name: 'x-modelgate-key' })
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        if (!op.requestBody) continue
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '413', '415']))
      }
    }
  })

  it('documents 400 on every admin route with a validated path parameter', async () => {
    const doc = (await (await admin('GET', '/openapi.json', undefined, { token: null })).json()) as any
    const missing: string[] = []
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      if (!path.startsWith('/admin') || !path.includes('{')) continue
      for (const [method, op] of Object.entries<any>(item)) if (!op.responses['400']) missing.push(`${method} ${path}`)
    }
    expect(missing).toEqual([])
    expect(doc.paths['/admin/models/{model}/rollouts'].post.responses['503']).toBeDefined()
  })

  it('gives every JSON body a schema with its fields (no free-form objects)', async () => {
    const doc = (await (await admin('GET', '/openapi.json', undefined, { token: null })).json()) as any
    const schemas = doc.components.schemas as Record<string, any>
    const freeForm = (s: any): boolean => {
      if (s === undefined) return true
      if (s.$ref) return freeForm(schemas[s.$ref.split('/').pop()])
      if (s.anyOf || s.oneOf || s.allOf) return false
      return s.type === 'object' && Object.keys(s.properties ?? {}).length === 0
    }
    const loose: string[] = []
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        for (const [status, res] of Object.entries<any>(op.responses ?? {})) {
          for (const [type, body] of Object.entries<any>(res.content ?? {})) {
            if (type.includes('json') && freeForm(body.schema)) loose.push(`${method} ${path} ${status} ${type}`)
          }
        }
        for (const [type, body] of Object.entries<any>(op.requestBody?.content ?? {})) {
          if (freeForm(body.schema)) loose.push(`${method} ${path} request ${type}`)
        }
      }
    }
    expect(loose).toEqual([])
  })
})
