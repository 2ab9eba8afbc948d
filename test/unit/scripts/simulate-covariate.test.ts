import { describe, expect, it } from 'vitest'
import { niContrast } from '../../../src/core/stats/contrast'
import { cupedAdjust, momentsWithCovariate } from '../../../src/core/stats/cuped'
import { createRng } from '../../../src/core/stats/sim/prng'
import { sampleBinomial } from '../../../src/core/stats/sim/samplers'
import {
  CONVERSION_BASE,
  COVARIATE_RHO,
  MARGIN,
  SCENARIOS,
  covariateCells,
  scenarioConfig,
} from '../../../scripts/simulate/model'

/** Marginals and the φ coefficient of the 2×2 table [p₁₁, p₁₀, p₀₁, rest]. */
function table(cells: [number, number, number]) {
  const [p11, p10, p01] = cells
  const px = p11 + p10
  const py = p11 + p01
  return { px, py, rho: (p11 - px * py) / Math.sqrt(px * (1 - px) * py * (1 - py)) }
}

describe('the covariate scenarios of the benchmark (docs/statistics.md §13.2)', () => {
  it('draws x before exposure: its law is the same in both arms; y moves with the arm', () => {
    for (const effect of [0, -MARGIN / 2, -MARGIN]) {
      const cells = covariateCells(COVARIATE_RHO, effect)
      expect(Math.min(...cells, 1 - cells[0] - cells[1] - cells[2])).toBeGreaterThan(0)
      const t = table(cells)
      expect(t.px).toBeCloseTo(CONVERSION_BASE, 15)
      expect(t.py).toBeCloseTo(CONVERSION_BASE * (1 + effect), 15)
    }
    expect(table(covariateCells(COVARIATE_RHO, 0)).rho).toBeCloseTo(COVARIATE_RHO, 12)
    expect(table(covariateCells(0.3, 0)).rho).toBeCloseTo(0.3, 12)
  })

  it('declares the covariate on the conversion gate of the covariate scenarios only', () => {
    const covariate = (name: string) => scenarioConfig(SCENARIOS.find((s) => s.name === name)!).business[0]?.covariate
    expect(covariate('conv-half-margin-cuped')).toBe(true)
    expect(covariate('conv-at-margin-cuped')).toBe(true)
    expect(covariate('conv-half-margin')).toBeUndefined()
  })

  it('gives a standard-normal adjusted z exactly at the margin, with V × 1 − ρ² (2,000 stages of 24 h)', () => {
    const rho = 0.6
    const rng = createRng(5, 1)
    const draw = (n: number, p: [number, number, number]) => {
      const n11 = sampleBinomial(rng, n, p[0])
      const n10 = sampleBinomial(rng, n - n11, p[1] / (1 - p[0]))
      const n01 = sampleBinomial(rng, n - n11 - n10, p[2] / (1 - p[0] - p[1]))
      return momentsWithCovariate(n, n11 + n01, n11 + n01, n11 + n10, n11 + n10, n11)
    }
    const spec = { direction: 'higher_is_better' as const, marginKind: 'relative' as const, margin: MARGIN }
    const zs: number[] = []
    const ratios: number[] = []
    for (let r = 0; r < 2000; r++) {
      // A full simulated stage at once: 8.64 M requests, 10% to the challenger at −m.
      const nB = sampleBinomial(rng, 8_640_000, 0.1)
      const a = draw(8_640_000 - nB, covariateCells(rho, 0))
      const b = draw(nB, covariateCells(rho, -MARGIN))
      const adj = cupedAdjust(a, b)!
      const d = niContrast({ ...spec, champion: adj.champion, challenger: adj.challenger })
      zs.push(d.estimate / Math.sqrt(d.variance))
      ratios.push(d.variance / niContrast({ ...spec, champion: a, challenger: b }).variance)
    }
    const mean = zs.reduce((s, z) => s + z, 0) / zs.length
    const sd = Math.sqrt(zs.reduce((s, z) => s + (z - mean) ** 2, 0) / (zs.length - 1))
    // Standard errors of the mean and the sd over 2,000 draws: 0.022 and 0.016.
    expect(Math.abs(mean)).toBeLessThan(0.1)
    expect(sd).toBeGreaterThan(0.94)
    expect(sd).toBeLessThan(1.06)
    const ratio = ratios.reduce((s, v) => s + v, 0) / ratios.length
    // About 1 − ρ²: ρ is exact in the champion arm only, and θ is pooled.
    expect(Math.abs(ratio - (1 - rho * rho))).toBeLessThan(0.015)
  })
})
