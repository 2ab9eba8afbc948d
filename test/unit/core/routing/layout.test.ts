import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { BUCKETS } from '../../../../src/core/routing/hash'
import {
  layoutAfter,
  nextSegments,
  segmentProblems,
  segmentsFromV1,
  weightRanges,
} from '../../../../src/core/routing/layout'
import { bucketRanges, selectRoute } from '../../../../src/core/routing/select'
import type { Segments } from '../../../../src/core/routing/types'
import { RoutingSnapshot } from '../../../../src/schemas/routing'
import { snapshotWith } from './fixtures'

/** Owner of every bucket, read bucket by bucket from the segments (independent of the lookup). */
function owners(segments: Segments): Array<string | undefined> {
  const owner: Array<string | undefined> = new Array<string | undefined>(BUCKETS).fill(undefined)
  for (const [version, list] of Object.entries(segments)) {
    for (const [from, to] of list) for (let b = from; b < to; b++) owner[b] = version
  }
  return owner
}

const bucketsOf = (segments: Segments, v: string) => {
  const set = new Set<number>()
  for (const [from, to] of segments[v] ?? []) for (let b = from; b < to; b++) set.add(b)
  return set
}

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']

/** `total` basis points split at distinct cut points among `names` (in order), in percent. */
function split(total: number, names: string[], cuts: number[]): Record<string, number> {
  const inner = [...new Set(cuts.map((c) => c % total).filter((c) => c > 0))].sort((x, y) => x - y)
  const points = [0, ...inner.slice(0, Math.max(0, names.length - 1)), total]
  const weights: Record<string, number> = {}
  for (let i = 0; i + 1 < points.length; i++)
    weights[names[i] as string] = ((points[i + 1] as number) - (points[i] as number)) / 100
  return weights
}

const cutsArb = fc.array(fc.integer({ min: 1, max: BUCKETS - 1 }), { maxLength: 7 })

/** Weights in percent (two decimals) over some of NAMES, summing to exactly 100%. */
const weightsArb = fc
  .tuple(fc.shuffledSubarray(NAMES, { minLength: 1 }), cutsArb)
  .map(([names, cuts]) => split(BUCKETS, names, cuts))

/** A layout reached through a history of routing changes, as the registry would have stored it. */
const layoutArb = fc.array(weightsArb, { minLength: 1, maxLength: 5 }).map((history) => {
  let segments: Segments = {}
  for (const w of history) segments = nextSegments(segments, w)
  return { segments, weights: history[history.length - 1] as Record<string, number> }
})

const bp = (w: Record<string, number>, v: string) => Math.round((w[v] ?? 0) * 100)

