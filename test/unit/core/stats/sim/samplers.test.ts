import { describe, expect, it } from 'vitest'
import { chiSquareSurvival, lgamma } from '../../../../../src/core/stats/special'
import {
  createRng,
  sampleBinomial,
  sampleExponential,
  sampleLognormal,
  sampleMultinomial,
  sampleNormal,
  samplePoisson,
  sampleUniform,
} from '../helpers/prng'

function meanVar(draw: () => number, n: number): { mean: number; variance: number } {
  let mean = 0
  let m2 = 0
  for (let i = 1; i <= n; i++) {
    const x = draw()
    const d = x - mean
    mean += d / i
    m2 += d * (x - mean)
  }
  return { mean, variance: m2 / (n - 1) }
}

describe('createRng', () => {
  it('is reproducible per (seed, stream) and differs across seeds and streams', () => {
    const seq = (seed: number, stream = 0) => {
      const r = createRng(seed, stream)
      return Array.from({ length: 5 }, () => r.uint32())
    }
    expect(seq(1)).toEqual(seq(1))
    expect(seq(1)).not.toEqual(seq(2))
    expect(seq(1, 0)).not.toEqual(seq(1, 1))
    for (const x of seq(99)) expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true)
  })

  it('produces uniforms in [0, 1) with mean 1/2 and variance 1/12', () => {
    const rng = createRng(123)
    const { mean, variance } = meanVar(() => rng.uniform(), 200_000)
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.003)
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.001)
    expect(sampleUniform(createRng(1), 3, 4)).toBeGreaterThanOrEqual(3)
  })
})

describe('continuous samplers', () => {
  it('normal, lognormal and exponential have the right first two moments', () => {
    const rng = createRng(5)
    const z = meanVar(() => sampleNormal(rng, 2, 3), 100_000)
    expect(Math.abs(z.mean - 2)).toBeLessThan(0.05)
    expect(Math.abs(z.variance / 9 - 1)).toBeLessThan(0.02)
    const ln = meanVar(() => Math.log(sampleLognormal(rng, 1, 0.5)), 100_000)
    expect(Math.abs(ln.mean - 1)).toBeLessThan(0.01)
    const ex = meanVar(() => sampleExponential(rng, 4), 100_000)
    expect(Math.abs(ex.mean / 0.25 - 1)).toBeLessThan(0.02)
  })
})

describe('sampleBinomial', () => {
  it.each([
    [600, 0.05],
    [5400, 0.05],
    [20, 0.5],
    [1000, 0.97],
    [1e9, 0.3],
  ])('Binomial(%s, %s) has mean np and variance np(1−p)', (n, p) => {
    const rng = createRng(77)
    const { mean, variance } = meanVar(() => sampleBinomial(rng, n, p), 40_000)
    const sd = Math.sqrt(n * p * (1 - p))
    expect(Math.abs(mean - n * p)).toBeLessThan((5 * sd) / Math.sqrt(40_000))
    expect(Math.abs(variance / (sd * sd) - 1)).toBeLessThan(0.05)
  })

  it('matches the Binomial(20, 0.3) pmf (χ² goodness of fit)', () => {
    const rng = createRng(2024)
    const n = 20
    const p = 0.3
    const draws = 100_000
    const counts = new Array<number>(n + 1).fill(0)
    for (let i = 0; i < draws; i++) {
      const k = sampleBinomial(rng, n, p)
      counts[k] = (counts[k] ?? 0) + 1
    }
    let chi2 = 0
    let cells = 0
    let tailObs = 0
    let tailExp = 0
    for (let k = 0; k <= n; k++) {
      const logPmf = lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log(1 - p)
      const expected = draws * Math.exp(logPmf)
      if (expected < 20) {
        tailObs += counts[k] ?? 0
        tailExp += expected
        continue
      }
      chi2 += ((counts[k] ?? 0) - expected) ** 2 / expected
      cells++
    }
    chi2 += (tailObs - tailExp) ** 2 / tailExp
    expect(chiSquareSurvival(chi2, cells)).toBeGreaterThan(1e-4)
  })

  it('handles the degenerate cases', () => {
    const rng = createRng(1)
    expect(sampleBinomial(rng, 0, 0.5)).toBe(0)
    expect(sampleBinomial(rng, 10, 0)).toBe(0)
    expect(sampleBinomial(rng, 10, 1)).toBe(10)
  })
})

describe('samplePoisson and sampleMultinomial', () => {
  it.each([0.6, 5.4, 300, 2e7])('Poisson(%s) has mean = variance = λ', (lambda) => {
    const rng = createRng(31)
    const { mean, variance } = meanVar(() => samplePoisson(rng, lambda), 40_000)
    expect(Math.abs(mean - lambda)).toBeLessThan((5 * Math.sqrt(lambda)) / Math.sqrt(40_000))
    expect(Math.abs(variance / lambda - 1)).toBeLessThan(0.05)
  })

  it('multinomial draws sum to n with the right means', () => {
    const rng = createRng(8)
    const totals = [0, 0, 0]
    for (let i = 0; i < 2000; i++) {
      const x = sampleMultinomial(rng, 1000, [1, 2, 7])
      expect(x.reduce((s, v) => s + v, 0)).toBe(1000)
      x.forEach((v, j) => (totals[j] = (totals[j] ?? 0) + v))
    }
    expect(totals.map((t) => t / 2e6)).toEqual([expect.closeTo(0.1, 2), expect.closeTo(0.2, 2), expect.closeTo(0.7, 2)])
  })
})
