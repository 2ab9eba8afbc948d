/* eslint-disable no-loss-of-precision -- reference values are written with the digits their sources publish */
import { describe, expect, it } from 'vitest'
import {
  chiSquareSurvival,
  erf,
  erfc,
  lbeta,
  lgamma,
  logNormalCdf,
  normalCdf,
  normalQuantile,
  regularizedGammaP,
  regularizedGammaQ,
} from '../../../../src/core/stats/special'
import { relDiff } from './helpers/prng'

// Reference values computed with mpmath at 30 digits.
const LGAMMA: [number, number][] = [
  [0.5, 0.57236494292470008707],
  [1e-8, 18.420680738180208905],
  [0.1, 2.2527126517342059599],
  [1.5, -0.12078223763524522235],
  [2.5, 0.28468287047291915963],
  [7.7, 7.9265413562690044281],
  [33.3, 82.603723581654952928],
  [100, 359.13420536957539878],
  [1234.5, 7550.5509010778948957],
  [1e6, 12815504.56914761166],
  [1e10, 220258509288.81058147],
  [-0.5, 1.2655121234846453965],
  [-2.3, 0.36956666345500744818],
]

describe('lgamma', () => {
  it.each(LGAMMA)('matches the reference at x = %s to 1e-13 relative', (x, want) => {
    expect(relDiff(lgamma(x), want)).toBeLessThan(1e-13)
  })

  it('equals ln((n−1)!) at the integers, with exact zeros at 1 and 2', () => {
    let logFact = 0
    for (let n = 1; n <= 170; n++) {
      if (n > 1) logFact += Math.log(n - 1)
      expect(Math.abs(lgamma(n) - logFact)).toBeLessThan(1e-13 * Math.max(1, logFact))
    }
    expect(lgamma(1)).toBe(0)
    expect(lgamma(2)).toBe(0)
  })

  it('is accurate in absolute terms next to its zeros at 1 and 2', () => {
    // lnΓ(1 + ε) ≈ −γε and lnΓ(2 + ε) ≈ (1 − γ)ε for small ε.
    const gamma = 0.5772156649015329
    expect(Math.abs(lgamma(1 + 1e-6) + gamma * 1e-6)).toBeLessThan(1e-12)
    expect(Math.abs(lgamma(2 + 1e-6) - (1 - gamma) * 1e-6)).toBeLessThan(1e-12)
  })

  it('returns +Infinity at the poles', () => {
    expect(lgamma(0)).toBe(Infinity)
    expect(lgamma(-3)).toBe(Infinity)
  })

  it('satisfies the recurrence lnΓ(x+1) = lnΓ(x) + ln x', () => {
    for (const x of [0.01, 0.7, 3.3, 42.5, 999.9]) {
      expect(Math.abs(lgamma(x + 1) - lgamma(x) - Math.log(x))).toBeLessThan(1e-12 * (1 + x))
    }
  })
})

describe('lbeta', () => {
  it('matches closed forms: B(1, b) = 1/b and B(1/2, 1/2) = π', () => {
    expect(lbeta(1, 7)).toBeCloseTo(-Math.log(7), 13)
    expect(lbeta(0.5, 0.5)).toBeCloseTo(Math.log(Math.PI), 13)
    expect(lbeta(3, 4)).toBeCloseTo(Math.log(1 / 60), 13)
  })
})

describe('erf / erfc', () => {
  it('matches reference values', () => {
    expect(relDiff(erfc(3), 0.000022090496998585441373)).toBeLessThan(1e-13)
    expect(relDiff(erf(0.5), 0.52049987781304653768)).toBeLessThan(1e-14)
    expect(erfc(0)).toBe(1)
    expect(erf(-0.5)).toBe(-erf(0.5))
    expect(erfc(-3)).toBeCloseTo(2 - erfc(3), 15)
  })

  it('is continuous across the series / continued-fraction switch at x = 2', () => {
    const below = erfc(2 - 1e-12)
    const above = erfc(2)
    expect(relDiff(below, above)).toBeLessThan(1e-10)
  })
})