describe('nextSegments (hash v2 layout)', () => {
  it('(i) a version whose weight does not change keeps exactly its buckets, however the others change', () => {
    fc.assert(
      fc.property(
        layoutArb,
        fc.subarray(NAMES),
        fc.shuffledSubarray(NAMES, { minLength: 1 }),
        cutsArb,
        ({ segments, weights }, fixed, names, cuts) => {
          // `keep` holds its weights; the rest of the 100% is split afresh among the other names.
          const keep = fixed.filter((v) => bp(weights, v) > 0)
          const others = names.filter((v) => !keep.includes(v))
          const left = BUCKETS - keep.reduce((s, v) => s + bp(weights, v), 0)
          if (left === 0 || others.length === 0) return
          const next = split(left, others, cuts)
          for (const v of keep) next[v] = bp(weights, v) / 100
          const after = nextSegments(segments, next)
          for (const v of keep) expect(bucketsOf(after, v)).toEqual(bucketsOf(segments, v))
        },
      ),
      { numRuns: 150 },
    )
  })

  it('(ii) a growing version keeps all its buckets, a shrinking one a subset; nothing else moves', () => {
    fc.assert(
      fc.property(layoutArb, weightsArb, ({ segments, weights }, next) => {
        const after = nextSegments(segments, next)
        expect(segmentProblems({ champion: 'a', weights: next, rules: [], shadow: null }, after)).toEqual([])
        // A bucket that changes owner leaves a version that shrank and joins one that grew.
        const [o, n] = [owners(segments), owners(after)]
        const wrong: string[] = []
        for (let b = 0; b < BUCKETS; b++) {
          const [was, is] = [o[b], n[b]]
          if (was === is) continue
          if (was !== undefined && bp(next, was) >= bp(weights, was)) wrong.push(`${was} lost ${b}`)
          if (is !== undefined && bp(next, is) <= bp(weights, is)) wrong.push(`${is} gained ${b}`)
        }
        expect(wrong).toEqual([])
        // Minimal movement: the buckets that change owner are exactly the growth the weights ask for.
        const moved = o.filter((v, b) => v !== n[b]).length
        const growth = NAMES.reduce((s, v) => s + Math.max(0, bp(next, v) - bp(weights, v)), 0)
        expect(moved).toBe(growth)
      }),
      { numRuns: 150 },
    )
  })

  it('gives back the buckets acquired last: a ramp that is undone restores the same units', () => {
    const start = nextSegments({ v1: [[0, BUCKETS]] }, { v1: 90, v2: 10 })
    const grown = nextSegments(start, { v1: 50, v2: 50 })
    expect(nextSegments(grown, { v1: 90, v2: 10 })).toEqual(start)
  })

  it('hands free buckets to the grown versions by name, whatever the key order, and drops 0% versions', () => {
    const split = nextSegments({ v1: [[0, BUCKETS]] }, { v3: 5, v1: 85, v2: 10 })
    expect(split).toEqual({ v1: [[0, 8500]], v2: [[8500, 9500]], v3: [[9500, 10_000]] })
    // v1 takes back v2's buckets, appended to its own segment (contiguous), and v2 is gone.
    expect(nextSegments(split, { v1: 95, v2: 0, v3: 5 })).toEqual({ v1: [[0, 9500]], v3: [[9500, 10_000]] })
    expect(nextSegments(split, { v1: 0, v2: 100 })).toEqual({ v2: [[0, BUCKETS]] })
  })

  it('refuses weights that do not sum to 100%', () => {
    expect(() => nextSegments({}, { v1: 90 })).toThrow(/90%/)
  })
})

describe('moving a model from hash v1 to v2', () => {
  it('carries v1 ranges over as segments: every bucket keeps its owner', () => {
    fc.assert(
      fc.property(weightsArb, fc.constantFrom(...NAMES), (weights, champion) => {
        const table = { champion, weights, rules: [], shadow: null }
        const v1Owner = new Array<string | undefined>(BUCKETS).fill(undefined)
        for (const r of weightRanges(table)) for (let b = r.from; b < r.to; b++) v1Owner[b] = r.version
        expect(owners(segmentsFromV1(table))).toEqual(v1Owner)
      }),
      { numRuns: 100 },
    )
  })

  it("moves a v1 model at its next routing change; v3's units stay while v2 ramps 10 → 40%", () => {
    const v1 = snapshotWith({ champion: 'v1', weights: { v1: 85, v2: 10, v3: 5 } })
    const table = { ...v1.routing!, weights: { v1: 55, v2: 40, v3: 5 } }
    const layout = layoutAfter(v1, table)
    expect(layout.hash_version).toBe(2)
    const v2 = { ...v1, routing: table, ...layout }
    const units = Array.from({ length: 5000 }, (_, i) => `unit-${i}`)
    const route = (s: RoutingSnapshot, u: string) =>
      selectRoute(s, { header: () => null, unitKey: u, random: () => 0 })!.version
    for (const u of units) {
      const before = route(v1, u)
      if (before !== 'v1') expect(route(v2, u), u).toBe(before)
    }
    // The same weights again (a rules change, say) move no unit at all.
    const same = { ...v1, ...layoutAfter(v1, v1.routing!) }
    for (const u of units) expect(route(same, u)).toBe(route(v1, u))
  })
})

