import { describe, expect, it } from 'vitest'
import { BUCKETS, bucketOf } from '../../../../src/core/routing/hash'
import { segmentRanges } from '../../../../src/core/routing/layout'
import { bucketRanges, ruleMatches, selectRoute } from '../../../../src/core/routing/select'
import type { CohortRule, RoutingSnapshot } from '../../../../src/schemas/routing'
import { noHeaders, publishedV2, snapshotWith } from './fixtures'

const units = Array.from({ length: 3_000 }, (_, i) => `unit-${i}`)
const rule = (when: CohortRule['when'], version = 'v2', percent?: number): CohortRule => ({
  when,
  version,
  ...(percent === undefined ? {} : { percent }),
})
const beta = (percent?: number) =>
  snapshotWith({
    champion: 'v1',
    weights: { v1: 100 },
    rules: [rule({ header: 'x-beta', equals: '1' }, 'v2', percent)],
  })
const betaHeader = (h: string) => (h === 'x-beta' ? '1' : null)

describe('cohort share without a unit key', () => {
  it('draws the share from the request random number and marks the answer not sticky', () => {
    const selected = selectRoute(beta(30), { header: betaHeader, unitKey: null, random: () => 0.29 })!
    expect(selected).toMatchObject({ version: 'v2', arm: 'cohort', sticky: false, ruleIndex: 0, cohortRule: 0 })
    const passed = selectRoute(beta(30), { header: betaHeader, unitKey: null, random: () => 0.3 })!
    expect(passed).toMatchObject({ version: 'v1', arm: 'champion', sticky: false, ruleIndex: null, cohortRule: 0 })
  })

  it('selects about the share of requests over many draws', () => {
    let state = 0
    const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31), state / 2 ** 31)
    const n = 4_000
    let onV2 = 0
    for (let i = 0; i < n; i++) {
      if (selectRoute(beta(25), { header: betaHeader, unitKey: null, random })!.version === 'v2') onV2++
    }
    expect(Math.abs(onV2 / n - 0.25)).toBeLessThan(4 * Math.sqrt((0.25 * 0.75) / n))
  })
})

describe('the reason of a decision names what decided', () => {
  it('names the rule, the header and the share of a cohort answer', () => {
    const d = selectRoute(beta(100), { header: betaHeader, unitKey: 'u-1', random: () => 0.5 })!
    expect(d.reason).toContain('cohort rule 0')
    expect(d.reason).toContain('header x-beta')
    expect(d.reason).toContain('100%')
    const whole = selectRoute(beta(), { header: betaHeader, unitKey: 'u-1', random: () => 0.5 })!
    expect(whole.reason).toContain('header x-beta')
    expect(whole.reason).not.toContain('%')
  })

  it('names the location field of a location rule', () => {
    const snap = snapshotWith({ champion: 'v1', weights: { v1: 100 }, rules: [rule({ cf: 'country', equals: 'NZ' })] })
    const d = selectRoute(snap, {
      header: noHeaders,
      cf: (f) => (f === 'country' ? 'NZ' : null),
      unitKey: 'u',
      random: () => 0.5,
    })!
    expect(d.reason).toContain('cf.country')
  })

  it('names the bucket and the range of a weighted answer', () => {
    const snap = snapshotWith({ champion: 'v1', weights: { v1: 60, v2: 40 } })
    const d = selectRoute(snap, { header: noHeaders, unitKey: 'unit-7', random: () => 0.5 })!
    const bucket = bucketOf(1, snap.salt, 'unit-7')
    const [from, to] = d.version === 'v2' ? [0, 4000] : [4000, 10000]
    expect(d.bucket).toBe(bucket)
    expect(d.reason).toBe(`bucket ${bucket} in [${from}, ${to})`)
  })
})

describe('out-of-contract input', () => {
  it('keeps a random number of 1 inside the last bucket', () => {
    const snap = snapshotWith({ champion: 'v1', weights: { v1: 50, v2: 50 } })
    const d = selectRoute(snap, { header: noHeaders, unitKey: null, random: () => 1 })!
    expect(d).toMatchObject({ version: 'v1', bucket: BUCKETS - 1, sticky: false })
  })

  it('answers with the champion, not an error, for a bucket that no version owns', () => {
    // Weights summing to less than 100 never pass validation; the data plane still answers.
    const snap = snapshotWith({ champion: 'v1', weights: { v1: 10, v2: 10 } })
    const outside = units.find((u) => bucketOf(1, snap.salt, u) >= 2000)!
    const d = selectRoute(snap, { header: noHeaders, unitKey: outside, random: () => 0.5 })!
    expect(d).toMatchObject({ version: 'v1', arm: 'champion', ruleIndex: null, sticky: true })
    expect(d.reason).toContain('outside every range')
  })

  it('never matches a condition with nothing to compare', () => {
    expect(ruleMatches(rule({ header: 'x-tier' }), (h) => (h === 'x-tier' ? 'gold' : null))).toBe(false)
  })

  it('has no bucket ranges without a routing table', () => {
    expect(bucketRanges({ hash_version: 1, routing: null })).toEqual([])
    expect(bucketRanges({ hash_version: 2, routing: null, segments: { v1: [[0, BUCKETS]] } })).toEqual([])
  })
})

describe('hash v2 lookup over many segments', () => {
  it('routes every unit to the version whose segment holds its bucket', () => {
    const snaps: RoutingSnapshot[] = publishedV2([
      { champion: 'v1', weights: { v1: 90, v2: 5, v3: 5 } },
      { champion: 'v1', weights: { v1: 70, v2: 20, v3: 10 } },
      { champion: 'v1', weights: { v1: 75, v2: 5, v3: 20 } },
      { champion: 'v1', weights: { v1: 40, v2: 35, v3: 25 } },
      { champion: 'v1', weights: { v1: 33, v2: 33, v3: 34 } },
    ])
    const last = snaps[snaps.length - 1]!
    const ranges = segmentRanges(last.segments!)
    expect(ranges.length).toBeGreaterThan(3)
    for (const u of units) {
      const bucket = bucketOf(2, last.salt, u)
      const owner = ranges.find((r) => r.from <= bucket && bucket < r.to)!.version
      const d = selectRoute(last, { header: noHeaders, unitKey: u, random: () => 0.5 })!
      expect(d.version, `bucket ${bucket}`).toBe(owner)
      expect(d.arm).toBe(owner === 'v1' ? 'champion' : 'challenger')
    }
  })
})
