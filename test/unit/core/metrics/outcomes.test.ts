import { describe, expect, it } from 'vitest'
import { outcomeNumber } from '../../../../src/core/metrics/outcomes'
import { BusinessMetric } from '../../../../src/schemas/model'

const proportion = BusinessMetric.parse({ name: 'repaid', kind: 'proportion', direction: 'higher_is_better', positive_labels: ['repaid'] })
const mean = BusinessMetric.parse({ name: 'revenue', kind: 'mean', direction: 'higher_is_better', cap: 100, floor: 0 })

describe('outcomeNumber', () => {
  it.each([
    [proportion, true, 1], [proportion, false, 0], [proportion, 1, 1], [proportion, 0, 0], [proportion, 'repaid', 1], [proportion, 'defaulted', 0],
    [mean, 42, 42], [mean, '42.5', 42.5], [mean, 1e6, 100], [mean, -5, 0],
  ] as const)('%#: maps %j to %d', (metric, raw, expected) => {
    expect(outcomeNumber(metric, raw)).toEqual({ ok: true, value: expected })
  })

  it.each([[proportion, 0.5], [mean, 'lots'], [mean, ''], [mean, true]] as const)('%#: refuses %j', (metric, raw) => {
    expect(outcomeNumber(metric, raw).ok).toBe(false)
  })
})
