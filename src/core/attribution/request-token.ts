/**
 * @module core/attribution/request-token
 * Signed request ids: `x-request-id` carries what outcome attribution needs, so the hot path writes
 * nothing per request. Format (fields separated by `~`, which model and version names cannot hold):
 *
 *   mg2~<model>~<version>~<arm><segment>~<epoch b36>~<shards b36>~<time ms b36>~<nonce>~<mac>
 *
 * `shards` is the model's metric shard count when the id was minted: an outcome must reach the
 * shard that saw the request's shadow pair and remembers its earlier outcomes, and the count can
 * grow meanwhile. `mg1` ids (the same without it, minted before) still verify; their shard comes
 * from the current count. Version and arm are the ones the request was assigned to.
 *
 * `mac` is a 64-bit SipHash-2-4 tag over everything before it (base64url), keyed with 128 bits
 * derived once per isolate from the secret by SHA-256. SipHash is a PRF designed for exactly this
 * (short messages) and runs synchronously in microseconds; an HMAC via WebCrypto cost an async
 * round trip per request (measured with `npm run bench`). Only the key derivation is async, once
 * per secret per isolate; after it, `signRequestIdWith` signs without a promise, and nonces come
 * from a pooled random buffer. Guessing a tag takes 2^63 tries on
 * average, through an outcomes API that answers at most 1,000 ids per call. Verification compares
 * in constant time, as text against the canonical encoding. A forged, altered or truncated id
 * fails; so does one from another secret.
 */
import { encodeBase32, pooledRandomBytes, type RandomBytes } from '../ids'
import { sipHashScratch, sipKey, sipScratch, sipScratchAscii, type SipKey } from './siphash'

export type TokenArm = 'champion' | 'challenger' | 'cohort'

export interface RequestClaims {
  model: string
  version: string
  arm: TokenArm
  /** True when the request matched a cohort rule (treatment or control of a flag rollout). */
  cohort: boolean
  epoch: number
  /** When the request was received (ms since epoch). */
  at: number
  /** The model's metric shard count at that time; null for an `mg1` id, which did not carry it. */
  shards: number | null
}

/** What the gateway signs: every claim known. */
export type SignedClaims = RequestClaims & { shards: number }

const PREFIX = 'mg2'
const LEGACY_PREFIX = 'mg1'
const ARM_CODES: Record<TokenArm, string> = { champion: 'c', challenger: 'h', cohort: 'k' }
const CODE_ARMS: Record<string, TokenArm> = { c: 'champion', h: 'challenger', k: 'cohort' }
/** An 8-byte tag in unpadded base64url. */
const TAG_CHARS = 11
const NONCE_BYTES = 5

const keys = new Map<string, SipKey>()
const pending = new Map<string, Promise<SipKey>>()
const encoder = new TextEncoder()
const tag = new Uint32Array(2)

/** 128-bit SipHash key = SHA-256(domain ‖ secret)[0..16), computed once per secret per isolate. */
async function keyFor(secret: string): Promise<SipKey> {
  const ready = keys.get(secret)
  if (ready) return ready
  let p = pending.get(secret)
  if (!p) {
    p = crypto.subtle.digest('SHA-256', encoder.encode(`modelgate/request-id/v1\u0000${secret}`)).then((d) => {
      const k = sipKey(new Uint8Array(d).slice(0, 16))
      keys.set(secret, k)
      return k
    })
    pending.set(secret, p)
  }
  return p
}