describe('normalCdf', () => {
  const CASES: [number, number, number][] = [
    [1.96, 0.97500210485177956586, -0.025315649164282112723],
    [-1, 0.15865525393145705141, -1.8410216450092635058],
    [-3, 0.0013498980316300945267, -6.6077262215103495433],
    [-10, 7.619853024160526066e-24, -53.231285150512470578],
    [-20, 2.7536241186062336951e-89, -203.91715537109726394],
    [5, 0.99999971334842812081, -2.8665161296376359338e-7],
  ]
  it.each(CASES)('Φ(%s) and ln Φ match the reference to 1e-13 relative', (z, cdf, logCdf) => {
    expect(relDiff(normalCdf(z), cdf)).toBeLessThan(1e-13)
    expect(relDiff(logNormalCdf(z), logCdf)).toBeLessThan(1e-13)
  })

  it('keeps ln Φ finite where Φ underflows', () => {
    expect(relDiff(logNormalCdf(-37.5), -707.66898931750719107)).toBeLessThan(1e-13)
    expect(Number.isFinite(logNormalCdf(-60))).toBe(true)
  })

  it('is symmetric: Φ(z) + Φ(−z) = 1', () => {
    for (const z of [0, 0.1, 0.9, 1.7, 2.5, 4]) {
      expect(normalCdf(z) + normalCdf(-z)).toBeCloseTo(1, 15)
    }
  })
})

describe('normalQuantile', () => {
  const CASES: [number, number][] = [
    [0.975, 1.9599639845400542355],
    [0.95, 1.6448536269514727149],
    [0.001, -3.0902323061678135415],
    [1e-10, -6.3613409024040562047],
    [1e-300, -37.047096299361199237],
    [0.9999, 3.7190164854556805644],
  ]
  it.each(CASES)('Φ⁻¹(%s) matches the reference to 1e-14 relative', (p, z) => {
    expect(relDiff(normalQuantile(p), z)).toBeLessThan(1e-14)
  })

  it('inverts normalCdf across the range, including the Acklam region switch', () => {
    for (const p of [1e-15, 0.0001, 0.02, 0.02425, 0.03, 0.2, 0.5, 0.77, 0.97575, 0.99]) {
      expect(relDiff(normalCdf(normalQuantile(p)), p)).toBeLessThan(1e-13)
    }
  })

  it('handles the ends of (0, 1)', () => {
    expect(normalQuantile(0)).toBe(-Infinity)
    expect(normalQuantile(1)).toBe(Infinity)
    expect(normalQuantile(0.5)).toBe(0)
  })
})

describe('regularized incomplete gamma', () => {
  const CASES: [number, number, number][] = [
    [0.5, 5.413791305, 0.00099999112126941224407],
    [0.5, 1.9207294, 0.05000000061708768815],
    [1.5, 5, 0.018566135463043233303],
    [10, 3, 0.99889751186988452026],
    [10, 30, 7.1217508628155770916e-6],
    [50, 40, 0.92966493334060504556],
    [0.5, 30, 9.4857375710738483885e-15],
  ]
  it.each(CASES)('Q(%s, %s) matches the reference to 1e-12 relative', (a, x, q) => {
    expect(relDiff(regularizedGammaQ(a, x), q)).toBeLessThan(1e-12)
    expect(regularizedGammaP(a, x) + regularizedGammaQ(a, x)).toBeCloseTo(1, 14)
  })

  it('gives the classic χ² critical values', () => {
    expect(chiSquareSurvival(10.827566170662733, 1)).toBeCloseTo(0.001, 12)
    expect(chiSquareSurvival(7.814727903251178, 3)).toBeCloseTo(0.05, 12)
    // df = 2: survival is exactly exp(−x/2).
    expect(relDiff(chiSquareSurvival(9.3, 2), Math.exp(-4.65))).toBeLessThan(1e-13)
  })
})
