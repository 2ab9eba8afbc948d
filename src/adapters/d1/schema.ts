/**
 * @module adapters/d1/schema
 * D1 tables (drizzle). D1 is the queryable history: registry mirror, routing history and the
 * audit log. The model's Durable Object is the source of truth and the only writer of its rows;
 * it writes them through an outbox, so a D1 outage delays history but never loses it.
 */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import type { DeliveryStatus } from '../../core/alerts/format'
import type { AlertKind } from '../../core/rollout/io'

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
  (t) => [primaryKey({ columns: [t.model, t.name] })],
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
  (t) => [primaryKey({ columns: [t.model, t.epoch] })],
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
    // Named as AuditEntry names it: entries go in and come out without a mapping.
    prev_hash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [uniqueIndex('audit_stream_seq').on(t.stream, t.seq), index('audit_at').on(t.at)],
)

/** Key columns of per-minute measurement rows (each table needs its own column builders). */
const measurementKey = () => ({
  model: text('model').notNull(),
  shard: integer('shard').notNull(),
  minute: integer('minute').notNull(),
  epoch: integer('epoch').notNull(),
  version: text('version').notNull(),
  arm: text('arm').notNull(),
  segment: text('segment').notNull(),
})

/** Per-minute measurement rows, one per metrics shard (rolled up by cron from the shards). */
export const metricMinutes = sqliteTable(
  'metric_minutes',
  {
    ...measurementKey(),
    requests: integer('requests').notNull(),
    errors: integer('errors').notNull(),
    data: text('data', { mode: 'json' }).notNull(),
    /** The shard's revision of the row: an overlapping rollup never replaces it with an older copy. */
    rev: integer('rev').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.model, t.shard, t.minute, t.epoch, t.version, t.arm, t.segment] }),
    index('metric_minutes_model_minute').on(t.model, t.minute),
  ],
)

/** Business outcomes per request minute (the minute the request was served, not received). */
export const outcomeMinutes = sqliteTable(
  'outcome_minutes',
  {
    ...measurementKey(),
    metric: text('metric').notNull(),
    n: integer('n').notNull(),
    sum: real('sum').notNull(),
    sumSq: real('sum_sq').notNull(),
    /** As metric_minutes.rev. */
    rev: integer('rev').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.model, t.shard, t.minute, t.epoch, t.version, t.arm, t.segment, t.metric] }),
    index('outcome_minutes_model_minute').on(t.model, t.minute),
  ],
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
  // One sample per request and shadow version: a sample exported twice (overlapping rollups) is kept once.
  (t) => [
    index('shadow_samples_model_id').on(t.model, t.id),
    uniqueIndex('shadow_samples_request').on(t.model, t.requestHash, t.version),
  ],
)

/** One row per rollout, kept current by the model's coordinator (the state itself lives there). */
export const rollouts = sqliteTable(
  'rollouts',
  {
    id: text('id').primaryKey(),
    model: text('model').notNull(),
    challenger: text('challenger').notNull(),
    champion: text('champion').notNull(),
    strategies: text('strategies', { mode: 'json' }).notNull(),
    phase: text('phase').notNull(),
    stepIndex: integer('step_index').notNull(),
    outcome: text('outcome'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    endedAt: text('ended_at'),
    lastVerdict: text('last_verdict', { mode: 'json' }),
  },
  (t) => [index('rollouts_model').on(t.model, t.createdAt), index('rollouts_active').on(t.endedAt)],
)

/** Every gate evaluation with the numbers behind it. */
export const verdicts = sqliteTable(
  'verdicts',
  {
    id: text('id').primaryKey(),
    rolloutId: text('rollout_id').notNull(),
    model: text('model').notNull(),
    stepIndex: integer('step_index').notNull(),
    stepEpoch: integer('step_epoch'),
    at: text('at').notNull(),
    decision: text('decision').notNull(),
    decisive: integer('decisive', { mode: 'boolean' }).notNull(),
    reason: text('reason').notNull(),
    metrics: text('metrics', { mode: 'json' }).notNull(),
    srm: text('srm', { mode: 'json' }).notNull(),
  },
  (t) => [index('verdicts_rollout').on(t.rolloutId, t.at)],
)

/** Rollbacks as incidents: trigger, impact, confirmation and the retrospective. */
export const incidents = sqliteTable(
  'incidents',
  {
    id: text('id').primaryKey(),
    model: text('model').notNull(),
    rolloutId: text('rollout_id'),
    at: text('at').notNull(),
    trigger: text('trigger').notNull(),
    actor: text('actor').notNull(),
    summary: text('summary').notNull(),
    impact: text('impact', { mode: 'json' }),
    confirmation: text('confirmation', { mode: 'json' }),
    retrospective: text('retrospective', { mode: 'json' }),
    openActionItems: integer('open_action_items').notNull().default(0),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('incidents_model').on(t.model, t.at)],
)

/** Alert destinations per model. */
export const webhooks = sqliteTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    model: text('model').notNull(),
    url: text('url').notNull(),
    format: text('format').notNull(),
    events: text('events', { mode: 'json' }).$type<AlertKind[]>().notNull(),
    routingKey: text('routing_key'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('webhooks_model').on(t.model)],
)

/** Every delivery attempt of every alert. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').notNull(),
    attempt: integer('attempt').notNull(),
    webhookId: text('webhook_id').notNull(),
    model: text('model').notNull(),
    event: text('event').notNull(),
    format: text('format').notNull(),
    at: text('at').notNull(),
    status: text('status').$type<DeliveryStatus>().notNull(),
    responseCode: integer('response_code'),
    error: text('error'),
  },
  (t) => [primaryKey({ columns: [t.id, t.attempt] }), index('deliveries_model').on(t.model, t.at)],
)
