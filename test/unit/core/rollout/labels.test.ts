import { describe, expect, it } from 'vitest'
import { formatCondition, stepLabel, verdictSays } from '../../../../src/core/rollout'

describe('labels of cohort conditions, as event reasons show them', () => {
  it.each([
    [{ header: 'x-tier', equals: 'beta' }, 'x-tier=beta'],
    [{ header: 'x-tier', in: ['a', 'b'] }, 'x-tier in [a, b]'],
    [{ header: 'x-user', prefix: 'emp-' }, 'x-user^=emp-'],
    [{ cf: 'country' as const, in: ['NZ'] }, 'cf.country in [NZ]'],
    [{ cf: 'colo' as const, prefix: 'AK' }, 'cf.colo^=AK'],
  ])('%j reads %j', (when, label) => {
    expect(formatCondition(when)).toBe(label)
  })

  it('labels a cohort step by its condition and share', () => {
    expect(stepLabel({ kind: 'cohort', when: { header: 'x-tier', in: ['gold'] }, percent: 50 } as never)).toBe(
      'cohort x-tier in [gold] 50%',
    )
  })
})

describe('verdictSays', () => {
  it('drops only a final period of the gate reason, not one inside it', () => {
    expect(verdictSays('PASS', 'canary 5%', 'PASS: p = 0.01. All 3 gates passed.')).toBe(
      'PASS at canary 5%: p = 0.01. All 3 gates passed',
    )
    expect(verdictSays('FAIL', 'shadow', 'error rate 2.5% above 1.0%')).toBe(
      'FAIL at shadow: error rate 2.5% above 1.0%',
    )
  })
})