/** The signing key when this isolate has derived it already (the hot path signs synchronously then). */
export function readySigningKey(secret: string): SipKey | null {
  return keys.get(secret) ?? null
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** The 8-byte tag [lo, hi] (little-endian bytes) as 11 unpadded base64url characters. */
function tagText(lo: number, hi: number): string {
  const b0 = lo & 0xff,
    b1 = (lo >>> 8) & 0xff,
    b2 = (lo >>> 16) & 0xff,
    b3 = lo >>> 24
  const b4 = hi & 0xff,
    b5 = (hi >>> 8) & 0xff,
    b6 = (hi >>> 16) & 0xff,
    b7 = hi >>> 24
  const t = B64URL
  return (
    t[b0 >> 2]! +
    t[((b0 & 3) << 4) | (b1 >> 4)]! +
    t[((b1 & 15) << 2) | (b2 >> 6)]! +
    t[b2 & 63]! +
    t[b3 >> 2]! +
    t[((b3 & 3) << 4) | (b4 >> 4)]! +
    t[((b4 & 15) << 2) | (b5 >> 6)]! +
    t[b5 & 63]! +
    t[b6 >> 2]! +
    t[((b6 & 3) << 4) | (b7 >> 4)]! +
    t[(b7 & 15) << 2]!
  )
}

/** Tag of `payload` into `tag`; any string (ids to verify come from clients, not only from us). */
function mac(key: SipKey, payload: string): void {
  if (sipScratchAscii(payload)) return sipHashScratch(key, payload.length, tag)
  const bytes = encoder.encode(payload)
  sipScratch(bytes.length).set(bytes)
  sipHashScratch(key, bytes.length, tag)
}

/** Signs synchronously with a key from `readySigningKey` (the per-request path). */
export function signRequestIdWith(key: SipKey, c: SignedClaims, random: RandomBytes = pooledRandomBytes): string {
  const payload = `${PREFIX}~${c.model}~${c.version}~${ARM_CODES[c.arm]}${c.cohort ? 'c' : '-'}~${c.epoch.toString(36)}~${c.shards.toString(36)}~${c.at.toString(36)}~${encodeBase32(random(NONCE_BYTES))}`
  mac(key, payload)
  return `${payload}~${tagText(tag[0]!, tag[1]!)}`
}

/** Signs, deriving the key first when this isolate has not yet (once per secret). */
export async function signRequestId(
  secret: string,
  c: SignedClaims,
  random: RandomBytes = pooledRandomBytes,
): Promise<string> {
  return signRequestIdWith(readySigningKey(secret) ?? (await keyFor(secret)), c, random)
}

export type TokenCheck =
  { ok: true; claims: RequestClaims } | { ok: false; reason: 'malformed_request_id' | 'invalid_signature' }

/** Base-36 digits only: parseInt would read "12x" as 12, and the number must be all of the field. */
const B36 = /^[0-9a-z]{1,11}$/

/** Parse and authenticate a request id. */
export async function verifyRequestId(secret: string, id: string): Promise<TokenCheck> {
  if (id.length > 300) return { ok: false, reason: 'malformed_request_id' }
  const parts = id.split('~')
  const legacy = parts[0] === LEGACY_PREFIX && parts.length === 8
  if (!legacy && !(parts[0] === PREFIX && parts.length === 9)) return { ok: false, reason: 'malformed_request_id' }
  const [, model, version, armSeg, epoch36] = parts as [string, string, string, string, string]
  const shards36 = legacy ? null : (parts[5] as string)
  const at36 = parts[parts.length - 3] as string
  const macText = parts[parts.length - 1] as string
  const arm = CODE_ARMS[armSeg.charAt(0)]
  const shards = shards36 === null ? null : parseInt(shards36, 36)
  if (
    !arm ||
    armSeg.length !== 2 ||
    macText.length !== TAG_CHARS ||
    !model ||
    !version ||
    !B36.test(epoch36) ||
    !B36.test(at36) ||
    (shards36 !== null && (!B36.test(shards36) || shards === 0))
  ) {
    return { ok: false, reason: 'malformed_request_id' }
  }
  const payload = id.slice(0, id.length - macText.length - 1)
  mac(readySigningKey(secret) ?? (await keyFor(secret)), payload)
  // Compared as text with the canonical encoding: base64url of 8 bytes has 2 spare bits in its
  // last character, and a decode-then-compare would take 4 spellings of one id (each counted).
  const expected = tagText(tag[0]!, tag[1]!)
  let diff = 0
  for (let i = 0; i < TAG_CHARS; i++) diff |= expected.charCodeAt(i) ^ macText.charCodeAt(i)
  if (diff !== 0) return { ok: false, reason: 'invalid_signature' }
  return {
    ok: true,
    claims: {
      model,
      version,
      arm,
      cohort: armSeg.charAt(1) === 'c',
      epoch: parseInt(epoch36, 36),
      at: parseInt(at36, 36),
      shards,
    },
  }
}
