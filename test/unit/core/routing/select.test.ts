import { describe, expect, it } from 'vitest'
import { selectRoute, weightRanges, ruleMatches } from '../../../../src/core/routing/select'
import type { CohortRule } from '../../../../src/schemas/routing'
import type { RoutingSnapshot } from '../../../../src/schemas/routing'
import { noHeaders, publishedV2, seeded, snapshotWith } from './fixtures'

const units = Array.from({ length: 10_000 }, (_, i) => `unit-${i}`)
const route = (
  snap: ReturnType<typeof snapshotWith>,
  unit: string | null,
  headers: Record<string, string> = {},
  random = () => 0.5,
) => selectRoute(snap, { header: (h) => headers[h] ?? null, unitKey: unit, random })!

describe('weighted split (acceptance 2)', () => {
  const at = (w: number) => snapshotWith({ champion: 'v1', weights: { v1: 100 - w, v2: w } })

  it('splits 10,000 distinct units 90/10 within one percentage point', () => {
    const onV2 = units.filter((u) => route(at(10), u).version === 'v2').length
    expect(Math.abs(onV2 / units.length - 0.1)).toBeLessThan(0.01)
  })

  it.each([0.5, 5, 25, 33.33, 50, 99.99])('is accurate at %s%% (binomial 4-sigma bound)', (w) => {
    const p = w / 100
    const onV2 = units.filter((u) => route(at(w), u).version === 'v2').length
    const sigma = Math.sqrt(units.length * p * (1 - p))
    expect(Math.abs(onV2 - units.length * p)).toBeLessThan(4 * sigma + 1)
  })

  it('gives the same unit the same version every time', () => {
    for (const u of units.slice(0, 500)) {
      const first = route(at(10), u)
      for (let i = 0; i < 3; i++) expect(route(at(10), u)).toEqual(first)
    }
  })

  it('moves no unit off the challenger while it ramps 5 → 10 → 25 → 50 → 100', () => {
    const stages = [5, 10, 25, 50, 100]
    let previous = new Set<string>()
    for (const w of stages) {
      const onV2 = new Set(units.filter((u) => route(at(w), u).version === 'v2'))
      for (const u of previous) expect(onV2.has(u), `${u} left v2 at ${w}%`).toBe(true)
      previous = onV2
    }
    expect(previous.size).toBe(units.length)
  })

  it("keeps a third version's units exactly, and the ramping second version's, while the second ramps 10 → 25 → 50%", () => {
    const stages = [10, 25, 50]
    const snaps = publishedV2(stages.map((w) => ({ champion: 'v1', weights: { v1: 95 - w, v2: w, v3: 5 } })))
    const on = (snap: RoutingSnapshot, v: string) => new Set(units.filter((u) => route(snap, u).version === v))
    const v3 = on(snaps[0]!, 'v3')
    const sigma = Math.sqrt(units.length * 0.05 * 0.95)
    expect(Math.abs(v3.size - units.length * 0.05)).toBeLessThan(4 * sigma + 1)
    let v2 = on(snaps[0]!, 'v2')
    for (const [i, snap] of snaps.entries()) {
      expect(on(snap, 'v3'), `v3's units at v2 = ${stages[i]}%`).toEqual(v3)
      const v2Now = on(snap, 'v2')
      for (const u of v2) expect(v2Now.has(u), `${u} left v2 at ${stages[i]}%`).toBe(true)
      v2 = v2Now
    }
    expect(v2.size).toBeGreaterThan(units.length * 0.45)
  })

  it('under hash v1 (snapshots published before v2), the ranges after a grown version shift', () => {
    const three = (w: number) => snapshotWith({ champion: 'v1', weights: { v1: 95 - w, v2: w, v3: 5 } })
    expect(weightRanges(three(10).routing!).find((r) => r.version === 'v3')).toEqual({
      version: 'v3',
      from: 1000,
      to: 1500,
    })
    expect(weightRanges(three(40).routing!).find((r) => r.version === 'v3')).toEqual({
      version: 'v3',
      from: 4000,
      to: 4500,
    })
  })

  it('under hash v1, orders ranges: non-champions by name from 0, champion last', () => {
    const snap = snapshotWith({ champion: 'b', weights: { b: 70, c: 20, a: 10 } })
    expect(weightRanges(snap.routing!)).toEqual([
      { version: 'a', from: 0, to: 1000 },
      { version: 'c', from: 1000, to: 3000 },
      { version: 'b', from: 3000, to: 10000 },
    ])
  })

  it('uses randomness per request when there is no unit key', () => {
    const snap = at(30)
    const random = seeded(7)
    let onV2 = 0
    const n = 20_000
    for (let i = 0; i < n; i++) {
      const d = route(snap, null, {}, random)
      expect(d.sticky).toBe(false)
      if (d.version === 'v2') onV2++
    }
    expect(Math.abs(onV2 / n - 0.3)).toBeLessThan(0.015)
  })

  it('labels arms: champion vs challenger', () => {
    const snap = at(50)
    const arms = new Set(units.slice(0, 200).map((u) => `${route(snap, u).version}:${route(snap, u).arm}`))
    expect(arms).toEqual(new Set(['v1:champion', 'v2:challenger']))
  })

  it('returns null when the snapshot has no routing table', () => {
    const snap = { ...at(10), routing: null }
    expect(selectRoute(snap, { header: noHeaders, unitKey: 'u', random: Math.random })).toBeNull()
  })
})

