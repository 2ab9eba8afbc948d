/**
 * @module core/attribution/siphash
 * SipHash-2-4 (Aumasson & Bernstein, 2012): a keyed pseudo-random function built for
 * authenticating short messages, here request ids. It runs synchronously in a few microseconds,
 * where a WebCrypto HMAC costs an async round trip on every request. 64-bit words are held as
 * (hi, lo) pairs of 32-bit integers. Verified against the reference vectors in the tests.
 */

// State: v0..v3 as [hi, lo] in one typed array (no allocation per call).
const v = new Uint32Array(8)

function add(a: number, b: number): void {
  // v[a] += v[b] (64-bit)
  const lo = (v[a + 1]! + v[b + 1]!) >>> 0
  v[a] = (v[a]! + v[b]! + (lo < v[a + 1]! ? 1 : 0)) >>> 0
  v[a + 1] = lo
}

function rotl(a: number, n: number): void {
  let hi = v[a]!
  let lo = v[a + 1]!
  if (n >= 32) {
    const t = hi
    hi = lo
    lo = t
    n -= 32
  }
  if (n > 0) {
    const h = ((hi << n) | (lo >>> (32 - n))) >>> 0
    lo = ((lo << n) | (hi >>> (32 - n))) >>> 0
    hi = h
  }
  v[a] = hi
  v[a + 1] = lo
}

function xor(a: number, b: number): void {
  v[a] = (v[a]! ^ v[b]!) >>> 0
  v[a + 1] = (v[a + 1]! ^ v[b + 1]!) >>> 0
}

function round(): void {
  add(0, 2); rotl(2, 13); xor(2, 0); rotl(0, 32)
  add(4, 6); rotl(6, 16); xor(6, 4)
  add(0, 6); rotl(6, 21); xor(6, 0)
  add(4, 2); rotl(2, 17); xor(2, 4); rotl(4, 32)
}

function le32(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16) | ((b[i + 3] ?? 0) << 24)) >>> 0
}

function absorb(mHi: number, mLo: number): void {
  v[6] = (v[6]! ^ mHi) >>> 0
  v[7] = (v[7]! ^ mLo) >>> 0
  round()
  round()
  v[0] = (v[0]! ^ mHi) >>> 0
  v[1] = (v[1]! ^ mLo) >>> 0
}

/** SipHash-2-4 of `msg` under a 16-byte key; returns the 8-byte tag (little-endian). */
export function sipHash24(key: Uint8Array, msg: Uint8Array): Uint8Array {
  if (key.length !== 16) throw new Error('SipHash needs a 16-byte key')
  const k0l = le32(key, 0)
  const k0h = le32(key, 4)
  const k1l = le32(key, 8)
  const k1h = le32(key, 12)
  v[0] = (k0h ^ 0x736f6d65) >>> 0
  v[1] = (k0l ^ 0x70736575) >>> 0
  v[2] = (k1h ^ 0x646f7261) >>> 0
  v[3] = (k1l ^ 0x6e646f6d) >>> 0
  v[4] = (k0h ^ 0x6c796765) >>> 0
  v[5] = (k0l ^ 0x6e657261) >>> 0
  v[6] = (k1h ^ 0x74656462) >>> 0
  v[7] = (k1l ^ 0x79746573) >>> 0
  const len = msg.length
  const full = len - (len % 8)
  for (let i = 0; i < full; i += 8) absorb(le32(msg, i + 4), le32(msg, i))
  // Last block: the remaining bytes, and the length (mod 256) in the top byte.
  const tail = new Uint8Array(8)
  tail.set(msg.subarray(full))
  tail[7] = len & 0xff
  absorb(le32(tail, 4), le32(tail, 0))
  v[5] = (v[5]! ^ 0xff) >>> 0
  round()
  round()
  round()
  round()
  const hi = (v[0]! ^ v[2]! ^ v[4]! ^ v[6]!) >>> 0
  const lo = (v[1]! ^ v[3]! ^ v[5]! ^ v[7]!) >>> 0
  return new Uint8Array([lo & 0xff, (lo >>> 8) & 0xff, (lo >>> 16) & 0xff, lo >>> 24, hi & 0xff, (hi >>> 8) & 0xff, (hi >>> 16) & 0xff, hi >>> 24])
}
