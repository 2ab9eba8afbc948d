import { describe, expect, it } from 'vitest'
import { gateConfigProblems, marginProblem, rateProblem } from '../../../../src/core/gates/config-check'
import type { GateConfig } from '../../../../src/core/gates/types'
import { canaryConfig } from './helpers'

/** A configuration every check accepts, with each gate kind present. */
const valid = (overrides: Partial<GateConfig> = {}): GateConfig =>
  canaryConfig({
    business: [
      { metric: 'conversion', kind: 'proportion', direction: 'higher_is_better', margin: 0.02 },
      { metric: 'cost', kind: 'mean', direction: 'lower_is_better', margin: 1.5 },
    ],
    errorRate: { margin: 0.25, floor: 0 },
    latency: { thresholdMs: 320, margin: 0.1 },
    divergence: { maxRate: 0.05 },
    ...overrides,
  })

describe('gateConfigProblems names every setting no gate test can run with', () => {
  it('accepts valid settings, including a lower-is-better margin of 100% or more and a zero floor', () => {
    expect(gateConfigProblems(valid())).toEqual([])
  })

  it('checks each business metric, naming it, with its own direction', () => {
    const problems = gateConfigProblems(
      valid({
        business: [
          { metric: 'conversion', kind: 'proportion', direction: 'higher_is_better', margin: 1 },
          { metric: 'cost', kind: 'mean', direction: 'lower_is_better', margin: 0.1, failMargin: 0.2 },
        ],
      }),
    )
    expect(problems).toEqual([
      {
        field: 'business',
        message: 'conversion: a relative margin of 100% on a higher-is-better metric must be < 100%',
      },
      { field: 'business', message: 'cost: fail margin 20% must be between 0 and the margin 10%' },
    ])
  })

  it('takes an absent fail margin as the margin itself', () => {
    expect(
      gateConfigProblems(valid({ errorRate: { margin: 0.25 }, latency: { thresholdMs: 1, margin: 0.1 } })),
    ).toEqual([])
  })

  it('checks the error-rate margin and floor, the latency margin and the divergence maximum', () => {
    const problems = gateConfigProblems(
      valid({
        errorRate: { margin: 0.1, failMargin: 0.3, floor: 1 },
        latency: { thresholdMs: 320, margin: -0.1 },
        divergence: { maxRate: 0 },
      }),
    )
    expect(problems).toEqual([
      { field: 'error_rate', message: 'fail margin 30% must be between 0 and the margin 10%' },
      { field: 'error_rate.floor', message: 'floor 1 must be in [0, 1)' },
      { field: 'latency', message: 'margin -0.1 must be a finite number ≥ 0' },
      { field: 'divergence.max_rate', message: 'max rate 0 must be in (0, 1)' },
    ])
  })

  it('skips the gates a configuration turns off', () => {
    expect(gateConfigProblems(valid({ business: [], errorRate: null, latency: null, divergence: null }))).toEqual([])
  })
})

describe('marginProblem and rateProblem', () => {
  it('refuses a margin that is not a finite number ≥ 0', () => {
    expect(marginProblem(Number.NaN, 0, false)).toBe('margin NaN must be a finite number ≥ 0')
    expect(marginProblem(Number.POSITIVE_INFINITY, 0, false)).toBe('margin Infinity must be a finite number ≥ 0')
    expect(marginProblem(0, 0, true)).toBeNull()
  })

  it('accepts a fail margin from 0 up to the margin, inclusive', () => {
    expect(marginProblem(0.1, 0, false)).toBeNull()
    expect(marginProblem(0.1, 0.1, false)).toBeNull()
    expect(marginProblem(0.1, -0.01, false)).toContain('fail margin')
  })

  it('accepts a relative margin just under 100% on a higher-is-better metric', () => {
    expect(marginProblem(0.99, 0.99, true)).toBeNull()
  })

  it('keeps rates strictly below 1, and above 0 unless zero is allowed', () => {
    expect(rateProblem('floor', 0, true)).toBeNull()
    expect(rateProblem('floor', 0.999, true)).toBeNull()
    expect(rateProblem('floor', -0.01, true)).toBe('floor -0.01 must be in [0, 1)')
    expect(rateProblem('max rate', 1, false)).toBe('max rate 1 must be in (0, 1)')
    expect(rateProblem('max rate', 0.5, false)).toBeNull()
  })
})
