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
  metricShards: integer('metric_shards').notNull().default(4),
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

/** Per-minute measurement rows, one per metrics shard (rolled up by cron from the shards). */
export const metricMinutes = sqliteTable(
  'metric_minutes',
  {
    model: text('model').notNull(),
    shard: integer('shard').notNull(),
    minute: integer('minute').notNull(),
    epoch: integer('epoch').notNull(),
    version: text('version').notNull(),
    arm: text('arm').notNull(),
    segment: text('segment').notNull(),
    requests: integer('requests').notNull(),
    errors: integer('errors').notNull(),
    data: text('data', { mode: 'json' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.model, t.shard, t.minute, t.epoch, t.version, t.arm, t.segment] }), index('metric_minutes_model_minute').on(t.model, t.minute)]
)

/** Business outcomes per request minute (the minute the request was served, not received). */
export const outcomeMinutes = sqliteTable(
  'outcome_minutes',
  {
    model: text('model').notNull(),
    shard: integer('shard').notNull(),
    minute: integer('minute').notNull(),
    epoch: integer('epoch').notNull(),
    version: text('version').notNull(),
    arm: text('arm').notNull(),
    segment: text('segment').notNull(),
    metric: text('metric').notNull(),
    n: integer('n').notNull(),
    sum: real('sum').notNull(),
    sumSq: real('sum_sq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.model, t.shard, t.minute, t.epoch, t.version, t.arm, t.segment, t.metric] }), index('outcome_minutes_model_minute').on(t.model, t.minute)]
)

/** A sample of paired shadow outputs for offline analysis; bounded per model by retention. */
export const shadowSamples = sqliteTable(
  'shadow_samples',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    model: text('model').notNull(),
    at: text('at').notNull(),
    requestHash: text('request_hash').notNull(),
    version: text('version').notNull(),
    verdict: text('verdict').notNull(),
    championOutput: text('champion_output', { mode: 'json' }),
    shadowOutput: text('shadow_output', { mode: 'json' }),
  },
  (t) => [index('shadow_samples_model_id').on(t.model, t.id)]
)