describe('hash v2 snapshots', () => {
  const snap = (): RoutingSnapshot => ({
    ...snapshotWith({ champion: 'v1', weights: { v1: 90, v2: 10 } }),
    hash_version: 2,
    segments: {
      v1: [[500, 9500]],
      v2: [
        [0, 500],
        [9500, 10_000],
      ],
    },
  })

  it('route each bucket to the version whose segment holds it', () => {
    const s = snap()
    const owner = owners(s.segments!)
    // Without a unit key the bucket is floor(random × 10000): every bucket, boundaries included.
    for (let b = 0; b < BUCKETS; b++) {
      const d = selectRoute(s, { header: () => null, unitKey: null, random: () => (b + 0.5) / BUCKETS })!
      expect(d.bucket).toBe(b)
      if (d.version !== owner[b]) expect.fail(`bucket ${b}: ${d.version}, not ${owner[b]}`)
    }
    for (let i = 0; i < 3000; i++) {
      const d = selectRoute(s, { header: () => null, unitKey: `u${i}`, random: () => 0 })!
      expect(d.version).toBe(owner[d.bucket!])
    }
  })

  it('name every mismatch between segments and weights', () => {
    const table = { champion: 'v1', weights: { v1: 90, v2: 10 }, rules: [], shadow: null }
    expect(segmentProblems(table, { v1: [[0, 9000]], v2: [[9000, 10_000]] })).toEqual([])
    expect(segmentProblems({ ...table, weights: { v1: 100, v2: 0 } }, { v1: [[0, 10_000]] })).toEqual([])
    expect(segmentProblems(table, { v1: [[0, 9500]], v2: [[9500, 10_000]] })).toEqual([
      'v1 owns 9500 buckets for a weight of 90%',
      'v2 owns 500 buckets for a weight of 10%',
    ])
    expect(segmentProblems(table, { v1: [[0, 10_000]] })).toEqual([
      'v1 owns 10000 buckets for a weight of 90%',
      'v2 owns no buckets',
    ])
    expect(
      segmentProblems(table, {
        v1: [[0, 9000]],
        v2: [
          [9000, 9500],
          [9600, 10_100],
        ],
      }),
    ).toEqual(['segments do not tile [0, 10000) at 9500'])
    expect(
      segmentProblems(table, {
        v1: [[0, 9000]],
        v2: [
          [9000, 9000],
          [9000, 10_000],
        ],
      }),
    ).toEqual(['segments do not tile [0, 10000) at 9000'])
    expect(
      segmentProblems({ ...table, weights: { v1: 90, v2: 9.99 } }, { v1: [[0, 9000]], v2: [[9000, 9999]] }),
    ).toEqual(['segments end at 9999, not 10000'])
  })

  it('are read by their hash version: v1 ranges from the weights, v2 its segments', () => {
    expect(bucketRanges(snap())).toEqual([
      { version: 'v2', from: 0, to: 500 },
      { version: 'v1', from: 500, to: 9500 },
      { version: 'v2', from: 9500, to: 10_000 },
    ])
    expect(bucketRanges({ ...snap(), hash_version: 1 })).toEqual([
      { version: 'v2', from: 0, to: 1000 },
      { version: 'v1', from: 1000, to: 10_000 },
    ])
    expect(weightRanges({ champion: 'v1', weights: { v1: 100, v2: 0 }, rules: [], shadow: null })).toEqual([
      { version: 'v1', from: 0, to: 10_000 },
    ])
  })

  it('are refused when the segments do not match the weights', () => {
    expect(RoutingSnapshot.safeParse(snap()).success).toBe(true)
    const bad = { ...snap(), segments: { v1: [[0, 9000]], v2: [[8000, 9000]] } }
    const result = RoutingSnapshot.safeParse(bad)
    expect(result.success).toBe(false)
    expect(JSON.stringify(result.error?.issues)).toMatch(/tile/)
    expect(RoutingSnapshot.safeParse({ ...snap(), segments: undefined }).success).toBe(false)
  })
})
