import { describe, expect, it } from 'vitest'
import vectors from '../../../vectors/routing-hash-v2.json'
import { BUCKETS, fmix32, fnv1a32 } from '../../../../src/core/routing/hash'
import { layoutAfter, nextSegments } from '../../../../src/core/routing/layout'
import { selectRoute } from '../../../../src/core/routing/select'
import type { RoutingSnapshot, Segments } from '../../../../src/core/routing/types'

const enc = new TextEncoder()

/**
 * The layout spec of the vectors file, re-derived bucket by bucket (lists of bucket numbers, no
 * segment arithmetic), independently of src/core/routing/layout.ts.
 */
type Lists = Record<string, number[]>

function referenceNext(old: Lists, weights: Record<string, number>): Lists {
  const names = Object.keys(weights)
    .filter((v) => Math.round((weights[v] as number) * 100) > 0)
    .sort()
  const want = (v: string) => Math.round((weights[v] as number) * 100)
  if (names.length === 1) return { [names[0] as string]: Array.from({ length: BUCKETS }, (_, b) => b) }
  const next: Lists = {}
  const taken = new Set<number>()
  for (const v of names) {
    next[v] = (old[v] ?? []).slice(0, want(v))
    for (const b of next[v]) taken.add(b)
  }
  const pool = Array.from({ length: BUCKETS }, (_, b) => b).filter((b) => !taken.has(b))
  for (const v of names) while ((next[v] as number[]).length < want(v)) (next[v] as number[]).push(pool.shift()!)
  return next
}

function referenceFromV1(champion: string, weights: Record<string, number>): Lists {
  const order = [
    ...Object.keys(weights)
      .filter((v) => v !== champion)
      .sort(),
    champion,
  ]
  const lists: Lists = {}
  let b = 0
  for (const v of order) {
    const n = Math.round((weights[v] as number) * 100)
    if (n > 0) lists[v] = Array.from({ length: n }, (_, i) => b + i)
    b += n
  }
  return lists
}

const asLists = (segments: Record<string, number[][]>): Lists =>
  Object.fromEntries(
    Object.entries(segments).map(([v, list]) => [
      v,
      list.flatMap(([from, to]) =>
        Array.from({ length: (to as number) - (from as number) }, (_, i) => (from as number) + i),
      ),
    ]),
  )

describe('published test vectors (test/vectors/routing-hash-v2.json)', () => {
  it('names spec version 2 and covers several histories', () => {
    expect(vectors.specVersion).toBe('2')
    expect(vectors.scenarios.length).toBeGreaterThanOrEqual(4)
  })

  describe.each(vectors.scenarios.map((s) => [s.name, s] as const))('%s', (_name, scenario) => {
    it('re-derives every step: the segments, each unit’s bucket and version', () => {
      const fromV1 = 'from_v1' in scenario ? scenario.from_v1 : undefined
      let reference: Lists = fromV1 ? referenceFromV1(fromV1.champion, fromV1.weights) : {}
      let previous: Segments =
        fromV1 && 'from_v1_segments' in scenario ? (scenario.from_v1_segments as unknown as Segments) : {}
      if (fromV1) expect(asLists(previous as Record<string, number[][]>)).toEqual(reference)
      for (const step of scenario.steps) {
        const weights = step.weights as Record<string, number>
        reference = referenceNext(reference, weights)
        const segments = step.segments as unknown as Segments
        expect(asLists(step.segments as Record<string, number[][]>)).toEqual(reference)
        expect(nextSegments(previous, weights)).toEqual(segments)
        const owner = new Map<number, string>()
        for (const [v, list] of Object.entries(reference)) for (const b of list) owner.set(b, v)
        const snapshot = {
          hash_version: 2,
          salt: scenario.salt,
          segments,
          routing: { champion: step.champion, weights, rules: [], shadow: null },
        } as unknown as RoutingSnapshot
        for (const unit of step.units) {
          const bucket = fmix32(fnv1a32(enc.encode(`${scenario.salt}\u0000${unit.key}`))) % BUCKETS
          expect(bucket).toBe(unit.bucket)
          expect(owner.get(bucket), unit.key).toBe(unit.version)
          expect(selectRoute(snapshot, { header: () => null, unitKey: unit.key, random: () => 0 })?.version).toBe(
            unit.version,
          )
        }
        previous = segments
      }
    })
  })

  it('the registry path (layoutAfter) from a v1 model matches the migration scenario', () => {
    const scenario = vectors.scenarios.find((s) => 'from_v1' in s)!
    const fromV1 = (scenario as { from_v1: { champion: string; weights: Record<string, number> } }).from_v1
    const step = scenario.steps[0]!
    const layout = layoutAfter(
      { hash_version: 1, routing: { ...fromV1, rules: [], shadow: null } },
      { champion: step.champion, weights: step.weights as Record<string, number>, rules: [], shadow: null },
    )
    expect(layout).toEqual({ hash_version: 2, segments: step.segments })
  })
})
