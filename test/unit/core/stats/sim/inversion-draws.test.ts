import { describe, expect, it } from 'vitest'
import { type Rng, createRng } from '../../../../../src/core/stats/sim/prng'
import {
  sampleBinomial,
  sampleExponential,
  sampleLognormal,
  sampleMultinomial,
  sampleNormal,
  samplePoisson,
  sampleUniform,
} from '../../../../../src/core/stats/sim/samplers'

/** An Rng that replays the given uniforms (cycling), so each draw can be worked out by hand. */
function replay(...us: number[]): Rng {
  let i = 0
  return {
    uint32: () => 0,
    uniform: () => us[i++ % us.length] as number,
  }
}

describe('samplers: one draw from a known uniform', () => {
  it('uniform, exponential and Box–Muller normal', () => {
    expect(sampleUniform(replay(0.25), 2, 6)).toBe(3) // 2 + 4·0.25
    expect(sampleExponential(replay(0.5), 2)).toBeCloseTo(Math.LN2 / 2, 15) // −ln(1 − 0.5)/2
    // u1 = 1 − 0.5, u2 = 0: 10 + 2·sqrt(−2 ln 0.5)·cos 0 = 10 + 2·1.177410 = 12.354820.
    expect(sampleNormal(replay(0.5, 0), 10, 2)).toBeCloseTo(12.35482004503095, 12)
    expect(sampleLognormal(replay(0.5, 0), 1, 0.5)).toBeCloseTo(Math.exp(1 + 0.5 * 1.1774100225154747), 12)
  })

  it('Binomial inverts outward from the mode: k = mode, mode − 1, mode + 1, …', () => {
    // Binomial(2, ½): pmf ¼, ½, ¼; mode ⌊3·½⌋ = 1; order 1, 0, 2 → cumulative ½, ¾, 1.
    expect(sampleBinomial(replay(0.1), 2, 0.5)).toBe(1)
    expect(sampleBinomial(replay(0.6), 2, 0.5)).toBe(0)
    expect(sampleBinomial(replay(0.9), 2, 0.5)).toBe(2)
    // Binomial(3, ½): pmf ⅛, ⅜, ⅜, ⅛; mode 2; order 2, 1, 3, 0 → ⅜, ¾, ⅞, 1.
    expect(sampleBinomial(replay(0.8), 3, 0.5)).toBe(3)
    expect(sampleBinomial(replay(0.95), 3, 0.5)).toBe(0)
  })

  it('Poisson inverts outward from the mode', () => {
    // Poisson(2): P(2) = P(1) = 2e⁻², P(3) = (4/3)e⁻², P(0) = e⁻², P(4) = (2/3)e⁻²;
    // cumulative in the order 2, 1, 3, 0, 4: 0.2707, 0.5413, 0.7218, 0.8571, 0.9473.
    expect(samplePoisson(replay(0.2), 2)).toBe(2)
    expect(samplePoisson(replay(0.5), 2)).toBe(1)
    expect(samplePoisson(replay(0.7), 2)).toBe(3)
    expect(samplePoisson(replay(0.8), 2)).toBe(0)
    expect(samplePoisson(replay(0.9), 2)).toBe(4)
  })

  it('degenerate parameters give the only possible value', () => {
    for (const u of [0, 0.5, 0.999]) {
      expect(sampleBinomial(replay(u), 0, 0.5)).toBe(0)
      expect(sampleBinomial(replay(u), -3, 0.5)).toBe(0)
      expect(sampleBinomial(replay(u), 10, 0)).toBe(0)
      expect(sampleBinomial(replay(u), 10, -0.5)).toBe(0)
      expect(sampleBinomial(replay(u), 10, 1)).toBe(10)
      expect(sampleBinomial(replay(u), 10, 1.5)).toBe(10)
      expect(samplePoisson(replay(u), 0)).toBe(0)
      expect(samplePoisson(replay(u), -1)).toBe(0)
      expect(samplePoisson(replay(u), Number.NaN)).toBe(0)
    }
  })

  it('the normal approximation above a variance of 1e7 rounds mean + sd·z', () => {
    // z = 1.177410 from (u1, u2) = (0.5, 0): 5e8 + sqrt(2.5e8)·z = 500,018,616.4; 2e7 + sqrt(2e7)·z.
    expect(sampleBinomial(replay(0.5, 0), 1e9, 0.5)).toBe(500_018_616)
    expect(samplePoisson(replay(0.5, 0), 2e7)).toBe(20_005_266)
  })

  it('multinomial: conditional binomials over the remaining mass', () => {
    expect(sampleMultinomial(replay(0.5), 5, [0, 1])).toEqual([0, 5])
    expect(sampleMultinomial(replay(0.5), 5, [1, 0, 0])).toEqual([5, 0, 0])
    expect(sampleMultinomial(replay(0.5), 0, [1, 1])).toEqual([0, 0])
  })
})

// xoshiro128** seeded by splitmix32 (Blackman & Vigna), written again here with BigInt arithmetic
// modulo 2³² as an independent reference for the generator's exact output.
const M = (1n << 32n) - 1n
const mul = (a: bigint, b: bigint) => (a * b) & M
const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M

function referenceUniforms(seed: number, stream: number, count: number): number[] {
  let x = BigInt(seed) & M
  const split = (): bigint => {
    x = (x + 0x9e3779b9n) & M
    let z = x
    z = mul(z ^ (z >> 16n), 0x21f0aaadn)
    z = mul(z ^ (z >> 15n), 0x735a2d97n)
    return z ^ (z >> 15n)
  }
  split()
  x ^= mul(BigInt(stream) & M, 0x85ebca6bn)
  const s = [split(), split(), split(), split()] as [bigint, bigint, bigint, bigint]
  const next = (): bigint => {
    const result = mul(rotl(mul(s[1], 5n), 7n), 9n)
    const t = (s[1] << 9n) & M
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 11n)
    return result
  }
  return Array.from({ length: count }, () => {
    const hi = next() >> 5n
    const lo = next() >> 6n
    return Number((hi << 26n) | lo) / 2 ** 53
  })
}

describe('createRng: exact xoshiro128** output', () => {
  it.each([
    [42, 0],
    [1, 3],
    [-7, 12],
  ])('seed %i, stream %i', (seed, stream) => {
    const rng = createRng(seed, stream)
    const got = Array.from({ length: 8 }, () => rng.uniform())
    expect(got).toEqual(referenceUniforms(seed, stream, 8))
  })
})
