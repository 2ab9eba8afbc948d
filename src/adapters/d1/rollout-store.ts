/**
 * @module adapters/d1/rollout-store
 * Reads over rollouts, verdicts, incidents and webhook deliveries (written by the coordinators).
 */
import { and, eq, isNull, or, gte } from 'drizzle-orm'
import { newestRows, type Db } from './registry-store'
import * as schema from './schema'

/** The model a rollout or incident belongs to; null when there is no such id. */
async function modelOf<T extends typeof schema.rollouts | typeof schema.incidents>(db: Db, table: T, id: string) {
  const row = await db.select({ model: table.model }).from(table).where(eq(table.id, id)).limit(1)
  return row[0]?.model ?? null
}

export function rolloutModel(db: Db, id: string): Promise<string | null> {
  return modelOf(db, schema.rollouts, id)
}

export function incidentModel(db: Db, id: string): Promise<string | null> {
  return modelOf(db, schema.incidents, id)
}

export async function listRollouts(db: Db, model: string | undefined, limit: number) {
  const t = schema.rollouts
  return newestRows(db, t, model ? eq(t.model, model) : undefined, t.createdAt, limit)
}

/**
 * Models a tick must visit: a rollout still running, or one that ended recently (a rollback may
 * still await its confirmation).
 */
export async function modelsToTick(db: Db, recentSince: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ model: schema.rollouts.model })
    .from(schema.rollouts)
    .where(
      or(
        isNull(schema.rollouts.endedAt),
        and(eq(schema.rollouts.outcome, 'rolled_back'), gte(schema.rollouts.endedAt, recentSince)),
      ),
    )
  return rows.map((r) => r.model)
}

/** The newest `limit` verdicts of a rollout, in time order (a long watch can exceed any page). */
export async function listVerdicts(db: Db, rolloutId: string, limit: number) {
  const t = schema.verdicts
  const rows = await newestRows(db, t, eq(t.rolloutId, rolloutId), t.at, limit)
  return rows.reverse()
}

export async function listIncidents(db: Db, model: string | undefined, limit: number) {
  const t = schema.incidents
  return newestRows(db, t, model ? eq(t.model, model) : undefined, t.at, limit)
}

/** A recorded delivery attempt, as D1 returns it. */
export type DeliveryRecord = typeof schema.webhookDeliveries.$inferSelect

export async function listDeliveries(db: Db, model: string, limit: number): Promise<DeliveryRecord[]> {
  const t = schema.webhookDeliveries
  return newestRows(db, t, eq(t.model, model), t.at, limit)
}
