/**
 * Generates test/vectors/routing-hash-v2.json from the implementation: hash v2's layout (bucket
 * segments recomputed with minimal movement on each routing change, docs/routing.md) over a few
 * routing histories, with units routed at every step. Frozen once published, like v1:
 *   npx tsx scripts/gen-hash-vectors-v2.ts > test/vectors/routing-hash-v2.json
 */
import { bucketOf } from '../src/core/routing/hash'
import { layoutAfter, segmentsFromV1 } from '../src/core/routing/layout'
import { selectRoute } from '../src/core/routing/select'
import type { RoutingSnapshot, RoutingTable, Segments } from '../src/core/routing/types'

interface Step {
  champion: string
  weights: Record<string, number>
}
interface Scenario {
  name: string
  salt: string
  from_v1?: Step
  steps: Step[]
}

const scenarios: Scenario[] = [
  {
    name: 'a third version at a fixed 5% while the second ramps, then a promotion',
    salt: 'credit-risk',
    steps: [
      { champion: 'v1', weights: { v1: 100 } },
      { champion: 'v1', weights: { v1: 85, v2: 10, v3: 5 } },
      { champion: 'v1', weights: { v1: 70, v2: 25, v3: 5 } },
      { champion: 'v1', weights: { v1: 45, v2: 50, v3: 5 } },
      { champion: 'v2', weights: { v2: 100 } },
    ],
  },
  {
    name: 'a champion switch keeping the weights, a shrink and a regrow',
    salt: '7q3m9x2k4bnd0c5w',
    steps: [
      { champion: 'a', weights: { a: 100 } },
      { champion: 'a', weights: { a: 60, b: 30, c: 10 } },
      { champion: 'b', weights: { a: 60, b: 30, c: 10 } },
      { champion: 'b', weights: { a: 20, b: 70, c: 10 } },
      { champion: 'b', weights: { a: 60, b: 30, c: 10 } },
    ],
  },
  {
    name: 'a model published under v1, moved to v2 at its next routing change',
    salt: 'salt with spaces',
    from_v1: { champion: 'v1', weights: { v1: 80, v2: 15, v3: 5 } },
    steps: [
      { champion: 'v1', weights: { v1: 50, v2: 45, v3: 5 } },
      { champion: 'v1', weights: { v1: 75, v2: 20, v3: 5 } },
    ],
  },
  {
    name: 'many versions with fractional weights',
    salt: 'ñandú-ümlaut',
    steps: [
      { champion: 'm0', weights: { m0: 100 } },
      { champion: 'm0', weights: { m0: 50, m1: 10.5, m2: 12.25, m3: 7.25, m4: 20 } },
      { champion: 'm0', weights: { m0: 30, m1: 10.5, m2: 30.25, m4: 20, m5: 9.25 } },
      { champion: 'm0', weights: { m0: 29.99, m1: 0.01, m2: 30.25, m3: 10.5, m4: 20, m5: 9.25 } },
    ],
  },
]

const keys = ['', 'user-1', 'user-2', '42', '😀 emoji', 'x-unit-id:abc', 'ABC', 'abc']
for (let i = 0; i < 16; i++) keys.push(`unit-${i * 7919}`)

const table = (s: Step): RoutingTable => ({ ...s, rules: [], shadow: null })
const out = scenarios.map((sc) => {
  let previous: { hash_version: 1 | 2; segments?: Segments; routing: RoutingTable | null } =
    sc.from_v1 === undefined ? { hash_version: 2, routing: null } : { hash_version: 1, routing: table(sc.from_v1) }
  const steps = sc.steps.map((step) => {
    const routing = table(step)
    const layout = layoutAfter(previous, routing)
    const snapshot = { salt: sc.salt, routing, ...layout } as RoutingSnapshot
    previous = { routing, ...layout }
    const units = keys.map((key) => ({
      key,
      bucket: bucketOf(2, sc.salt, key),
      version: selectRoute(snapshot, { header: () => null, unitKey: key, random: () => 0 })?.version,
    }))
    return { ...step, segments: layout.segments, units }
  })
  return { ...sc, ...(sc.from_v1 ? { from_v1_segments: segmentsFromV1(table(sc.from_v1)) } : {}), steps }
})

process.stdout.write(
  JSON.stringify(
    {
      specVersion: '2',
      bucket: 'as v1: fmix32(fnv1a32(utf8(salt + "\\u0000" + key))) mod 10000',
      layout:
        'Each version owns segments [from, to) of the 10000 buckets, in the order it acquired them. On a routing ' +
        'change every version (the champion too) keeps the first min(old, new) buckets of its own segments; the ' +
        'buckets nobody kept go, in ascending order, to the versions that grew, sorted by name (contiguous buckets ' +
        'appended to a version merge into its last segment). A version at 100% owns [[0, 10000]]. A v1 model ' +
        'starts from its v1 ranges (non-champions by name from 0, champion last), one segment each.',
      scenarios: out,
    },
    null,
    2,
  ) + '\n',
)
