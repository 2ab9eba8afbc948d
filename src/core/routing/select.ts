/**
 * @module core/routing/select
 * Chooses the version that answers one request. Pure: the caller passes the snapshot, a header
 * lookup, a location lookup and a uniform random number (used only when the request carries no
 * unit key).
 *
 * Invariants:
 * - Deterministic and sticky: the same unit key under the same snapshot salt always lands in the
 *   same bucket, in every isolate.
 * - Monotone ramps: non-champion versions own contiguous bucket ranges starting at 0, in a fixed
 *   order (by version name). Raising one version's weight, all else equal, only extends its range,
 *   so no unit already on it moves off (Cloudflare's version-affinity semantics). The champion takes
 *   the top of the range.
 *   Known limits (left as they are: changing the layout would move units of every live split once):
 *   with two or more non-champion versions, the ranges after a grown one shift, so their units move
 *   although their weights did not; and making another version champion with the same weights
 *   (keep_weights) reorders the ranges. A rollout has one challenger, so its ramps are unaffected.
 * - Cohort rules are evaluated in order before weights; a rule with `percent` uses an independent
 *   hash (salted with the target version) so that the cohort share is sticky and monotone too, and
 *   uncorrelated with the weight buckets. Units not selected fall through to the next rule.
 */
import type { CfField, CohortRule, RoutingSnapshot, RoutingTable, RuleCondition } from './types'
import { BUCKETS, bucketOf } from './hash'

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

/** Basis points (hundredths of a percent) of a percentage with at most two decimals. */
export function toBasisPoints(percent: number): number {
  return Math.round(percent * 100)
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
 * Ranges per table object for selectRoute: a snapshot is never mutated once read, and the isolate
 * reuses it for every request until the next epoch, so its ranges are computed once, not per request.
 */
const rangesByTable = new WeakMap<RoutingTable, ReadonlyArray<{ version: string; from: number; to: number }>>()

function cachedRanges(table: RoutingTable): ReadonlyArray<{ version: string; from: number; to: number }> {
  let ranges = rangesByTable.get(table)
  if (ranges === undefined) {
    ranges = weightRanges(table)
    rangesByTable.set(table, ranges)
  }
  return ranges
}

/**
 * Bucket ranges per version, in evaluation order (computed fresh). Exported for tests and the admin
 * view. Non-champion versions first (sorted by name), champion last.
 */
export function weightRanges(table: RoutingTable): Array<{ version: string; from: number; to: number }> {
  const others = Object.keys(table.weights)
    .filter((v) => v !== table.champion)
    .sort()
  const ranges: Array<{ version: string; from: number; to: number }> = []
  let start = 0
  for (const version of others) {
    const bp = toBasisPoints(table.weights[version] ?? 0)
    if (bp > 0) ranges.push({ version, from: start, to: start + bp })
    start += bp
  }
  const championBp = toBasisPoints(table.weights[table.champion] ?? 0)
  if (championBp > 0) ranges.push({ version: table.champion, from: start, to: start + championBp })
  return ranges
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
  for (const range of cachedRanges(table)) {
    if (bucket >= range.from && bucket < range.to) {
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
