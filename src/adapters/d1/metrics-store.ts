/**
 * @module adapters/d1/metrics-store
 * D1 history of measurements: idempotent upserts of shard exports, and range reads for the
 * metrics API. Rows are per shard so a re-exported row replaces itself instead of adding up.
 */
import { and, asc, eq, gte, lt, lte, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { errorsOf, type Agg } from '../../core/metrics/aggregate'
import type { ExportBatch } from '../../core/metrics/shard-data'
import { newestRows, type Db } from './registry-store'
import * as schema from './schema'

/** Samples kept per model (oldest deleted first). */
export const SHADOW_SAMPLE_RETENTION = 1_000

async function requestHash(id: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(id))
  return [...new Uint8Array(d).slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export async function writeExport(db: Db, model: string, shard: number, batch: ExportBatch): Promise<number> {
  const stmts: BatchItem<'sqlite'>[] = []
  // Two rollups of one shard can overlap (cron and the controller): a row is replaced only by a copy
  // at least as new, so the one that writes last cannot put back an older count.
  for (const { key, agg, rev } of batch.minutes) {
    const row = {
      model,
      shard,
      minute: key.minute,
      epoch: key.epoch,
      version: key.version,
      arm: key.arm,
      segment: key.segment,
      requests: agg.requests,
      errors: errorsOf(agg),
      data: agg,
      rev,
    }
    stmts.push(
      db
        .insert(schema.metricMinutes)
        .values(row)
        .onConflictDoUpdate({
          target: [
            schema.metricMinutes.model,
            schema.metricMinutes.shard,
            schema.metricMinutes.minute,
            schema.metricMinutes.epoch,
            schema.metricMinutes.version,
            schema.metricMinutes.arm,
            schema.metricMinutes.segment,
          ],
          set: { requests: row.requests, errors: row.errors, data: row.data, rev },
          setWhere: sql`excluded.rev >= ${schema.metricMinutes.rev}`,
        }),
    )
  }
  for (const o of batch.outcomes) {
    stmts.push(
      db
        .insert(schema.outcomeMinutes)
        .values({ model, shard, ...o })
        .onConflictDoUpdate({
          target: [
            schema.outcomeMinutes.model,
            schema.outcomeMinutes.shard,
            schema.outcomeMinutes.minute,
            schema.outcomeMinutes.epoch,
            schema.outcomeMinutes.version,
            schema.outcomeMinutes.arm,
            schema.outcomeMinutes.segment,
            schema.outcomeMinutes.metric,
          ],
          set: { n: o.n, sum: o.sum, sumSq: o.sumSq, rev: o.rev },
          setWhere: sql`excluded.rev >= ${schema.outcomeMinutes.rev}`,
        }),
    )
  }
  for (const s of batch.samples) {
    stmts.push(
      db
        .insert(schema.shadowSamples)
        .values({
          model,
          at: new Date(s.at).toISOString(),
          requestHash: await requestHash(s.requestId),
          version: s.version,
          verdict: s.verdict,
          championOutput: s.championOutput ?? null,
          shadowOutput: s.shadowOutput ?? null,
        })
        .onConflictDoNothing(),
    )
  }
  if (batch.samples.length > 0) {
    stmts.push(
      db
        .delete(schema.shadowSamples)
        .where(
          and(
            eq(schema.shadowSamples.model, model),
            lt(
              schema.shadowSamples.id,
              sql`(SELECT id FROM ${schema.shadowSamples} WHERE ${schema.shadowSamples.model} = ${model} ORDER BY id DESC LIMIT 1 OFFSET ${SHADOW_SAMPLE_RETENTION - 1})`,
            ),
          ),
        ),
    )
  }
  if (stmts.length > 0) await db.batch(stmts as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])
  return stmts.length
}

/** Rows of a model older than `beforeMinute` deleted per call and table (one cron tick's share). */
export const PRUNE_ROWS = 10_000

/**
 * Deletes a model's minute and outcome history before `beforeMinute`, at most PRUNE_ROWS rows per
 * table per call, so one tick stays short however much has piled up; later ticks take the rest.
 */
export async function pruneHistory(db: Db, model: string, beforeMinute: number, limit = PRUNE_ROWS): Promise<number> {
  let deleted = 0
  for (const t of [schema.metricMinutes, schema.outcomeMinutes]) {
    const r = await db.run(
      sql`DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE ${t.model} = ${model} AND ${t.minute} < ${beforeMinute} LIMIT ${limit})`,
    )
    deleted += r.meta.changes ?? 0
  }
  return deleted
}

/** A model's rows of a per-minute table in [fromMinute, toMinute], in minute order; at most `limit` when given. */
async function inMinutes<T extends typeof schema.metricMinutes | typeof schema.outcomeMinutes>(
  db: Db,
  table: T,
  model: string,
  fromMinute: number,
  toMinute: number,
  limit?: number,
) {
  const q = db
    .select()
    .from(table)
    .where(and(eq(table.model, model), gte(table.minute, fromMinute), lte(table.minute, toMinute)))
    .orderBy(asc(table.minute))
  return limit === undefined ? await q : await q.limit(limit)
}

/** Minute rows of [fromMinute, toMinute] in minute order; at most `limit` when given (see readSeries). */
export async function minuteRows(
  db: Db,
  model: string,
  fromMinute: number,
  toMinute: number,
  limit?: number,
): Promise<Array<{ minute: number; version: string; arm: string; segment: string; epoch: number; agg: Agg }>> {
  const rows = await inMinutes(db, schema.metricMinutes, model, fromMinute, toMinute, limit)
  return rows.map((r) => ({
    minute: r.minute,
    version: r.version,
    arm: r.arm,
    segment: r.segment,
    epoch: r.epoch,
    agg: r.data as Agg,
  }))
}

/** Outcome rows of [fromMinute, toMinute] in minute order; at most `limit` when given. */
export async function outcomeRows(db: Db, model: string, fromMinute: number, toMinute: number, limit?: number) {
  return inMinutes(db, schema.outcomeMinutes, model, fromMinute, toMinute, limit)
}

/** A stored shadow pair, as D1 returns it. */
export type ShadowSampleRecord = typeof schema.shadowSamples.$inferSelect

export async function latestSamples(db: Db, model: string, limit: number): Promise<ShadowSampleRecord[]> {
  const t = schema.shadowSamples
  return newestRows(db, t, eq(t.model, model), t.id, limit)
}
