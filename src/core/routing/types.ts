/**
 * @module core/routing/types
 * Routing tables (what an operator or a rollout asks for) and snapshots (what the data plane
 * routes by), as the core uses them. src/schemas validates the wire format and KV values into
 * exactly these shapes.
 */
import type { Backend, BusinessMetric, ShadowCompare } from '../registry/types'
import type { HashVersion } from './hash'

/** Fields of the request's location as the Workers runtime reports it (`request.cf`). */
export const CF_FIELDS = ['country', 'continent', 'colo'] as const
export type CfField = (typeof CF_FIELDS)[number]

/**
 * Matches a request header or a field of the request's location: exactly one of header or cf, and
 * exactly one of equals, in or prefix. A header or location the request does not carry never matches.
 */
export interface RuleCondition {
  header?: string | undefined
  cf?: CfField | undefined
  equals?: string | undefined
  in?: string[] | undefined
  prefix?: string | undefined
}

export interface CohortRule {
  when: RuleCondition
  version: string
  /** Share of the matching cohort sent to the version (sticky); the rest falls through. */
  percent?: number | undefined
}

export interface ShadowTarget {
  version: string
  sample_rate: number
}

export interface RoutingInput {
  weights: Record<string, number>
  rules: CohortRule[]
  shadow?: ShadowTarget | null | undefined
  reason?: string | undefined
}

/** The routing part of a snapshot, weights in percent. */
export interface RoutingTable {
  champion: string
  weights: Record<string, number>
  rules: CohortRule[]
  shadow: ShadowTarget | null
}

/**
 * Hash v2's layout: per version, the weight buckets `[from, to)` it owns, in the order it acquired
 * them (src/core/routing/layout.ts, docs/routing.md).
 */
export type Segments = Record<string, Array<[number, number]>>

/**
 * Everything the data plane needs to route one request, published by the model's coordinator.
 * Immutable once published: a change produces a new snapshot with a larger epoch.
 */
export interface RoutingSnapshot {
  schema: 1
  model: string
  epoch: number
  hash_version: HashVersion
  /** Hash v2 only: who owns which weight buckets; v1 derives its ranges from the weights. */
  segments?: Segments | undefined
  salt: string
  unit_header: string
  fallback_to_champion: boolean
  /** Null until a champion is set. */
  routing: RoutingTable | null
  versions: Record<string, Backend>
  metrics: BusinessMetric[]
  shadow_compare: ShadowCompare | null
  metric_shards: number
  published_at: string
  actor: string
  reason: string
}
