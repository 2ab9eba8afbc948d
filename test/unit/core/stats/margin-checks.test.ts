import { describe, expect, it } from 'vitest'
import { checkMargin } from '../../../../src/core/stats/contrast'

describe('checkMargin: which margins make sense', () => {
  it('names the margin it rejects (default "margin")', () => {
    const spec = { direction: 'lower_is_better', marginKind: 'absolute' } as const
    expect(() => checkMargin({ ...spec, margin: -1 })).toThrow('margin must be a finite number ≥ 0')
    expect(() => checkMargin({ ...spec, margin: Number.POSITIVE_INFINITY }, 'failMargin')).toThrow(
      'failMargin must be a finite number ≥ 0',
    )
  })

  it('a relative margin of a higher-is-better metric must stay below 100% (k = 1 − m > 0)', () => {
    expect(() =>
      checkMargin({ direction: 'higher_is_better', marginKind: 'relative', margin: 1 }, 'failMargin'),
    ).toThrow('relative failMargin for a higher-is-better metric must be < 1')
    expect(() => checkMargin({ direction: 'higher_is_better', marginKind: 'relative', margin: 0.99 })).not.toThrow()
    // Absolute margins and lower-is-better metrics have no such cap.
    expect(() => checkMargin({ direction: 'higher_is_better', marginKind: 'absolute', margin: 5 })).not.toThrow()
    expect(() => checkMargin({ direction: 'lower_is_better', marginKind: 'relative', margin: 5 })).not.toThrow()
  })
})
