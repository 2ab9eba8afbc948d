/**
 * `GET /admin/audit/verify` holds each stream's rows in D1 against the head its writer (the model's
 * coordinator) sealed: tampering with D1 directly (env.DB, table audit_log) fails with its reason
 * from the closed vocabulary (core/audit/chain CHAIN_PROBLEMS), and a coordinator that cannot be
 * asked is a 503, never a pass on the chain alone.
 */
import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { coordinatorClient } from '../../src/adapters/do/coordinator-client'
import { faultState, setFaultPlan } from '../../src/adapters/faults'
import { sealEntry, type AuditEntry } from '../../src/core/audit/chain'
import { waitFor } from '../support/wait-for'
import { admin, adminOk, problemOf, settle, setupModel, uniqueModel } from './helpers/harness'

afterEach(() => setFaultPlan({}))

/** A registered model with a champion, and its writer's head (seq 3: model, version, champion). */
async function model(label: string): Promise<{ m: string; head: { seq: number; hash: string } }> {
  const m = uniqueModel(label)
  await setupModel(m, { versions: { v1: inject('upstreamA') }, champion: 'v1' })
  const head = await coordinatorClient(env.MODEL_COORDINATOR, m).auditHead()
  expect(head).toMatchObject({ seq: 3, inD1: true })
  return { m, head: head! }
}

async function rows(stream: string): Promise<AuditEntry[]> {
  return (await adminOk('GET', `/audit?model=${encodeURIComponent(stream)}&limit=500`)).entries
}

async function insertRow(e: AuditEntry): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO audit_log (id, stream, seq, at, actor, action, target, before, after, reason, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(
      e.id,
      e.stream,
      e.seq,
      e.at,
      e.actor,
      e.action,
      e.target,
      JSON.stringify(e.before),
      JSON.stringify(e.after),
      e.reason,
      e.prev_hash,
      e.hash,
    )
    .run()
}

/** An entry that continues `prev` with a valid hash chain, as anyone with write access to D1 could seal it. */
function forgedAfter(prev: AuditEntry, stream = prev.stream): Promise<AuditEntry> {
  const { hash: _h, ...fields } = prev
  return sealEntry({
    ...fields,
    id: `aud_forged_${prev.seq + 1}`,
    stream,
    seq: prev.seq + 1,
    action: 'routing.set',
    reason: 'forged: looks like an operator change',
    prev_hash: prev.hash,
  })
}

async function verifyOne(m: string): Promise<any> {
  const report = await adminOk('GET', `/audit/verify?model=${encodeURIComponent(m)}`)
  expect(report.streams).toHaveLength(1)
  expect(report.ok).toBe(report.streams[0].ok)
  return report.streams[0]
}

describe('audit verify is strict', () => {
  it('passes an untouched stream, complete up to its head', async () => {
    const { m, head } = await model('intact')
    expect(await verifyOne(m)).toEqual({ stream: m, ok: true, checked: head.seq, complete: true, broken_at: null })
  })

  it("fails a stream whose head's row was deleted (rows_missing)", async () => {
    const { m, head } = await model('headrow')
    await env.DB.prepare('DELETE FROM audit_log WHERE stream = ? AND seq = ?').bind(m, head.seq).run()
    expect(await verifyOne(m)).toMatchObject({
      ok: false,
      checked: head.seq - 1,
      broken_at: { stream: m, seq: head.seq, problem: 'rows_missing' },
    })
  })

  it('fails a forged row at head + 1, even with a valid-looking chain (rows_beyond_head, naming its seq)', async () => {
    const { m, head } = await model('forged')
    const existing = await rows(m)
    expect(existing.at(-1)?.hash).toBe(head.hash)
    await insertRow(await forgedAfter(existing.at(-1)!))
    const r = await verifyOne(m)
    expect(r).toMatchObject({
      ok: false,
      checked: head.seq,
      broken_at: { stream: m, seq: head.seq + 1, problem: 'rows_beyond_head' },
    })
    expect(r.broken_at.detail).toContain(`seq ${head.seq + 1}`)
    expect(r.broken_at.detail).toContain(`head (seq ${head.seq})`)
  })

  it('fails a row modified in place (hash_mismatch)', async () => {
    const { m } = await model('edited')
    await env.DB.prepare("UPDATE audit_log SET actor = 'someone-else' WHERE stream = ? AND seq = 2").bind(m).run()
    expect(await verifyOne(m)).toMatchObject({
      ok: false,
      checked: 1,
      broken_at: { stream: m, seq: 2, problem: 'hash_mismatch' },
    })
  })

  it('fails rows for a stream whose writer has no head (head_missing), alone and in the full report', async () => {
    const { m } = await model('source')
    // A valid chain under a name no coordinator ever wrote: the model's rows re-sealed as another stream.
    const ghost = uniqueModel('ghost')
    let prev: AuditEntry | null = null
    for (const e of await rows(m)) {
      const { hash: _h, ...fields } = e
      const copy: AuditEntry = await sealEntry({
        ...fields,
        id: `${e.id}_ghost`,
        stream: ghost,
        target: ghost,
        prev_hash: prev?.hash ?? e.prev_hash,
      })
      await insertRow(copy)
      prev = copy
    }
    expect(await verifyOne(ghost)).toMatchObject({
      ok: false,
      checked: 0,
      broken_at: { stream: ghost, seq: 1, problem: 'head_missing' },
    })
    const all = await adminOk('GET', '/audit/verify')
    expect(all.ok).toBe(false)
    const byStream = new Map<string, any>(all.streams.map((s: any) => [s.stream, s]))
    expect(byStream.get(ghost)).toMatchObject({ ok: false, broken_at: { problem: 'head_missing' } })
    // The untouched source model passes in the same report.
    expect(byStream.get(m)).toMatchObject({ ok: true, complete: true, broken_at: null })
  })

  it('answers 503 when the coordinator cannot be asked for its head, never a pass on the chain alone', async () => {
    const { m } = await model('unreachable')
    setFaultPlan({ coordinator: { kind: 'fail', methods: ['auditHead'] } })
    for (const path of [`/audit/verify?model=${m}`, '/audit/verify']) {
      const res = await admin('GET', path)
      expect(res.status, path).toBe(503)
      expect((await problemOf(res)).code).toBe('storage_unavailable')
    }
    setFaultPlan({})
    expect((await verifyOne(m)).ok).toBe(true)
  })

  it('passes rows the writer appended while D1 was being read (the head is read again after D1)', async () => {
    const { m, head } = await model('race')
    await settle()
    // The verification's D1 read waits 2.5 s after its first head read; a change lands meanwhile
    // (one admin write: well within that on a loaded machine too).
    setFaultPlan({ d1: { kind: 'delay', delay_ms: 2_500, methods: ['all', 'raw'] } })
    const verifying = adminOk('GET', `/audit/verify?model=${m}`)
    await waitFor('the verification waiting on D1', () => faultState().injected.d1 > 0, { intervalMs: 5 })
    setFaultPlan({})
    await adminOk('PUT', `/models/${m}/routing`, { weights: { v1: 100 }, reason: 'changed while verifying' })
    const now = await coordinatorClient(env.MODEL_COORDINATOR, m).auditHead()
    expect(now).toMatchObject({ seq: head.seq + 1, inD1: true })
    const report = await verifying
    // The row beyond the first head was read and judged against the second: it verifies.
    expect(report.streams[0]).toMatchObject({ stream: m, ok: true, checked: head.seq + 1, broken_at: null })
  })
})
