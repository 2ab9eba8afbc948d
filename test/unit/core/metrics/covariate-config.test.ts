/**
 * Declaring a pre-exposure covariate on a business metric: what the model schema accepts, and the
 * gate flag it turns into (core/metrics/covariate; README, "Business metrics").
 */
import { describe, expect, it } from 'vitest'
import { BusinessMetric, ModelInput } from '../../../../src/schemas/model'
import { StartRolloutInput } from '../../../../src/schemas/rollout'
import { buildRolloutConfig } from '../../../../src/services/coordinator/rollout-request'

const conversion = { name: 'conversion', kind: 'proportion', direction: 'higher_is_better' }

/** The issues of a model input with these metrics, as "path: message". */
function issues(metrics: unknown[]): string[] {
  const r = ModelInput.safeParse({ risk: 'low', metrics })
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

describe('the covariate declaration', () => {
  it('accepts a header name (lower-cased) on proportion metrics, the same header on several', () => {
    const m = BusinessMetric.parse({ ...conversion, covariate: { header: 'X-ModelGate-Covariate' } })
    expect(m.covariate).toEqual({ header: 'x-modelgate-covariate' })
    const two = [
      { ...conversion, covariate: { header: 'x-cov' } },
      { ...conversion, name: 'repaid', covariate: { header: 'X-Cov' } },
    ]
    expect(issues(two)).toEqual([])
  })

  it.each([
    ['a header that is not a header name', { header: 'x cov' }, 'metrics.0.covariate.header'],
    ['no header', {}, 'metrics.0.covariate.header'],
    ['an unknown field', { header: 'x-cov', lag_days: 30 }, 'metrics.0.covariate'],
    ['a bare string', 'x-cov', 'metrics.0.covariate'],
  ])('refuses %s, naming the field', (_label, covariate, path) => {
    const found = issues([{ ...conversion, covariate }])
    expect(found.some((i) => i.startsWith(`${path}:`))).toBe(true)
  })

  it('refuses a covariate on a response metric (its values are not outcomes)', () => {
    const tokens = {
      name: 'tokens',
      kind: 'mean',
      direction: 'lower_is_better',
      source: 'response',
      header: 'x-tokens',
    }
    expect(issues([{ ...tokens, cap: 1e6, floor: 0, covariate: { header: 'x-cov' } }])).toEqual([
      'metrics.0.covariate: a covariate applies to outcome metrics only',
    ])
  })

  it('refuses a covariate on a mean outcome metric (its units are the requests that reported)', () => {
    const order = { name: 'order_value', kind: 'mean', direction: 'higher_is_better', cap: 1000, floor: 0 }
    expect(issues([conversion, { ...order, covariate: { header: 'x-cov' } }])).toEqual([
      'metrics.1.covariate: a covariate applies to proportion metrics only (a mean counts only the units that reported)',
    ])
    expect(issues([conversion, order])).toEqual([])
    // Stored before the rule: the metric shape itself (snapshots, views) still parses.
    expect(BusinessMetric.parse({ ...order, covariate: { header: 'x-cov' } }).covariate).toEqual({ header: 'x-cov' })
  })

  it('refuses two different covariate headers in one model (the request id carries one value)', () => {
    const found = issues([
      { ...conversion, covariate: { header: 'x-a' } },
      { ...conversion, name: 'repaid', covariate: { header: 'x-b' } },
    ])
    expect(found).toEqual(['metrics.1.covariate.header: one covariate header per model: x-a is declared already'])
  })

  it("maps to `covariate: true` on the metric's business gate, and to nothing without it", () => {
    const facts = {
      model: 'm',
      champion: 'v1',
      slaP99Ms: null,
      metrics: [
        BusinessMetric.parse({ ...conversion, covariate: { header: 'x-cov' } }),
        BusinessMetric.parse({ ...conversion, name: 'repaid' }),
      ],
      championLatency: null,
      championP99Ms: null,
    }
    const { config } = buildRolloutConfig(StartRolloutInput.parse({ challenger: 'v2', strategy: 'canary' }), facts)
    const [withX, without] = config.gates.canary!.business
    expect(withX).toMatchObject({ metric: 'conversion', covariate: true })
    expect(without!.metric).toBe('repaid')
    expect('covariate' in without!).toBe(false)
  })
})
