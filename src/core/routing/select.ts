/**
 * @module core/routing/select
 * Chooses the version that answers one request. Pure: the caller passes the snapshot, a header
 * lookup, a location lookup and a uniform random number (used only when the request carries no
 * unit key).
 *
 * Invariants:
 * - Deterministic and sticky: the same unit key under the same snapshot salt always lands in the
 *   same bucket, in every isolate.
 * - Monotone ramps: a version that grows keeps every unit it had, one that shrinks keeps a subset.
 *   Hash v2 (current): the snapshot carries each version's bucket segments, recomputed with minimal
 *   movement by the registry, so a version whose weight did not change keeps exactly its units
 *   while others ramp, and a champion switch with keep_weights moves no unit (core/routing/layout,
 *   docs/routing.md). Hash v1 (snapshots published before v2): non-champion versions own
 *   contiguous ranges from 0 by name, champion last, so the ranges after a grown one shift.
 * - Cohort rules are evaluated in order before weights; a rule with `percent` uses an independent
 *   hash (salted with the target version) so that the cohort share is sticky and monotone too, and
 *   uncorrelated with the weight buckets. Units not selected fall through to the next rule.
 */
import type { CfField, CohortRule, RoutingSnapshot, RoutingTable, RuleCondition } from './types'
import { BUCKETS, bucketOf } from './hash'
import { segmentRanges, toBasisPoints, weightRanges, type BucketRange } from './layout'

export { toBasisPoints, weightRanges } from './layout'

export type Arm = 'champion' | 'challenger' | 'cohort'

export interface RouteDecision {
  version: string
  arm: Arm
  /** Weight bucket in [0, 10000), or null when a cohort rule decided. */
  bucket: number | null
  /** Whether the bucket came from the unit key (sticky) or from randomness. */
  sticky: boolean
  ruleIndex: number | null
  /** First cohort rule whose condition matched, selected or not: the flag cohort (treatment + control). */
  cohortRule: number | null
  reason: string
}

export interface RouteInput {
  header: (name: string) => string | null
  /** The request's location (request.cf); absent, or null for a field, when the runtime gave none. */
  cf?: CfLookup
  unitKey: string | null
  /** Uniform in [0, 1); only consulted when `unitKey` is null. */
  random: () => number
}

export type CfLookup = (field: CfField) => string | null

const noLocation: CfLookup = () => null

export function ruleMatches(
  rule: CohortRule,
  header: (name: string) => string | null,
  cf: CfLookup = noLocation,
): boolean {
  const { when } = rule
  const value = when.cf !== undefined ? cf(when.cf) : when.header !== undefined ? header(when.header) : null
  if (value === null) return false
  if (when.equals !== undefined) return value === when.equals
  if (when.in !== undefined) return when.in.includes(value)
  if (when.prefix !== undefined) return value.startsWith(when.prefix)
  return false
}

/**
 * Ranges per table (v1) or segments object (v2) for selectRoute: a snapshot is never mutated once
 * read, and the isolate reuses it for every request until the next epoch, so its ranges are
 * computed once, not per request.
 */
const rangesByLayout = new WeakMap<object, readonly BucketRange[]>()

/**
 * The snapshot's weight bucket ranges, ascending by `from` (computed fresh). Exported for the admin
 * view and tests: v2 reads the snapshot's segments, v1 derives ranges from the weights.
 */
export function bucketRanges(snapshot: Pick<RoutingSnapshot, 'hash_version' | 'segments' | 'routing'>): BucketRange[] {
  if (snapshot.routing === null) return []
  return snapshot.hash_version === 2 && snapshot.segments !== undefined
    ? segmentRanges(snapshot.segments)
    : weightRanges(snapshot.routing)
}

function cachedRanges(snapshot: RoutingSnapshot, table: RoutingTable): readonly BucketRange[] {
  const key = snapshot.hash_version === 2 && snapshot.segments !== undefined ? snapshot.segments : table
  let ranges = rangesByLayout.get(key)
  if (ranges === undefined) {
    ranges = bucketRanges(snapshot)
    rangesByLayout.set(key, ranges)
  }
  return ranges
}

/** The range holding `bucket` in ascending, non-overlapping ranges (binary search: v2 may have many). */
function rangeOf(ranges: readonly BucketRange[], bucket: number): BucketRange | undefined {
  let lo = 0
  let hi = ranges.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const r = ranges[mid] as BucketRange
    if (bucket < r.from) hi = mid - 1
    else if (bucket >= r.to) lo = mid + 1
    else return r
  }
  return undefined
}

/**
 * Select the version for one request.
 * @returns null when the snapshot has no routing table (no champion yet).
 * @example selectRoute(snapshot, { header: (h) => req.headers.get(h), unitKey: 'u-1', random: Math.random })
 */
export function selectRoute(snapshot: RoutingSnapshot, input: RouteInput): RouteDecision | null {
  const table = snapshot.routing
  if (table === null) return null
  const sticky = input.unitKey !== null
  let cohortRule: number | null = null

  for (let i = 0; i < table.rules.length; i++) {
    const rule = table.rules[i] as CohortRule
    if (!ruleMatches(rule, input.header, input.cf)) continue
    cohortRule ??= i
    if (rule.percent !== undefined) {
      const cohortBucket = sticky
        ? bucketOf(snapshot.hash_version, `${snapshot.salt}:cohort:${rule.version}`, input.unitKey as string)
        : Math.floor(input.random() * BUCKETS)
      if (cohortBucket >= toBasisPoints(rule.percent)) continue
    }
    return {
      version: rule.version,
      arm: armOf(table, rule.version, true),
      bucket: null,
      sticky,
      ruleIndex: i,
      cohortRule,
      reason:
        rule.percent === undefined
          ? `cohort rule ${i} matched ${subjectOf(rule.when)}`
          : `cohort rule ${i} matched ${subjectOf(rule.when)} and selected ${rule.percent}% of the cohort`,
    }
  }

  const bucket = sticky
    ? bucketOf(snapshot.hash_version, snapshot.salt, input.unitKey as string)
    : Math.min(BUCKETS - 1, Math.floor(input.random() * BUCKETS))
  const range = rangeOf(cachedRanges(snapshot, table), bucket)
  if (range !== undefined) {
    return {
      version: range.version,
      arm: armOf(table, range.version, false),
      bucket,
      sticky,
      ruleIndex: null,
      cohortRule,
      reason: `bucket ${bucket} in [${range.from}, ${range.to})`,
    }
  }
  // Unreachable for a validated table (weights sum to 100); answer with the champion rather than fail.
  return {
    version: table.champion,
    arm: 'champion',
    bucket,
    sticky,
    ruleIndex: null,
    cohortRule,
    reason: `bucket ${bucket} outside every range; champion by default`,
  }
}

function subjectOf(when: RuleCondition): string {
  return when.cf !== undefined ? `cf.${when.cf}` : `header ${when.header ?? ''}`
}

function armOf(table: RoutingTable, version: string, viaRule: boolean): Arm {
  if (version === table.champion) return 'champion'
  return viaRule ? 'cohort' : 'challenger'
}
