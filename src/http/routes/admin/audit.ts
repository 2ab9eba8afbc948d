/**
 * @module http/routes/admin/audit
 * The append-only audit log: filtered listing with keyset pagination, JSON-lines and CSV export,
 * and verification of every stream's hash chain.
 */
import { z } from 'zod'
import type { AuditEntry } from '../../../core/audit/chain'
import { csvDocument } from '../../../core/audit/csv'
import type { AuditCursor } from '../../../services/audit'
import { DomainError } from '../../../core/errors'
import { AuditList, ChainReport } from '../../../schemas/audit'
import { ROLES, adminRoute, jsonResponse, newRouter, problems } from '../../openapi'

const AuditQuery = z.object({
  model: z.string().optional().meta({ description: "Only this model's stream" }),
  from: z.string().datetime().optional().meta({ description: 'Entries at or after this time' }),
  to: z.string().datetime().optional().meta({ description: 'Entries at or before this time' }),
  limit: z.coerce.number().int().min(1).max(5000).default(100),
  cursor: z.string().optional().meta({ description: 'next_cursor of the previous page' }),
  format: z.enum(['json', 'jsonl', 'csv']).default('json'),
  order: z.enum(['asc', 'desc']).default('asc').meta({ description: 'desc: newest first' }),
})

const list = adminRoute('audit', {
  method: 'get',
  path: '/audit',
  operationId: 'listAuditEntries',
  summary: 'Audit entries (JSON page, JSON lines or CSV)',
  roles: ROLES.any,
  request: { query: AuditQuery },
  responses: {
    200: {
      description: 'Entries',
      content: {
        'application/json': { schema: AuditList },
        'application/x-ndjson': { schema: z.string() },
        'text/csv': { schema: z.string() },
      },
    },
    ...problems(400),
  },
})

const verify = adminRoute('audit', {
  method: 'get',
  path: '/audit/verify',
  operationId: 'verifyAudit',
  summary: 'Verify the hash chain of every audit stream (or one model)',
  roles: ROLES.any,
  request: { query: z.object({ model: z.string().optional() }) },
  responses: { 200: jsonResponse(ChainReport, 'Verification report; ok is false if any link is broken') },
})

function encodeCursor(e: AuditEntry): string {
  return btoa(JSON.stringify({ at: e.at, stream: e.stream, seq: e.seq }))
}

function decodeCursor(s: string): AuditCursor {
  try {
    const c = JSON.parse(atob(s)) as AuditCursor
    if (typeof c.at === 'string' && typeof c.stream === 'string' && Number.isInteger(c.seq)) return c
  } catch {
    // fall through to the validation error
  }
  throw new DomainError('validation_failed', 'cursor is not valid', {
    fields: [{ field: 'query.cursor', message: 'use next_cursor from a previous page' }],
  })
}

const CSV_COLUMNS = [
  'id',
  'stream',
  'seq',
  'at',
  'actor',
  'action',
  'target',
  'reason',
  'before',
  'after',
  'prev_hash',
  'hash',
] as const

export const auditRoutes = newRouter()

auditRoutes.openapi(verify, async (c) => {
  const reports = await c.var.services.audit.verify(c.req.valid('query').model)
  return c.json({ ok: reports.every((r) => r.ok), streams: reports }, 200)
})

auditRoutes.openapi(list, async (c) => {
  const q = c.req.valid('query')
  const entries = await c.var.services.audit.list({
    ...(q.model ? { stream: q.model } : {}),
    // Stored times are toISOString() text (milliseconds, Z); a query time is compared in that form.
    ...(q.from ? { from: new Date(q.from).toISOString() } : {}),
    ...(q.to ? { to: new Date(q.to).toISOString() } : {}),
    ...(q.cursor ? { after: decodeCursor(q.cursor) } : {}),
    limit: q.limit,
    newestFirst: q.order === 'desc',
  })
  const last = entries.at(-1)
  const next = entries.length === q.limit && last ? encodeCursor(last) : null
  if (next) c.header('x-next-cursor', next)
  switch (q.format) {
    case 'json':
      return c.json({ entries, next_cursor: next }, 200)
    case 'jsonl':
      return c.body(entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''), 200, {
        'content-type': 'application/x-ndjson',
      })
    case 'csv': {
      return c.body(csvDocument(CSV_COLUMNS, entries), 200, {
        'content-type': 'text/csv; charset=utf-8',
      })
    }
    default: {
      const unknown: never = q.format
      throw new DomainError('validation_failed', `unknown format ${String(unknown)}`)
    }
  }
})
