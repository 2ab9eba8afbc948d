/**
 * CUPED plumbing in the core: reading a covariate header, summing it into the rows that count
 * exposures, and the evidence's Moments built from the matured sums (core/metrics/covariate).
 */
import { describe, expect, it } from 'vitest'
import { aggregate, emptyAgg, mergeAgg } from '../../../../src/core/metrics/aggregate'
import { covariateOf, parseCovariate } from '../../../../src/core/metrics/covariate'
import { buildEvidence, type MetricSpec } from '../../../../src/core/metrics/evidence'
import type { MaturedRow } from '../../../../src/core/metrics/outcomes'
import { mergeSummaries } from '../../../../src/core/metrics/summary'
import { momentsWithCovariate } from '../../../../src/core/stats/cuped'
import { momentsFromSums } from '../../../../src/core/stats/moments'
import type { BusinessMetric } from '../../../../src/core/registry/types'
import { at, req } from './fixtures'

describe('parseCovariate', () => {
  it.each([
    ['0.37', 0.37],
    [' 2 ', 2],
    ['-1e3', -1000],
    ['+.5', 0.5],
    ['1.23456789', 1.23457],
    ['123456789', 123457000],
    ['-0', 0],
    ['1e15', 1e15],
  ])('reads %j as %s (6 significant digits)', (raw, x) => {
    const got = parseCovariate(raw)
    expect(got).toBe(x)
    expect(Object.is(got, -0)).toBe(false)
  })

  it.each([
    ['missing', null],
    ['undefined', undefined],
    ['empty', ''],
    ['blank', '   '],
    ['text', 'abc'],
    ['a number with a unit', '3px'],
    ['a decimal comma', '1,5'],
    ['hex', '0x10'],
    ['NaN', 'NaN'],
    ['Infinity', 'Infinity'],
    ['-Infinity', '-Infinity'],
    ['an overflowing exponent', '1e400'],
    ['a value beyond ±1e15', '-2e15'],
    ['a very long string', '1'.repeat(41)],
  ])('treats %s as missing', (_label, raw) => {
    expect(parseCovariate(raw as string | null | undefined)).toBeNull()
  })
})

const metric = (over: Partial<BusinessMetric> = {}): BusinessMetric => ({
  name: 'conversion',
  kind: 'proportion',
  direction: 'higher_is_better',
  window_s: 3600,
  positive_labels: ['1'],
  margin: 0.02,
  ...over,
})

describe('covariateOf', () => {
  const declared = [metric({ name: 'other' }), metric({ covariate: { header: 'x-modelgate-covariate' } })]
  it('is undefined when no metric declares a covariate (nothing is recorded)', () => {
    expect(covariateOf([metric()], { 'x-modelgate-covariate': '0.5' })).toBeUndefined()
  })
  it('reads the declared header, and imputes 0 when it is missing or unreadable', () => {
    expect(covariateOf(declared, { 'x-modelgate-covariate': '0.5' })).toBe(0.5)
    expect(covariateOf(declared, {})).toBe(0)
    expect(covariateOf(declared, { 'x-modelgate-covariate': 'n/a' })).toBe(0)
  })
})

describe('covariate sums in rows', () => {
  it('sums x and x² into the row that counts the exposure, the assigned arm also after a fallback', () => {
    const rows = aggregate([
      req({ covariate: 2 }),
      req({ covariate: 3 }),
      req({ version: 'v2', arm: 'challenger', covariate: 5 }),
      // v2's attempt failed and v1 answered: the exposure (and x) is v2's.
      req({ covariate: 7, fallback: { version: 'v2', arm: 'challenger' } }),
      req({ version: 'v2', arm: 'challenger' }),
    ])
    const byArm = Object.fromEntries([...rows.values()].map((r) => [r.key.arm, r.agg.covariate]))
    expect(byArm.champion).toEqual({ sum: 5, sumSq: 13 })
    expect(byArm.challenger).toEqual({ sum: 12, sumSq: 74 })
  })

  it('merges exactly, and leaves rows of models without a covariate without sums', () => {
    const a = emptyAgg()
    const b = [...aggregate([req({ covariate: 1.5 }), req({ covariate: -0.5 })]).values()][0]!.agg
    mergeAgg(a, b)
    mergeAgg(a, b)
    expect(a.covariate).toEqual({ sum: 2, sumSq: 5 })
    const plain = [...aggregate([req({})]).values()][0]!.agg
    expect(plain.covariate).toBeUndefined()
    mergeAgg(plain, emptyAgg())
    expect(plain.covariate).toBeUndefined()
  })
})

describe('evidence with a covariate', () => {
  const matured = (over: Partial<MaturedRow>): MaturedRow => ({
    epoch: 3,
    version: 'v1',
    arm: 'champion',
    segment: '',
    metric: 'conversion',
    exposures: 0,
    n: 0,
    sum: 0,
    sumSq: 0,
    ...over,
  })
  // Two shards' matured rows per arm; the sums must add up across them.
  const parts = [
    matured({ exposures: 60, n: 20, sum: 12, sumSq: 12, sumX: 30, sumXSq: 20, outSumX: 14, outSumXSq: 11, sumXY: 9 }),
    matured({ exposures: 40, n: 10, sum: 8, sumSq: 8, sumX: 10, sumXSq: 6, outSumX: 6, outSumXSq: 4, sumXY: 5 }),
    matured({
      version: 'v2',
      arm: 'challenger',
      exposures: 90,
      n: 25,
      sum: 18,
      sumSq: 18,
      sumX: 50,
      sumXSq: 33,
      outSumX: 15,
      outSumXSq: 10,
      sumXY: 11,
    }),
  ]
  const summary = mergeSummaries(parts.map((m) => ({ cumulative: [], matured: [m], counterfactual: [] })))
  const canary = { kind: 'canary' as const, champion: 'v1', challenger: 'v2', weight: 50 }
  const clock = { stageStartedAt: at, now: at + 1 }

  it('a proportion: n = matured exposures, x over those exposures, Σxy from the outcomes', () => {
    const spec: MetricSpec = { name: 'conversion', kind: 'proportion', covariate: true }
    const e = buildEvidence(summary, canary, [spec], clock)
    expect(e.champion.outcomes.conversion).toEqual(momentsWithCovariate(100, 20, 20, 40, 26, 14))
    expect(e.challenger.outcomes.conversion).toEqual(momentsWithCovariate(90, 18, 18, 50, 33, 11))
  })

  it('a mean (declared before the rule): n = outcomes and no covariate, the outcomes being a selection', () => {
    const spec: MetricSpec = { name: 'conversion', kind: 'mean', covariate: true }
    const e = buildEvidence(summary, canary, [spec], clock)
    expect(e.champion.outcomes.conversion).toEqual(momentsFromSums(30, 20, 20))
    expect(e.challenger.outcomes.conversion!.x).toBeUndefined()
  })

  it('without the declaration, or in a watch (a non-concurrent baseline), the moments carry no covariate', () => {
    const declared: MetricSpec = { name: 'conversion', kind: 'proportion', covariate: true }
    const plain = buildEvidence(summary, canary, [{ name: 'conversion', kind: 'proportion' }], clock)
    expect(plain.champion.outcomes.conversion).toEqual({ n: 100, mean: 0.2, m2: 16 })
    const watch = { kind: 'watch' as const, champion: 'v2', challenger: 'v1', baseline: summary }
    const w = buildEvidence(summary, watch, [declared], clock)
    expect(w.champion.outcomes.conversion!.x).toBeUndefined()
    expect(w.challenger.outcomes.conversion!.x).toBeUndefined()
  })
})
