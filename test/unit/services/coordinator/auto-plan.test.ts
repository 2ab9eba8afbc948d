/**
 * What `durations: "auto"` measures before the start (docs/statistics.md §2.7): each business
 * metric's maturation delay (its window plus the fold minute) and, for a mean metric, the rate of
 * outcomes, from the same matured rows the gates read.
 */
import { describe, expect, it } from 'vitest'
import { defaultGateConfig } from '../../../../src/core/gates/defaults'
import { autoDurations, measureTraffic } from '../../../../src/services/coordinator/auto-plan'
import { FakePort, HOUR } from './fake-port'

const revenue = {
  name: 'revenue',
  kind: 'mean' as const,
  direction: 'higher_is_better' as const,
  window_s: 3_600,
  positive_labels: [],
  margin: 0.1,
}

describe('measureTraffic', () => {
  it("measures the window, and a mean metric's outcomes per matured request", async () => {
    const port = new FakePort({ risk: 'low', metrics: [revenue] })
    // 6,000 champion requests in 1 h; 3,000 of them matured, 600 with a revenue outcome.
    port.plant({ version: 'v1', arm: 'champion', requests: 6_000 })
    port.matured.push({
      epoch: port.epoch,
      version: 'v1',
      arm: 'champion',
      segment: '',
      metric: 'revenue',
      exposures: 3_000,
      n: 600,
      sum: 6_000,
      sumSq: 600 * 100 + 599 * 400, // mean 10, sample variance 400
    })
    const measured = await measureTraffic(port, port.advance(HOUR))
    expect(measured?.ratePerMs).toBeCloseTo(6_000 / 3_600_000, 12)
    expect(measured?.metrics).toHaveLength(1)
    const m = measured!.metrics[0]!
    expect(m.maturationMs).toBe(3_600_000 + 60_000)
    // 600 outcomes per 3,000 matured requests of 1/600 requests per ms: 1/3,000 outcomes per ms.
    expect(m.outcomesPerMs).toBeCloseTo(1 / 3_000, 12)
    expect(m.variance).toBeCloseTo(400, 6)

    const business = [{ metric: 'revenue', kind: 'mean' as const, direction: 'higher_is_better' as const, margin: 0.1 }]
    const auto = autoDurations(measured, defaultGateConfig({ stage: 'canary', business }), [10])
    expect(auto?.measured[0]).toMatchObject({ metric: 'revenue', maturationMs: 3_660_000 })
    expect(auto?.measured[0]?.outcomesPerS).toBeCloseTo(1 / 3, 9)
  })
})
