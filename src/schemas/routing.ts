/**
 * @module schemas/routing
 * Routing tables (what the operator asks for) and snapshots (what the data plane reads from KV).
 */
import { z } from 'zod'
import { BUCKETS, HASH_VERSIONS } from '../core/routing/hash'
import { segmentProblems } from '../core/routing/layout'
import { CF_FIELDS } from '../core/routing/types'
import { Epoch, HeaderName, IsoTime, ModelName, Percent, VersionName } from './common'
import { Backend, BusinessMetric, MetricCovariate, ShadowCompare } from './model'
import type * as core from '../core/routing/types'
import type { Checked } from './conforms'

export const MAX_RULES = 50
export const MAX_IN_VALUES = 100

export const RuleCondition = z
  .strictObject({
    header: HeaderName.optional(),
    cf: z
      .enum(CF_FIELDS)
      .optional()
      .meta({
        description:
          "A field of the request's location from the Workers runtime (request.cf), matched as Cloudflare " +
          'reports it: country "NZ", continent "OC", colo "AKL". A request without it never matches',
      }),
    equals: z.string().max(256).optional(),
    in: z.array(z.string().max(256)).min(1).max(MAX_IN_VALUES).optional(),
    prefix: z.string().min(1).max(256).optional(),
  })
  .refine((c) => (c.header === undefined) !== (c.cf === undefined), 'exactly one of header or cf')
  .refine(
    (c) => [c.equals, c.in, c.prefix].filter((x) => x !== undefined).length === 1,
    'exactly one of equals, in or prefix',
  )
  .meta({
    id: 'RuleCondition',
    description: 'Exactly one of header or cf (what to read), and exactly one of equals, in or prefix',
  })
export type RuleCondition = Checked<typeof RuleCondition, core.RuleCondition>

export const CohortRule = z
  .strictObject({
    when: RuleCondition,
    version: VersionName,
    percent: Percent.optional().meta({
      description: 'Share of the matching cohort sent to the version (sticky); the rest falls through',
    }),
  })
  .meta({ id: 'CohortRule' })
export type CohortRule = Checked<typeof CohortRule, core.CohortRule>

export const ShadowTarget = z
  .strictObject({
    version: VersionName,
    sample_rate: z.number().min(0).max(1),
  })
  .meta({ id: 'ShadowTarget' })
export type ShadowTarget = Checked<typeof ShadowTarget, core.ShadowTarget>

export const RoutingInput = z
  .strictObject({
    weights: z.record(VersionName, Percent).meta({ example: { v1: 90, v2: 10 } }),
    rules: z.array(CohortRule).max(MAX_RULES).default([]),
    shadow: ShadowTarget.nullable().optional(),
    reason: z.string().max(500).optional(),
  })
  .meta({ id: 'RoutingInput' })
export type RoutingInput = Checked<typeof RoutingInput, core.RoutingInput>

/** The routing part of a snapshot. Weights are in basis points internally only; here percents. */
export const RoutingTable = z
  .object({
    champion: VersionName,
    weights: z.record(VersionName, Percent),
    rules: z.array(CohortRule),
    shadow: ShadowTarget.nullable(),
  })
  .meta({ id: 'RoutingTable' })
export type RoutingTable = Checked<typeof RoutingTable, core.RoutingTable>

const Bucket = z.number().int().min(0).max(BUCKETS)

/** Hash v2's layout (docs/routing.md): per version, its bucket segments in acquisition order. */
export const Segments = z.record(VersionName, z.array(z.tuple([Bucket, Bucket])).max(BUCKETS)).meta({
  id: 'Segments',
  description: 'Hash v2: the weight buckets [from, to) of 10000 each version owns, in the order it acquired them',
})
export type Segments = Checked<typeof Segments, core.Segments>

/**
 * A metric as a snapshot carries it: BusinessMetric with its checks, but unknown keys (its own and
 * its covariate's) dropped rather than refused, so a Worker of an older build still routes on a
 * snapshot whose metrics gained a field (README, "Deploying"). Admin input stays strict.
 */
const SnapshotMetric = BusinessMetric.safeExtend({ covariate: MetricCovariate.strip().optional() }).strip()

/**
 * Everything the data plane needs to route one request, published by the model's coordinator.
 * Immutable once published: a change produces a new snapshot with a larger epoch.
 */
export const RoutingSnapshot = z
  .object({
    schema: z.literal(1),
    model: ModelName,
    epoch: Epoch,
    hash_version: z.union(HASH_VERSIONS.map((v) => z.literal(v)) as [z.ZodLiteral<1>, z.ZodLiteral<2>]),
    segments: Segments.optional(),
    salt: z.string().min(8),
    unit_header: z.string(),
    fallback_to_champion: z.boolean(),
    routing: RoutingTable.nullable().meta({ description: 'Null until a champion is set' }),
    versions: z.record(VersionName, Backend),
    metrics: z.array(SnapshotMetric),
    shadow_compare: ShadowCompare.nullable(),
    metric_shards: z.number().int().min(1),
    published_at: IsoTime,
    actor: z.string(),
    reason: z.string(),
  })
  .superRefine((snap, ctx) => {
    // A v2 snapshot routes by its segments, so they must match its weights exactly.
    if (snap.hash_version !== 2 || snap.routing === null) return
    const problems =
      snap.segments === undefined ? ['hash v2 needs segments'] : segmentProblems(snap.routing, snap.segments)
    for (const message of problems) ctx.addIssue({ code: 'custom', path: ['segments'], message })
  })
  .meta({ id: 'RoutingSnapshot' })
export type RoutingSnapshot = Checked<typeof RoutingSnapshot, core.RoutingSnapshot>

/** One read of a model's current snapshot from the edge store: a KV failure or a malformed value is an error. */
export type SnapshotRead =
  { kind: 'found'; snapshot: RoutingSnapshot } | { kind: 'missing' } | { kind: 'error'; reason: string }
