import { describe, expect, it } from 'vitest'
import {
  alwaysValidPValue,
  cAlpha,
  logHalfNormalMixture,
  mixtureBoundary,
  tau2ForHorizon,
} from '../../../../src/core/stats/mixture'

describe('normal mixture: edges and closed forms', () => {
  it('accepts only one-sided α in (0, 0.5)', () => {
    for (const alpha of [0, 0.5, -0.1, Number.NaN]) {
      expect(() => cAlpha(alpha)).toThrow('one-sided alpha must be in (0, 0.5)')
      expect(() => mixtureBoundary(1, 1, alpha)).toThrow('one-sided alpha must be in (0, 0.5)')
    }
  })

  it('τ² for a horizon is c_α·V_plan', () => {
    // c_0.05: l = −2 ln 0.1 = 4.605170; c = l + ln(1 + l) = 4.605170 + 1.723689 = 6.328859.
    expect(tau2ForHorizon(0.05, 2)).toBeCloseTo(2 * 6.328859, 5)
  })

  it('boundary: infinite without a mixing variance, 0 with no variance, NaN for a bad variance', () => {
    expect(mixtureBoundary(1, 0, 0.05)).toBe(Number.POSITIVE_INFINITY)
    expect(mixtureBoundary(1, Number.NaN, 0.05)).toBe(Number.POSITIVE_INFINITY)
    expect(mixtureBoundary(0, 1, 0.05)).toBe(0)
    expect(mixtureBoundary(-1, 1, 0.05)).toBeNaN()
    expect(mixtureBoundary(Number.NaN, 1, 0.05)).toBeNaN()
  })

  it('log mixture density at d = 0 is ½ ln(V/(V+τ²)); at d = 4, V = 1, τ² = 3 it is 6 + ln Φ(2√3)', () => {
    // d = 0: ln 2 + ½ ln(1/4) + 0 + ln Φ(0) = ln 2 − ln 2 − ln 2 = −ln 2.
    expect(logHalfNormalMixture(0, 1, 3)).toBeCloseTo(-Math.LN2, 14)
    // s = V(V+τ²) = 4: τ²d²/(2s) = 48/8 = 6; √τ²·d/√s = 2√3; ln Φ(2√3) = −0.000266038 (scipy).
    expect(logHalfNormalMixture(4, 1, 3)).toBeCloseTo(5.9997339618624235, 10)
  })

  it('p-value: 1 without evidence (clamped), 1 for unusable inputs, e^(−log mixture) otherwise', () => {
    // At d = 0 the mixture is 1/2, so 1/mixture = 2 is clamped to 1.
    expect(alwaysValidPValue(0, 1, 3)).toBe(1)
    expect(alwaysValidPValue(-5, 1, 3)).toBe(1)
    expect(alwaysValidPValue(4, 0, 3)).toBe(1)
    expect(alwaysValidPValue(4, Number.NaN, 3)).toBe(1)
    expect(alwaysValidPValue(4, 1, 0)).toBe(1)
    expect(alwaysValidPValue(Number.NaN, 1, 3)).toBe(1)
    expect(alwaysValidPValue(4, 1, 3)).toBeCloseTo(Math.exp(-5.9997339618624235), 12)
  })
})
