/**
 * @module core/ids
 * Typed, prefixed identifiers. The randomness source is injected so tests can pin ids.
 */

export type IdPrefix = 'req' | 'aud' | 'ro' | 'inc' | 'wh' | 'whd' | 'apr' | 'vrd' | 'bat' | 'chg'

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz' // Crockford base32, lower case

export function encodeBase32(bytes: Uint8Array): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (const b of bytes) {
    buffer = (buffer << 8) | b
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31]
  return out
}

export type RandomBytes = (n: number) => Uint8Array

export const cryptoRandomBytes: RandomBytes = (n) => crypto.getRandomValues(new Uint8Array(n))

/**
 * Pooled randomness for nonces: one `getRandomValues` per 4 KiB instead of one per request. Each
 * byte is handed out once; only this isolate reads the pool. The view is valid until the next
 * call: read it at once.
 */
const pool = new Uint8Array(4096)
let poolUsed = pool.length

export const pooledRandomBytes: RandomBytes = (n) => {
  if (n > pool.length) return cryptoRandomBytes(n)
  if (poolUsed + n > pool.length) {
    crypto.getRandomValues(pool)
    poolUsed = 0
  }
  const out = pool.subarray(poolUsed, poolUsed + n)
  poolUsed += n
  return out
}

/** `<prefix>_<26 base32 chars>`: 128 random bits. */
export function newId(prefix: IdPrefix, random: RandomBytes = cryptoRandomBytes): string {
  return `${prefix}_${encodeBase32(random(16))}`
}

/** Per-model hashing salt: 80 random bits, fixed for the model's lifetime. */
export function newSalt(random: RandomBytes = cryptoRandomBytes): string {
  return encodeBase32(random(10))
}

/**
 * Ids of things that live in one model's coordinator (rollouts, incidents) carry the model's name
 * after `~` (a character model names cannot contain, and URL-safe), so any Worker finds the
 * coordinator from the id alone, with no index to read: the commands that stop a bad rollout keep
 * working while D1 is down. Ids made before the suffix have none (see `modelOfId`).
 */
export const MODEL_ID_SEPARATOR = '~'

export function modelScopedId(id: string, model: string): string {
  return `${id}${MODEL_ID_SEPARATOR}${model}`
}

/** The model an id names, or null for an id without one. */
export function modelOfId(id: string): string | null {
  const at = id.indexOf(MODEL_ID_SEPARATOR)
  return at < 0 ? null : id.slice(at + 1)
}
