import { describe, expect, it } from 'vitest'
import { outcomeNumber } from '../../../../src/core/metrics/outcomes'
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
