/**
 * Seeded pseudo-random numbers for simulations and property tests: xoshiro128** seeded by
 * splitmix32.
 *
 * Invariant: a generator is a pure function of (seed, stream): the same pair always yields the
 * same sequence, on every platform (32-bit integer arithmetic only). Never used by the gate itself;
 * decisions take no randomness.
 *
 * Source: docs/statistics.md §13 and §14 (seeded simulation protocol); Blackman & Vigna, xoshiro128**.
 */

/** A seeded generator. Its internal state advances on every call. */
export interface Rng {
  /** Next 32-bit unsigned integer. */
  uint32(): number
  /** Next uniform double in [0, 1) with 53 random bits. */
  uniform(): number
}

/** splitmix32 step: a good 32-bit mixer, used to expand a seed into xoshiro state. */
function splitmix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) | 0
  let z = state.x
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
  return (z ^ (z >>> 15)) >>> 0
}

/**
 * A xoshiro128** generator for `seed` (any integer) and an optional `stream` (e.g. the run index),
 * so that each simulated run gets an independent, reproducible sequence.
 *
 * @example const rng = createRng(42, run); rng.uniform()
 */
export function createRng(seed: number, stream = 0): Rng {
  const mix = { x: seed | 0 }
  splitmix32(mix)
  mix.x = (mix.x ^ Math.imul(stream | 0, 0x85ebca6b)) | 0
  let s0 = splitmix32(mix)
  let s1 = splitmix32(mix)
  let s2 = splitmix32(mix)
  let s3 = splitmix32(mix)
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1
  const uint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0
    const t = s1 << 9
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotl(s3, 11)
    return result
  }
  return {
    uint32,
    uniform: () => {
      const hi = uint32() >>> 5 // 27 bits
      const lo = uint32() >>> 6 // 26 bits
      return (hi * 67108864 + lo) / 9007199254740992
    },
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
