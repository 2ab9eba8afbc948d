/**
 * @module core/routing/layout
 * Which weight buckets each version owns (docs/routing.md).
 *
 * - Hash v1 lays ranges out from the weights alone: non-champion versions by name from 0, the
 *   champion last. A grown version shifts every range after it.
 * - Hash v2 stores the layout: per version, its segments `[from, to)` in the order it acquired them.
 *   The registry recomputes them on every routing change with `nextSegments` (old segments + new
 *   weights → new segments), which moves only the buckets a weight change has to move.
 */
import { BUCKETS, type HashVersion } from './hash'
import type { RoutingTable, Segments } from './types'

export interface BucketRange {
  version: string
  from: number
  to: number
}

/** Basis points (hundredths of a percent) of a percentage with at most two decimals. */
export function toBasisPoints(percent: number): number {
  return Math.round(percent * 100)
}

/**
 * Hash v1 bucket ranges in evaluation order: non-champion versions first (sorted by name), champion
 * last, so ascending and contiguous from 0.
 */
export function weightRanges(table: RoutingTable): BucketRange[] {
  const others = Object.keys(table.weights)
    .filter((v) => v !== table.champion)
    .sort()
  const ranges: BucketRange[] = []
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

/** The v1 layout of `table` as v2 segments: same bucket → version for every bucket. */
export function segmentsFromV1(table: RoutingTable): Segments {
  const segments: Segments = {}
  for (const r of weightRanges(table)) segments[r.version] = [[r.from, r.to]]
  return segments
}

/** Every segment of a v2 layout, ascending by `from` (the order `selectRoute` searches). */
export function segmentRanges(segments: Segments): BucketRange[] {
  const ranges: BucketRange[] = []
  for (const [version, list] of Object.entries(segments)) {
    for (const [from, to] of list) ranges.push({ version, from, to })
  }
  return ranges.sort((a, b) => a.from - b.from)
}

const sizeOf = (list: ReadonlyArray<readonly [number, number]>): number =>
  list.reduce((n, [from, to]) => n + to - from, 0)

/** The first `n` buckets of `list`, in its order (a shrinking version gives back what it got last). */
function prefix(list: ReadonlyArray<readonly [number, number]>, n: number): Array<[number, number]> {
  const kept: Array<[number, number]> = []
  let left = n
  for (const [from, to] of list) {
    if (left <= 0) break
    const take = Math.min(left, to - from)
    kept.push([from, from + take])
    left -= take
  }
  return kept
}

function append(list: Array<[number, number]>, from: number, to: number): void {
  const last = list[list.length - 1]
  if (last !== undefined && last[1] === from) last[1] = to
  else list.push([from, to])
}

/**
 * The layout after a weight change, moving as few units as the change allows. Every version (the
 * champion too) keeps the first min(old, new) buckets of its own segments; the buckets nobody kept
 * are handed, in ascending order, to the versions that grew, by name. So:
 * - a version whose weight did not change keeps exactly its buckets;
 * - a growing version keeps all of its buckets, a shrinking one a subset (the oldest ones);
 * - a version at 100% owns `[0, 10000)` as one segment, which resets fragmentation.
 * @throws Error when the weights do not sum to 100 (the registry validates them first).
 * @example nextSegments({ v1: [[0, 10000]] }, { v1: 90, v2: 10 }) // { v1: [[0, 9000]], v2: [[9000, 10000]] }
 */
export function nextSegments(old: Segments, weights: Record<string, number>): Segments {
  const target = Object.entries(weights)
    .map(([version, percent]) => [version, toBasisPoints(percent)] as const)
    .filter(([, bp]) => bp > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  const total = target.reduce((n, [, bp]) => n + bp, 0)
  if (total !== BUCKETS) throw new Error(`weights sum to ${total / 100}%, not 100%`)
  if (target.length === 1) return { [(target[0] as readonly [string, number])[0]]: [[0, BUCKETS]] }

  const next: Segments = {}
  const owned = new Uint8Array(BUCKETS)
  for (const [version, bp] of target) {
    const kept = prefix(old[version] ?? [], bp)
    for (const [from, to] of kept) owned.fill(1, from, to)
    next[version] = kept
  }
  let free = 0
  for (const [version, bp] of target) {
    const list = next[version] as Array<[number, number]>
    let need = bp - sizeOf(list)
    while (need > 0) {
      while (owned[free] === 1) free++
      let end = free
      while (end < BUCKETS && owned[end] === 0 && end - free < need) end++
      // Unreachable: the free buckets number at least the growth (100% minus what was kept). A
      // guard all the same, since looping here would hang the model's coordinator.
      if (end === free) throw new Error('no free bucket left for the versions that grew')
      owned.fill(1, free, end)
      append(list, free, end)
      need -= end - free
      free = end
    }
  }
  return next
}

/**
 * What is wrong with a v2 layout for `table`: each version with a weight owns exactly its basis
 * points, no other version owns any, and the segments tile `[0, 10000)` without overlap.
 */
export function segmentProblems(table: RoutingTable, segments: Segments): string[] {
  const problems: string[] = []
  for (const [version, list] of Object.entries(segments)) {
    const bp = toBasisPoints(table.weights[version] ?? 0)
    if (sizeOf(list) !== bp) problems.push(`${version} owns ${sizeOf(list)} buckets for a weight of ${bp / 100}%`)
  }
  for (const [version, percent] of Object.entries(table.weights)) {
    if (toBasisPoints(percent) > 0 && segments[version] === undefined) problems.push(`${version} owns no buckets`)
  }
  let expected = 0
  for (const r of segmentRanges(segments)) {
    if (r.from !== expected || r.to <= r.from) {
      problems.push(`segments do not tile [0, ${BUCKETS}) at ${expected}`)
      return problems
    }
    expected = r.to
  }
  if (expected !== BUCKETS) problems.push(`segments end at ${expected}, not ${BUCKETS}`)
  return problems
}

/**
 * A model's layout after a routing change: always v2. A v1 model's ranges are first carried over as
 * segments (same bucket, same owner), so the move from v1 to v2 itself moves no unit, whenever it
 * happens, mid-rollout included; the change then moves only what its weights require.
 */
export function layoutAfter(
  current: { hash_version: HashVersion; segments?: Segments | undefined; routing: RoutingTable | null },
  routing: RoutingTable,
): { hash_version: 2; segments: Segments } {
  const old =
    current.hash_version === 2 && current.segments !== undefined
      ? current.segments
      : current.routing === null
        ? {}
        : segmentsFromV1(current.routing)
  return { hash_version: 2, segments: nextSegments(old, routing.weights) }
}
