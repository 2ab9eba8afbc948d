import { describe, expect, it } from 'vitest'
import { pct } from '../../../src/cli/format'
import { formatCondition } from '../../../src/core/rollout/describe'

describe('modelgate status: routing lines', () => {
  it('says which traffic each cohort rule takes, not only its header', () => {
    expect(formatCondition({ header: 'x-tier', equals: 'beta' })).toBe('x-tier=beta')
    expect(formatCondition({ header: 'x-tier', in: ['gold', 'platinum'] })).toBe('x-tier in [gold, platinum]')
  })

  it('shows a small shadow share as it is', () => {
    expect(pct(0.004, 1)).toBe('0.4%')
  })
})
