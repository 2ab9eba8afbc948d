/**
 * @module adapters/d1/registry-store
 * Queries over the registry, routing history and audit tables.
 *
 * Writes are idempotent upserts/inserts-or-ignore because the coordinator's outbox may replay a
 * record after a partial failure; a replay must never duplicate or reorder history.
 */
import { and, asc, desc, eq, gte, isNull, lte, sql, type SQL } from 'drizzle-orm'
import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1'
import type { BatchItem } from 'drizzle-orm/batch'
import type { SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { AuditEntry } from '../../core/audit/chain'
import { modelWarnings, type ModelWarning } from '../../core/registry/bounds'
import type { ModelState } from '../../core/registry/model-state'
import type { RoutingSnapshot } from '../../schemas/routing'
import * as schema from './schema'

export type Db = DrizzleD1Database<typeof schema>

export function openDb(d1: D1Database): Db {
  return drizzle(d1, { schema })
}

/** The newest `limit` rows of `table` that match `where` (all when undefined), newest first by `by`. */
export function newestRows<T extends SQLiteTable>(
  db: Db,
  table: T,
  where: SQL | undefined,
  by: SQLiteColumn,
  limit: number,
) {
  return db.select().from(table).where(where).orderBy(desc(by)).limit(limit)
}

/** One committed registry change: the model's new state and the snapshot it published. */
export interface HistoryRecord {
  state: ModelState
  snapshot: RoutingSnapshot
}

export function historyStatements(db: Db, rec: HistoryRecord): BatchItem<'sqlite'>[] {
  const s = rec.state
  const modelRow = {
    name: s.model,
    risk: s.risk,
    unitHeader: s.unit_header,
    slaP99Ms: s.sla?.p99_ms ?? null,
    fallbackToChampion: s.fallback_to_champion,
    champion: s.routing?.champion ?? null,
    epoch: s.epoch,
    metricShards: s.metric_shards,
    createdAt: s.created_at,
    updatedAt: s.updated_at,
  }
  const { name: _name, ...modelUpdate } = modelRow
  const stmts: BatchItem<'sqlite'>[] = [
    db
      .insert(schema.models)
      .values(modelRow)
      .onConflictDoUpdate({
        target: schema.models.name,
        set: modelUpdate,
        setWhere: lte(schema.models.epoch, s.epoch),
      }),
  ]
  for (const [name, v] of Object.entries(s.versions)) {
    const row = {
      model: s.model,
      name,
      backend: v.backend,
      registeredAt: v.registered_at,
      firstExposedEpoch: v.first_exposed_epoch,
    }
    stmts.push(
      db
        .insert(schema.versions)
        .values(row)
        .onConflictDoUpdate({
          target: [schema.versions.model, schema.versions.name],
          set: { backend: row.backend, firstExposedEpoch: row.firstExposedEpoch },
        }),
    )
  }
  stmts.push(
    db
      .insert(schema.routingHistory)
      .values({
        model: s.model,
        epoch: rec.snapshot.epoch,
        snapshot: rec.snapshot,
        actor: rec.snapshot.actor,
        reason: rec.snapshot.reason,
        createdAt: rec.snapshot.published_at,
      })
      .onConflictDoNothing(),
  )
  return stmts
}

export function auditInsert(db: Db, e: AuditEntry): BatchItem<'sqlite'> {
  return db.insert(schema.auditLog).values(e).onConflictDoNothing()
}

export interface ModelSummary {
  name: string
  risk: string
  champion: string | null
  epoch: number
  metric_shards: number
  updated_at: string
}

export async function listModels(db: Db): Promise<ModelSummary[]> {
  const rows = await db.select().from(schema.models).orderBy(asc(schema.models.name)).limit(1000)
  return rows.map((r) => ({
    name: r.name,
    risk: r.risk,
    champion: r.champion,
    epoch: r.epoch,
    metric_shards: r.metricShards,
    updated_at: r.updatedAt,
  }))
}

/** The `rollouts.last_verdict` JSON column, read defensively (rows written by older versions). */
export function storedVerdictOf(v: unknown): { decision: string; reason: string; at: string } | null {
  if (v === null || typeof v !== 'object') return null
  const o = v as Record<string, unknown>
  return typeof o.decision === 'string'
    ? { decision: o.decision, reason: String(o.reason ?? ''), at: String(o.at ?? '') }
    : null
}

export interface ModelOverview extends ModelSummary {
  /** Weights of the routing table at the model's current epoch (empty before the first publish). */
  weights: Record<string, number>
  /** What the model still lacks, from the metrics of its current snapshot (core/registry/bounds). */
  warnings: ModelWarning[]
  active_rollout: {
    id: string
    challenger: string
    phase: string
    step_index: number
    last_verdict: { decision: string; reason: string; at: string } | null
  } | null
}

/**
 * Every model with its current weights and active rollout, in three queries (not one call per
 * model). Read from D1, which the coordinators update through their outbox right after each change.
 */
export async function listModelOverviews(db: Db): Promise<ModelOverview[]> {
  const [models, tables, active] = await db.batch([
    db.select().from(schema.models).orderBy(asc(schema.models.name)).limit(1000),
    db
      .select({ model: schema.routingHistory.model, snapshot: schema.routingHistory.snapshot })
      .from(schema.routingHistory)
      .innerJoin(
        schema.models,
        and(eq(schema.routingHistory.model, schema.models.name), eq(schema.routingHistory.epoch, schema.models.epoch)),
      ),
    db.select().from(schema.rollouts).where(isNull(schema.rollouts.endedAt)).orderBy(desc(schema.rollouts.createdAt)),
  ])
  const weights = new Map(tables.map((t) => [t.model, (t.snapshot as RoutingSnapshot).routing?.weights ?? {}]))
  const warnings = new Map(tables.map((t) => [t.model, modelWarnings((t.snapshot as RoutingSnapshot).metrics ?? [])]))
  const running = new Map<string, (typeof active)[number]>()
  for (const r of active) if (!running.has(r.model)) running.set(r.model, r)
  return models.map((m) => {
    const r = running.get(m.name)
    return {
      name: m.name,
      risk: m.risk,
      champion: m.champion,
      epoch: m.epoch,
      metric_shards: m.metricShards,
      updated_at: m.updatedAt,
      weights: weights.get(m.name) ?? {},
      warnings: warnings.get(m.name) ?? [],
      active_rollout: r
        ? {
            id: r.id,
            challenger: r.challenger,
            phase: r.phase,
            step_index: r.stepIndex,
            last_verdict: storedVerdictOf(r.lastVerdict),
          }
        : null,
    }
  })
}

export interface AuditCursor {
  at: string
  stream: string
  seq: number
}

export interface AuditQuery {
  stream?: string
  from?: string
  to?: string
  /** Keyset pagination: entries strictly after (or, newest first, before) this (at, stream, seq). */
  after?: AuditCursor
  limit: number
  newestFirst?: boolean
}

export async function listAudit(db: Db, q: AuditQuery): Promise<AuditEntry[]> {
  const conds: SQL[] = []
  if (q.stream !== undefined) conds.push(eq(schema.auditLog.stream, q.stream))
  if (q.from !== undefined) conds.push(gte(schema.auditLog.at, q.from))
  if (q.to !== undefined) conds.push(lte(schema.auditLog.at, q.to))
  const t = schema.auditLog
  if (q.after !== undefined) {
    const { at, stream, seq } = q.after
    conds.push(
      q.newestFirst
        ? sql`(${t.at} < ${at} OR (${t.at} = ${at} AND (${t.stream} < ${stream} OR (${t.stream} = ${stream} AND ${t.seq} < ${seq}))))`
        : sql`(${t.at} > ${at} OR (${t.at} = ${at} AND (${t.stream} > ${stream} OR (${t.stream} = ${stream} AND ${t.seq} > ${seq}))))`,
    )
  }
  const dir = q.newestFirst ? desc : asc
  return db
    .select()
    .from(t)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(dir(t.at), dir(t.stream), dir(t.seq))
    .limit(q.limit)
}

/** All entries of one stream in chain order, for verification. */
export async function streamEntries(db: Db, stream: string): Promise<AuditEntry[]> {
  return db.select().from(schema.auditLog).where(eq(schema.auditLog.stream, stream)).orderBy(asc(schema.auditLog.seq))
}

export async function auditStreams(db: Db): Promise<string[]> {
  const rows = await db
    .selectDistinct({ stream: schema.auditLog.stream })
    .from(schema.auditLog)
    .orderBy(asc(schema.auditLog.stream))
  return rows.map((r) => r.stream)
}
