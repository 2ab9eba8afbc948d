import { describe, expect, it } from 'vitest'
import { OUTCOME_STATUSES, outcomeNumber, repeatStatus } from '../../../../src/core/metrics/outcomes'
import { BusinessMetric } from '../../../../src/schemas/model'

const proportion = BusinessMetric.parse({
  name: 'repaid',
  kind: 'proportion',
  direction: 'higher_is_better',
  positive_labels: ['repaid'],
})
const mean = BusinessMetric.parse({ name: 'revenue', kind: 'mean', direction: 'higher_is_better', cap: 100, floor: 0 })
const uncapped = BusinessMetric.parse({ name: 'basket', kind: 'mean', direction: 'higher_is_better' })

describe('outcomeNumber', () => {
  it.each([
    [proportion, true, 1],
    [proportion, false, 0],
    [proportion, 1, 1],
    [proportion, 0, 0],
    [proportion, 'repaid', 1],
    [proportion, 'defaulted', 0],
    [mean, 42, 42],
    [mean, '42.5', 42.5],
    [mean, 1e6, 100],
    [mean, -5, 0],
    [mean, 1e200, 100],
    [uncapped, 1e15, 1e15],
    [uncapped, -1e15, -1e15],
  ] as const)('%#: maps %j to %d', (metric, raw, expected) => {
    expect(outcomeNumber(metric, raw)).toEqual({ ok: true, value: expected })
  })

  it.each([
    [proportion, 0.5],
    [mean, 'lots'],
    [mean, ''],
    [mean, true],
  ] as const)('%#: refuses %j', (metric, raw) => {
    expect(outcomeNumber(metric, raw).ok).toBe(false)
  })

  it.each([1e200, -1e16, '2e15'] as const)(
    'refuses %j for a mean with no cap: its square would overflow the sums',
    (raw) => {
      expect(outcomeNumber(uncapped, raw)).toEqual({
        ok: false,
        reason: 'mean metric basket takes values within ±1000000000000000 (after its cap and floor)',
      })
    },
  )
})

describe('the outcome results a shard answers', () => {
  it('has one word for each case: counted, repeated, contradicted, too late', () => {
    expect(OUTCOME_STATUSES).toEqual(['accepted', 'duplicate', 'conflict', 'expired'])
  })

  it.each([
    ['the same value again', 1, 1, 'duplicate'],
    ['the same mean value again', 42.5, 42.5, 'duplicate'],
    ['a different value', 1, 0, 'conflict'],
    ['a different mean value', 42.5, 42.4, 'conflict'],
    ['zero after one', 0, 1, 'conflict'],
    ['an unknown first value (stored before values were kept)', null, 0, 'duplicate'],
  ] as const)('%s → %s', (_name, first, value, status) => {
    expect(repeatStatus(first, value)).toBe(status)
  })

  it('compares counted numbers: true, 1 and a positive label are the same report', () => {
    const counted = (metric: typeof mean, raw: boolean | number | string) => {
      const r = outcomeNumber(metric, raw)
      if (!r.ok) throw new Error(r.reason)
      return r.value
    }
    expect(repeatStatus(counted(proportion, true), counted(proportion, 'repaid'))).toBe('duplicate')
    expect(repeatStatus(counted(proportion, 1), counted(proportion, 'late'))).toBe('conflict')
    // Above the cap both count as the cap: the gates see no difference.
    expect(repeatStatus(counted(mean, 150), counted(mean, 120))).toBe('duplicate')
    expect(repeatStatus(counted(mean, 50), counted(mean, 120))).toBe('conflict')
  })
})
