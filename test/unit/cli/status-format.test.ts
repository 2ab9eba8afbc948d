import { describe, expect, it } from 'vitest'
import { ruleCondition } from '../../../src/cli/commands/status'

describe('modelgate status: cohort rules', () => {
  it('says which traffic each rule takes, not only its header', () => {
    expect(ruleCondition({ header: 'x-tier', equals: 'beta' })).toBe('x-tier = beta')
    expect(ruleCondition({ header: 'x-tier', in: ['gold', 'platinum'] })).toBe('x-tier in (gold, platinum)')
    expect(ruleCondition({ header: 'x-region', prefix: 'eu-' })).toBe('x-region starts with eu-')
  })
})
