/**
 * @module adapters/d1/rollout-store
 * Reads over rollouts, verdicts, incidents and webhook deliveries (written by the coordinators).
 */
import { and, desc, eq, isNull, or, gte } from 'drizzle-orm'
import type { Db } from './registry-store'
import * as schema from './schema'

export async function rolloutModel(db: Db, id: string): Promise<string | null> {
  const row = await db
    .select({ model: schema.rollouts.model })
    .from(schema.rollouts)
    .where(eq(schema.rollouts.id, id))
    .limit(1)
  return row[0]?.model ?? null
}

export async function incidentModel(db: Db, id: string): Promise<string | null> {
  const row = await db
    .select({ model: schema.incidents.model })
    .from(schema.incidents)
    .where(eq(schema.incidents.id, id))
    .limit(1)
  return row[0]?.model ?? null
}

export async function listRollouts(db: Db, model: string | undefined, limit: number) {
  return db
    .select()
    .from(schema.rollouts)
    .where(model ? eq(schema.rollouts.model, model) : undefined)
    .orderBy(desc(schema.rollouts.createdAt))
    .limit(limit)
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
  const rows = await db
    .select()
    .from(schema.verdicts)
    .where(eq(schema.verdicts.rolloutId, rolloutId))
    .orderBy(desc(schema.verdicts.at))
    .limit(limit)
  return rows.reverse()
}

export async function listIncidents(db: Db, model: string | undefined, limit: number) {
  return db
    .select()
    .from(schema.incidents)
    .where(model ? eq(schema.incidents.model, model) : undefined)
    .orderBy(desc(schema.incidents.at))
    .limit(limit)
}

export async function listDeliveries(db: Db, model: string, limit: number) {
  return db
    .select()
    .from(schema.webhookDeliveries)
    .where(eq(schema.webhookDeliveries.model, model))
    .orderBy(desc(schema.webhookDeliveries.at))
    .limit(limit)
}
