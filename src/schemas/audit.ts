/**
 * @module schemas/audit
 * The append-only audit log: entries (hash-chained per model) and the chain verification report.
 */
import { z } from 'zod'
import { CHAIN_PROBLEMS, type StreamVerdict } from '../core/audit/chain'
import { IsoTime } from './common'
import type { Assert, Conforms } from './conforms'

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
        broken_at: z
          .object({
            stream: z.string(),
            seq: z
              .number()
              .int()
              .meta({ description: 'The first seq found wrong (for rows_missing: the first missing)' }),
            problem: z.enum(CHAIN_PROBLEMS).meta({
              description:
                "seq_gap, prev_hash_mismatch, hash_mismatch: the chain itself is broken; head_mismatch: the row at the writer's head is not the one it sealed; rows_missing: D1 ends before the writer's head; rows_beyond_head: a row past the writer's head (never sealed by it); head_missing: rows for a stream whose writer has no head",
            }),
            detail: z.string(),
          })
          .nullable(),
      }),
    ),
  })
  .meta({ id: 'ChainReport' })
export type ChainReport = z.infer<typeof ChainReport>
// Each stream's report is exactly what core/audit/chain verifyStream decides.
type _StreamReport = Assert<Conforms<typeof ChainReport.shape.streams.element, { stream: string } & StreamVerdict>>
