import { describe, expect, it } from 'vitest'
import {
  chiSquareSurvival,
  erf,
  erfc,
  lbeta,
  lgamma,
  logNormalCdf,
  normalCdf,
  normalPdf,
  normalQuantile,
  regularizedGammaP,
  regularizedGammaQ,
} from '../../../../src/core/stats/special'

// Reference values: Python's math.lgamma / math.erf / math.erfc and scipy.special / scipy.stats
// (gammainc, gammaincc, chi2.sf, norm.ppf, norm.logcdf), or closed forms given in the comments.
const close = (actual: number, expected: number, rel = 1e-12) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)))

describe('special functions: NaN, infinities and domain edges', () => {
  it('propagates NaN', () => {
    for (const f of [lgamma, erf, erfc, logNormalCdf, normalQuantile]) expect(f(Number.NaN)).toBeNaN()
    expect(regularizedGammaP(Number.NaN, 1)).toBeNaN()
    expect(regularizedGammaP(1, Number.NaN)).toBeNaN()
    expect(regularizedGammaQ(Number.NaN, 1)).toBeNaN()
    expect(regularizedGammaQ(1, Number.NaN)).toBeNaN()
  })

  it('lnΓ at +∞ and at negative non-integers (reflection)', () => {
    expect(lgamma(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY)
    // Γ(−1/2) = −2√π: ln|Γ| = ln(2√π) = 1.2655121234846454.
    close(lgamma(-0.5), 1.265512123484645)
    close(lgamma(-2.5), -0.05624371649767457)
    close(lgamma(0.5), 0.5723649429247004) // ln √π
    close(lgamma(7.5), 7.534364236758734)
  })

  it('ln B(2, 3) = ln(1!·2!/4!) = ln(1/12)', () => {
    close(lbeta(2, 3), Math.log(1 / 12))
  })

  it('erf is odd and erfc(−x) = 2 − erfc(x), on both sides of the series switch at 2', () => {
    close(erf(-0.5), -0.5204998778130465)
    close(erf(3), 0.9999779095030014)
    close(erf(2.5), 0.999593047982555)
    close(erfc(-1), 1.842700792949715)
    close(erfc(1), 0.15729920705028513)
    close(erfc(3), 2.2090496998585438e-5, 1e-10)
    expect(erfc(30)).toBe(0)
    expect(erf(30)).toBe(1)
  })

  it('the normal density, CDF and log-CDF at reference points', () => {
    close(normalPdf(0), 1 / Math.sqrt(2 * Math.PI))
    close(normalPdf(1), 0.24197072451914337)
    close(normalCdf(0), 0.5)
    close(logNormalCdf(1), -0.1727537790234499)
    close(logNormalCdf(-1), -1.8410216450092634)
    close(logNormalCdf(-2), -3.783184333682031)
    // −z/√2 ≥ 2 takes the continued fraction: ln Φ(−4) and ln Φ(−6).
    close(logNormalCdf(-4), -10.36010148652729, 1e-10)
    close(logNormalCdf(-6), -20.73676894997471, 1e-10)
  })

  it('the normal quantile at the ends and in both tails', () => {
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY)
    expect(normalQuantile(-1)).toBe(Number.NEGATIVE_INFINITY)
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY)
    expect(normalQuantile(2)).toBe(Number.POSITIVE_INFINITY)
    close(normalQuantile(0.975), 1.959963984540054, 1e-9)
    close(normalQuantile(0.3), -0.5244005127080409, 1e-9)
    close(normalQuantile(1e-10), -6.361340902404056, 1e-9)
  })

  it('regularised incomplete gamma: closed forms for a = 1 and a = 3, both evaluation paths', () => {
    // P(1, x) = 1 − e^(−x): x = 0.5 < a + 1 (series), x = 3 ≥ a + 1 (continued fraction).
    close(regularizedGammaP(1, 0.5), 1 - Math.exp(-0.5))
    close(regularizedGammaP(1, 3), 1 - Math.exp(-3))
    close(regularizedGammaQ(1, 0.5), Math.exp(-0.5))
    close(regularizedGammaQ(1, 3), Math.exp(-3))
    // P(3, 2) = 1 − e^(−2)(1 + 2 + 2²/2); Q(3, 10) = e^(−10)(1 + 10 + 50).
    close(regularizedGammaP(3, 2), 1 - 5 * Math.exp(-2))
    close(regularizedGammaQ(3, 10), 61 * Math.exp(-10))
    close(regularizedGammaQ(2.5, 4), 0.1562356275777222, 1e-10)
    close(regularizedGammaP(0.5, 0.2), 0.47291074313446196, 1e-10)
    expect(regularizedGammaP(2, 0)).toBe(0)
    expect(regularizedGammaP(2, -1)).toBe(0)
    expect(regularizedGammaP(2, Number.POSITIVE_INFINITY)).toBe(1)
    expect(regularizedGammaQ(2, 0)).toBe(1)
    expect(regularizedGammaQ(2, -1)).toBe(1)
    expect(regularizedGammaQ(2, Number.POSITIVE_INFINITY)).toBe(0)
  })

  it('χ² survival at tabulated points', () => {
    close(chiSquareSurvival(3.841458820694124, 1), 0.05, 1e-10)
    close(chiSquareSurvival(10, 4), 0.04042768199451279, 1e-10)
    close(chiSquareSurvival(1, 3), 0.8012519569012009, 1e-10)
    // df = 2: exactly e^(−x/2).
    close(chiSquareSurvival(5, 2), Math.exp(-2.5))
  })
})
