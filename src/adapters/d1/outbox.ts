/**
 * @module adapters/d1/outbox
 * The rows a model's coordinator writes to D1, as plain records it can keep in its own storage
 * until D1 has them (the outbox). Every statement is an idempotent upsert or insert-or-ignore, so
 * replaying a record after a partial failure changes nothing.
 */
import { eq, lte } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { SQLiteUpdateSetSource } from 'drizzle-orm/sqlite-core'
import type { AuditEntry } from '../../core/audit/chain'
import type { ModelState } from '../../core/registry/model-state'
import type { RoutingSnapshot } from '../../schemas/routing'
import { auditInsert, historyStatements, type Db } from './registry-store'
import * as schema from './schema'

export type RolloutRow = typeof schema.rollouts.$inferInsert
export type VerdictRow = typeof schema.verdicts.$inferInsert
export type IncidentRow = typeof schema.incidents.$inferInsert
export type DeliveryRow = typeof schema.webhookDeliveries.$inferInsert
export type WebhookRow = typeof schema.webhooks.$inferInsert

export type OutboxRecord =
  | { kind: 'registry'; state: ModelState; snapshot: RoutingSnapshot }
  | { kind: 'audit'; entry: AuditEntry }
  | { kind: 'rollout'; row: RolloutRow }
  | { kind: 'verdict'; row: VerdictRow }
  | { kind: 'incident'; row: IncidentRow }
  | { kind: 'delivery'; row: DeliveryRow }
  | { kind: 'webhooks'; model: string; rows: WebhookRow[] }

/** Inserts a row, or replaces the stored one unless that one is newer (rows carry their updatedAt). */
function upsertNewer<T extends typeof schema.rollouts | typeof schema.incidents>(
  db: Db,
  table: T,
  row: T['$inferInsert'],
): BatchItem<'sqlite'> {
  // Every column but the key (drizzle leaves undefined values out of the SET).
  const set: SQLiteUpdateSetSource<T> = { ...row, id: undefined }
  return db
    .insert(table)
    .values(row)
    .onConflictDoUpdate({ target: table.id, set, setWhere: lte(table.updatedAt, row.updatedAt) })
}

function statements(db: Db, r: OutboxRecord): BatchItem<'sqlite'>[] {
  switch (r.kind) {
    case 'registry':
      return historyStatements(db, { state: r.state, snapshot: r.snapshot })
    case 'audit':
      return [auditInsert(db, r.entry)]
    case 'rollout':
      return [upsertNewer(db, schema.rollouts, r.row)]
    case 'verdict':
      return [db.insert(schema.verdicts).values(r.row).onConflictDoNothing()]
    case 'incident':
      return [upsertNewer(db, schema.incidents, r.row)]
    case 'delivery':
      return [db.insert(schema.webhookDeliveries).values(r.row).onConflictDoNothing()]
    case 'webhooks': {
      const out: BatchItem<'sqlite'>[] = [db.delete(schema.webhooks).where(eqModel(r.model))]
      for (const row of r.rows) out.push(db.insert(schema.webhooks).values(row))
      return out
    }
    default: {
      const never: never = r
      return never
    }
  }
}

function eqModel(model: string) {
  return eq(schema.webhooks.model, model)
}

export async function writeOutbox(db: Db, records: OutboxRecord[]): Promise<void> {
  const stmts = records.flatMap((r) => statements(db, r))
  if (stmts.length === 0) return
  await db.batch(stmts as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])
}
