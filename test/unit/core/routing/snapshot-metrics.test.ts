/**
 * A routing snapshot's metrics (schemas/routing): unknown keys, a metric's own or its covariate's,
 * are dropped rather than refused, so a Worker of an older build still routes on a snapshot that a
 * newer coordinator published; the metric's checks still hold, and admin input stays strict.
 */
import { describe, expect, it } from 'vitest'
import { BusinessMetric, ModelInput } from '../../../../src/schemas/model'
import { RoutingSnapshot } from '../../../../src/schemas/routing'
import { snapshotWith } from './fixtures'

const conversion = { name: 'conversion', kind: 'proportion', direction: 'higher_is_better', window_s: 60 }
const snapshot = (metrics: unknown[]) => ({ ...snapshotWith({ champion: 'v1' }), metrics })

describe("a routing snapshot's metrics", () => {
  it('drop keys this build does not know, on the metric and on its covariate', () => {
    const future = { ...conversion, covariate: { header: 'x-cov', lag_days: 30 }, some_new_setting: true }
    const parsed = RoutingSnapshot.safeParse(snapshot([future]))
    expect(parsed.success).toBe(true)
    expect(parsed.data!.metrics).toEqual([BusinessMetric.parse({ ...conversion, covariate: { header: 'x-cov' } })])
  })

  it('still check what they hold (a response metric without its pointer or header is refused)', () => {
    const broken = { name: 'tokens', kind: 'mean', direction: 'lower_is_better', window_s: 60, source: 'response' }
    expect(RoutingSnapshot.safeParse(snapshot([broken])).success).toBe(false)
    expect(RoutingSnapshot.safeParse(snapshot([{ ...conversion, covariate: { lag_days: 30 } }])).success).toBe(false)
  })

  it('while admin input keeps refusing unknown keys', () => {
    const r = ModelInput.safeParse({ risk: 'low', metrics: [{ ...conversion, some_new_setting: true }] })
    expect(r.success).toBe(false)
    expect(BusinessMetric.safeParse({ ...conversion, covariate: { header: 'x', lag_days: 1 } }).success).toBe(false)
  })
})
