import { describe, expect, it } from 'vitest'
import { snakeKeys } from '../../../src/core/case'

describe('snakeKeys', () => {
  it('renames camelCase keys at every depth, in objects and arrays, and keeps values', () => {
    const out = snakeKeys({
      forStep: 1,
      srm: { pValue: 0.5, observedShare: null },
      metrics: [{ pValue: 0.01, reason: 'keepsCamelCaseValues' }],
      timeToConfirmMs: 60_000,
    })
    expect(out).toEqual({
      for_step: 1,
      srm: { p_value: 0.5, observed_share: null },
      metrics: [{ p_value: 0.01, reason: 'keepsCamelCaseValues' }],
      time_to_confirm_ms: 60_000,
    })
  })

  it('leaves lower-case keys alone: names users give (versions, metrics) are keys in some details', () => {
    const details = { weights: { 'v1.2-beta': 90, v2_x: 10 }, metric_deltas: { repaid: { delta: -0.1 } } }
    expect(snakeKeys(details)).toEqual(details)
    expect(snakeKeys(null)).toBeNull()
    expect(snakeKeys('aB')).toBe('aB')
  })
})