describe('cohort rules (acceptance 3)', () => {
  const rule = (when: CohortRule['when'], version = 'v2', percent?: number): CohortRule => ({
    when,
    version,
    ...(percent === undefined ? {} : { percent }),
  })

  it.each([
    [{ header: 'x-tier', equals: 'gold' }, 'gold', true],
    [{ header: 'x-tier', equals: 'gold' }, 'Gold', false],
    [{ header: 'x-tier', in: ['gold', 'platinum'] }, 'platinum', true],
    [{ header: 'x-tier', in: ['gold', 'platinum'] }, 'silver', false],
    [{ header: 'x-tier', prefix: 'beta-' }, 'beta-7', true],
    [{ header: 'x-tier', prefix: 'beta-' }, 'alpha-beta-7', false],
  ])('%j matches %j: %s', (when, value, expected) => {
    expect(ruleMatches(rule(when), (h) => (h === 'x-tier' ? value : null))).toBe(expected)
  })

  it('does not match when the header is absent', () => {
    expect(ruleMatches(rule({ header: 'x-tier', equals: 'gold' }), noHeaders)).toBe(false)
  })

  it('sends every matching request to its version and no non-matching one to it', () => {
    const snap = snapshotWith({
      champion: 'v1',
      weights: { v1: 100 },
      rules: [rule({ header: 'x-tier', in: ['gold'] }, 'v3')],
    })
    snap.versions.v3 = { url: 'http://127.0.0.1:1/v3', timeout_ms: 1000, stream_idle_timeout_ms: 30_000 }
    for (const [i, u] of units.slice(0, 2000).entries()) {
      const gold = i % 3 === 0
      const d = route(snap, u, gold ? { 'x-tier': 'gold' } : { 'x-tier': 'silver' })
      expect(d.version).toBe(gold ? 'v3' : 'v1')
      if (gold) expect(d.arm).toBe('cohort')
    }
  })

  it('evaluates rules in order: the first match wins', () => {
    const snap = snapshotWith({
      champion: 'v1',
      weights: { v1: 100 },
      rules: [rule({ header: 'x-tier', prefix: 'g' }, 'v2'), rule({ header: 'x-tier', equals: 'gold' }, 'v3')],
    })
    expect(route(snap, 'u', { 'x-tier': 'gold' }).version).toBe('v2')
  })

  it('sends a sticky percentage of the cohort, monotone as it widens, the rest falls through', () => {
    const at = (p: number) =>
      snapshotWith({ champion: 'v1', weights: { v1: 100 }, rules: [rule({ header: 'x-beta', equals: '1' }, 'v2', p)] })
    let previous = new Set<string>()
    for (const p of [10, 30, 60, 100]) {
      const chosen = new Set(units.filter((u) => route(at(p), u, { 'x-beta': '1' }).version === 'v2'))
      expect(Math.abs(chosen.size / units.length - p / 100)).toBeLessThan(0.015)
      for (const u of previous) expect(chosen.has(u)).toBe(true)
      previous = chosen
    }
    // Units outside the cohort share never reach v2, which has no weight.
    const d = units.map((u) => route(at(10), u, { 'x-beta': '1' })).find((x) => x.version === 'v1')!
    expect(d.arm).toBe('champion')
    expect(d.ruleIndex).toBeNull()
  })

  it('draws the cohort share independently of the weight buckets', () => {
    const snap = snapshotWith({
      champion: 'v1',
      weights: { v1: 50, v2: 50 },
      rules: [rule({ header: 'x-beta', equals: '1' }, 'v3', 50)],
    })
    snap.versions.v3 = { url: 'http://127.0.0.1:1/v3', timeout_ms: 1000, stream_idle_timeout_ms: 30_000 }
    const counts: Record<string, number> = {}
    for (const u of units) {
      const v = route(snap, u, { 'x-beta': '1' }).version
      counts[v] = (counts[v] ?? 0) + 1
    }
    // Independent hashes: 50% v3, then the rest splits 50/50 → 25% each.
    expect(Math.abs(counts.v3! / 10_000 - 0.5)).toBeLessThan(0.02)
    expect(Math.abs(counts.v2! / 10_000 - 0.25)).toBeLessThan(0.02)
  })
})
