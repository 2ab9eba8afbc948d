/**
 * @module core/routing/hash
 * Versioned, deterministic bucketing of a randomization unit into 10,000 buckets.
 *
 * Changing an algorithm reshuffles every unit, so algorithms are never edited: a new one gets a
 * new version number and a snapshot names the version it was published with. The published test
 * vectors in `test/vectors/routing-hash-v1.json` pin v1 for every implementation.
 *
 * v1: FNV-1a 32-bit over the UTF-8 bytes of `salt + "\u0000" + key`, passed through MurmurHash3's
 * fmix32 finaliser (FNV alone has weak avalanche in its low bits, which the modulo would expose),
 * then taken modulo 10,000. The modulo bias is 7296/2^32, i.e. below 2e-6 per bucket. Versions own
 * ranges laid out from the weights (core/routing/layout `weightRanges`).
 *
 * v2: the same bucket as v1; what changes is the layout. Versions own the segments the snapshot
 * carries, recomputed with minimal movement on every routing change (`nextSegments`), so a version
 * whose weight does not change keeps its units (docs/routing.md, `test/vectors/routing-hash-v2.json`).
 * Because the bucket is the same, a v1 layout converts to v2 segments without moving any unit.
 */

export const BUCKETS = 10_000
export const HASH_VERSIONS = [1, 2] as const
export type HashVersion = (typeof HASH_VERSIONS)[number]
/** The version new models start with; a v1 model moves to it at its next routing change. */
export const CURRENT_HASH_VERSION: HashVersion = 2

const encoder = new TextEncoder()

/** FNV-1a, 32 bit, over bytes. */
export function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * FNV-1a, 32 bit, over the UTF-8 bytes of `s`: equal to `fnv1a32(encode(s))`. ASCII (every unit
 * key and request id in practice) is hashed straight from the char codes, which are its UTF-8
 * bytes, without allocating; anything else goes through the encoder.
 */
export function fnv1a32Utf8(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c > 0x7f) return fnv1a32(encoder.encode(s))
    h ^= c
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** MurmurHash3 32-bit finaliser: full avalanche of a 32-bit value. */
export function fmix32(x: number): number {
  let h = x >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * Bucket in [0, 10000) for `key` under `salt`.
 * @example bucketOf(1, 'credit-risk:3f9a', 'user-42') // same number on every call, every isolate
 */
export function bucketOf(version: HashVersion, salt: string, key: string): number {
  switch (version) {
    case 1:
    case 2:
      return fmix32(fnv1a32Utf8(`${salt}\u0000${key}`)) % BUCKETS
    default: {
      const unknown: never = version
      throw new Error(`unknown hash version ${String(unknown)}`)
    }
  }
}
