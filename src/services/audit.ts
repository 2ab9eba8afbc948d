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
import { verifyChain, verifyChainToHead, type AuditEntry, type ChainVerdict } from '../core/audit/chain'

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

  /** Verifies one model's stream, or every stream (also one whose rows were all deleted). */
  async verify(model: string | undefined): Promise<Array<{ stream: string; complete: boolean } & ChainVerdict>> {
    const db = this.deps.db
    const streams = model
      ? [model]
      : [...new Set([...(await auditStreams(db)), ...(await listModels(db)).map((m) => m.name)])].sort()
    const reports = []
    for (const stream of streams) {
      // The head first: entries appended while D1 is read (a cron tick) lie beyond it and are not
      // judged against it. A head D1 has not caught up with (a write outage) cannot judge the tail.
      const head = await this.deps.coordinator(stream).auditHead()
      const entries = await streamEntries(db, stream)
      const verdict =
        head === null || !head.inD1
          ? await verifyChain(entries)
          : await verifyChainToHead(
              stream,
              entries.filter((e) => e.seq <= head.seq),
              head,
            )
      // Streams without a writer's head (none recorded) are complete as far as anyone can tell.
      reports.push({ stream, complete: head === null || head.inD1, ...verdict })
    }
    return reports
  }
}
