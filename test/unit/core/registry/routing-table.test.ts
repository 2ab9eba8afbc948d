/**
 * sameRouting (core/registry/routing-table): two tables are the same when they send every request
 * the same way: versions at 0% and the order of weight keys do not count; the champion, a weight,
 * a cohort rule (and the rules' order) or the shadow target do.
 */
import { describe, expect, it } from 'vitest'
import { sameRouting } from '../../../../src/core/registry/routing-table'
import type { RoutingTable } from '../../../../src/core/routing/types'

function table(overrides: Partial<RoutingTable> = {}): RoutingTable {
  return {
    champion: 'v1',
    weights: { v1: 90, v2: 10 },
    rules: [{ when: { header: 'x-tier', equals: 'beta' }, version: 'v2' }],
    shadow: { version: 'v3', sample_rate: 0.1 },
    ...overrides,
  }
}

/** Both ways round: the relation must not depend on the order of its arguments. */
function same(a: RoutingTable | null, b: RoutingTable | null): boolean {
  const ab = sameRouting(a, b)
  expect(sameRouting(b, a)).toBe(ab)
  return ab
}

describe('sameRouting: the same routing', () => {
  it('a table and a deep copy of it', () => {
    const t = table()
    expect(same(t, structuredClone(t))).toBe(true)
  })

  it('tables that differ only in the order of their weight keys', () => {
    expect(same(table({ weights: { v1: 90, v2: 10 } }), table({ weights: { v2: 10, v1: 90 } }))).toBe(true)
    const many = { a: 10, 'b-2': 20, b: 30, v1: 40 }
    const reversed = Object.fromEntries(Object.entries(many).reverse())
    expect(same(table({ weights: many }), table({ weights: reversed }))).toBe(true)
  })

  it('tables that differ only in versions at 0%', () => {
    expect(same(table({ weights: { v1: 100 } }), table({ weights: { v1: 100, v2: 0 } }))).toBe(true)
    expect(same(table({ weights: { v2: 0, v1: 100, v3: 0 } }), table({ weights: { v1: 100 } }))).toBe(true)
    // Zero weights and key order together.
    expect(same(table({ weights: { v3: 0, v2: 10, v1: 90 } }), table({ weights: { v1: 90, v2: 10, v4: 0 } }))).toBe(
      true,
    )
  })

  it('no table on both sides', () => {
    expect(same(null, null)).toBe(true)
  })
})

describe('sameRouting: different routing', () => {
  it('a different champion (it takes the last bucket range), even with the same weights', () => {
    expect(same(table(), table({ champion: 'v2' }))).toBe(false)
  })

  it('a weight moved from one version to another', () => {
    expect(same(table({ weights: { v1: 90, v2: 10 } }), table({ weights: { v1: 80, v2: 20 } }))).toBe(false)
    expect(same(table({ weights: { v1: 100 } }), table({ weights: { v1: 99, v2: 1 } }))).toBe(false)
    expect(same(table({ weights: { v1: 90, v2: 10 } }), table({ weights: { v1: 90, v3: 10 } }))).toBe(false)
  })

  it('a different rule: its version, its condition, its percent, one more, one less, or their order', () => {
    const base = table()
    const rule = base.rules[0]!
    const other = { when: { header: 'x-region', in: ['eu', 'us'] }, version: 'v3' }
    expect(same(base, table({ rules: [{ ...rule, version: 'v3' }] }))).toBe(false)
    expect(same(base, table({ rules: [{ ...rule, when: { header: 'x-tier', equals: 'alpha' } }] }))).toBe(false)
    expect(same(base, table({ rules: [{ ...rule, when: { header: 'x-tier', prefix: 'beta' } }] }))).toBe(false)
    expect(same(base, table({ rules: [{ ...rule, percent: 50 }] }))).toBe(false)
    expect(same(base, table({ rules: [] }))).toBe(false)
    expect(same(base, table({ rules: [rule, other] }))).toBe(false)
    // The first matching rule wins: order is routing.
    expect(same(table({ rules: [rule, other] }), table({ rules: [other, rule] }))).toBe(false)
  })

  it('a different shadow: none, another version, another sample rate', () => {
    const base = table()
    expect(same(base, table({ shadow: null }))).toBe(false)
    expect(same(base, table({ shadow: { version: 'v2', sample_rate: 0.1 } }))).toBe(false)
    expect(same(base, table({ shadow: { version: 'v3', sample_rate: 0.5 } }))).toBe(false)
  })

  it('a table against no table', () => {
    expect(same(table(), null)).toBe(false)
  })
})
