/**
 * @module adapters/d1/schema
 * D1 tables (drizzle). D1 is the queryable history: registry mirror, routing history and the
 * audit log. The model's Durable Object is the source of truth and the only writer of its rows;
 * it writes them through an outbox, so a D1 outage delays history but never loses it.
 */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

export const models = sqliteTable('models', {
  name: text('name').primaryKey(),
  risk: text('risk').notNull(),
  unitHeader: text('unit_header').notNull(),
  slaP99Ms: real('sla_p99_ms'),
  fallbackToChampion: integer('fallback_to_champion', { mode: 'boolean' }).notNull(),
  champion: text('champion'),
  epoch: integer('epoch').notNull(),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
})

export const versions = sqliteTable(
  'versions',
  {
    model: text('model').notNull(),
    name: text('name').notNull(),
    backend: text('backend', { mode: 'json' }).notNull(),
    registeredAt: text('registered_at').notNull(),
    firstExposedEpoch: integer('first_exposed_epoch'),
  },
  (t) => [primaryKey({ columns: [t.model, t.name] })]
)

export const routingHistory = sqliteTable(
  'routing_history',
  {
    model: text('model').notNull(),
    epoch: integer('epoch').notNull(),
    snapshot: text('snapshot', { mode: 'json' }).notNull(),
    actor: text('actor').notNull(),
    reason: text('reason').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.model, t.epoch] })]
)

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    stream: text('stream').notNull(),
    seq: integer('seq').notNull(),
    at: text('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target').notNull(),
    before: text('before', { mode: 'json' }),
    after: text('after', { mode: 'json' }),
    reason: text('reason').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [uniqueIndex('audit_stream_seq').on(t.stream, t.seq), index('audit_at').on(t.at)]
)
