/**
 * @module services/audit
 * Reading the append-only audit log, and verifying every stream's hash chain against the head its
 * coordinator sealed.
 */
import {
  auditStreams,
  listAudit,
  listModels,
  streamEntries,
  type AuditCursor,
  type AuditQuery,
  type Db,
} from '../adapters/d1/registry-store'
import type { CoordinatorClient } from '../adapters/do/coordinator-client'
import { needsHeadAfter, verifyStream, type AuditEntry, type StreamVerdict } from '../core/audit/chain'

export type { AuditCursor, AuditQuery }

export interface AuditDeps {
  db: Db
  coordinator: (model: string) => CoordinatorClient
}

export class AuditService {
  constructor(private readonly deps: AuditDeps) {}

  list(q: AuditQuery): Promise<AuditEntry[]> {
    return listAudit(this.deps.db, q)
  }

  /**
   * Verifies one model's stream, or every stream: every model's, and every stream D1 has rows for
   * (a model's whose rows were all deleted, or one no coordinator ever wrote: `head_missing`). A
   * coordinator that cannot be asked for its head makes the whole check 503 (storage_unavailable),
   * never a pass on the chain alone.
   */
  async verify(model: string | undefined): Promise<Array<{ stream: string } & StreamVerdict>> {
    const db = this.deps.db
    const streams = model
      ? [model]
      : [...new Set([...(await auditStreams(db)), ...(await listModels(db)).map((m) => m.name)])].sort()
    const reports = []
    for (const stream of streams) {
      const coordinator = this.deps.coordinator(stream)
      // The head, then D1, then (only when D1 has rows past that head) the head again: rows the
      // writer appended while D1 was read lie below the second head; rows past it were never sealed
      // (see core/audit/chain HeadsAround).
      const before = await coordinator.auditHead()
      const entries = await streamEntries(db, stream)
      const after = needsHeadAfter(entries, before) ? await coordinator.auditHead() : before
      reports.push({ stream, ...(await verifyStream(stream, entries, { before, after })) })
    }
    return reports
  }
}
