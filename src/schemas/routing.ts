/**
 * @module schemas/routing
 * Routing tables (what the operator asks for) and snapshots (what the data plane reads from KV).
 */
import { z } from 'zod'
import { HASH_VERSIONS } from '../core/routing/hash'
import { Epoch, HeaderName, IsoTime, ModelName, Percent, VersionName } from './common'
import { Backend, BusinessMetric, ShadowCompare } from './model'
import type * as core from '../core/routing/types'
import type { Assert, Conforms } from './conforms'

export const MAX_RULES = 50
export const MAX_IN_VALUES = 100

export const RuleCondition = z
  .object({
    header: HeaderName,
    equals: z.string().max(256).optional(),
    in: z.array(z.string().max(256)).min(1).max(MAX_IN_VALUES).optional(),
    prefix: z.string().min(1).max(256).optional(),
  })
  .strict()
  .refine(
    (c) => [c.equals, c.in, c.prefix].filter((x) => x !== undefined).length === 1,
    'exactly one of equals, in or prefix',
  )
  .meta({ id: 'RuleCondition' })
export type RuleCondition = core.RuleCondition
type _RuleCondition = Assert<Conforms<typeof RuleCondition, core.RuleCondition>>

export const CohortRule = z
  .object({
    when: RuleCondition,
    version: VersionName,
    percent: Percent.optional().meta({
      description: 'Share of the matching cohort sent to the version (sticky); the rest falls through',
    }),
  })
  .strict()
  .meta({ id: 'CohortRule' })
export type CohortRule = core.CohortRule
type _CohortRule = Assert<Conforms<typeof CohortRule, core.CohortRule>>

export const ShadowTarget = z
  .object({
    version: VersionName,
    sample_rate: z.number().min(0).max(1),
  })
  .strict()
  .meta({ id: 'ShadowTarget' })
export type ShadowTarget = core.ShadowTarget
type _ShadowTarget = Assert<Conforms<typeof ShadowTarget, core.ShadowTarget>>

export const RoutingInput = z
  .object({
    weights: z.record(VersionName, Percent).meta({ example: { v1: 90, v2: 10 } }),
    rules: z.array(CohortRule).max(MAX_RULES).default([]),
    shadow: ShadowTarget.nullable().optional(),
    reason: z.string().max(500).optional(),
  })
  .strict()
  .meta({ id: 'RoutingInput' })
export type RoutingInput = core.RoutingInput
type _RoutingInput = Assert<Conforms<typeof RoutingInput, core.RoutingInput>>

/** The routing part of a snapshot. Weights are in basis points internally only; here percents. */
export const RoutingTable = z
  .object({
    champion: VersionName,
    weights: z.record(VersionName, Percent),
    rules: z.array(CohortRule),
    shadow: ShadowTarget.nullable(),
  })
  .meta({ id: 'RoutingTable' })
export type RoutingTable = core.RoutingTable
type _RoutingTable = Assert<Conforms<typeof RoutingTable, core.RoutingTable>>

/**
 * Everything the data plane needs to route one request, published by the model's coordinator.
 * Immutable once published: a change produces a new snapshot with a larger epoch.
 */
export const RoutingSnapshot = z
  .object({
    schema: z.literal(1),
    model: ModelName,
    epoch: Epoch,
    hash_version: z.union(HASH_VERSIONS.map((v) => z.literal(v)) as [z.ZodLiteral<1>]),
    salt: z.string().min(8),
    unit_header: z.string(),
    fallback_to_champion: z.boolean(),
    routing: RoutingTable.nullable().meta({ description: 'Null until a champion is set' }),
    versions: z.record(VersionName, Backend),
    metrics: z.array(BusinessMetric),
    shadow_compare: ShadowCompare.nullable(),
    metric_shards: z.number().int().min(1),
    published_at: IsoTime,
    actor: z.string(),
    reason: z.string(),
  })
  .meta({ id: 'RoutingSnapshot' })
export type RoutingSnapshot = core.RoutingSnapshot
type _RoutingSnapshot = Assert<Conforms<typeof RoutingSnapshot, core.RoutingSnapshot>>

/** One read of a model's current snapshot from the edge store: a KV failure or a malformed value is an error. */
export type SnapshotRead =
  { kind: 'found'; snapshot: RoutingSnapshot } | { kind: 'missing' } | { kind: 'error'; reason: string }
