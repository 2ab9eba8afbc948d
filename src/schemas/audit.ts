/**
 * @module schemas/audit
 * The append-only audit log: entries (hash-chained per model) and the chain verification report.
 */
import { z } from 'zod'
import { IsoTime } from './common'

export const AuditEntryView = z
  .object({
    id: z.string(),
    stream: z.string(),
    seq: z.number().int(),
    at: IsoTime,
    actor: z.string(),
    action: z.string(),
    target: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    reason: z.string(),
    prev_hash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' })

export const AuditList = z
  .object({ entries: z.array(AuditEntryView), next_cursor: z.string().nullable() })
  .meta({ id: 'AuditList' })

export const ChainReport = z
  .object({
    ok: z.boolean(),
    streams: z.array(
      z.object({
        stream: z.string(),
        ok: z.boolean(),
        checked: z.number().int(),
        complete: z.boolean().meta({
          description:
            "D1 holds every entry up to the writer's newest (false while a D1 outage's entries still wait in the writer's outbox: the check then covers the chain D1 has)",
        }),
        broken_at: z.object({ stream: z.string(), seq: z.number().int(), problem: z.string() }).nullable(),
      }),
    ),
  })
  .meta({ id: 'ChainReport' })
export type ChainReport = z.infer<typeof ChainReport>
