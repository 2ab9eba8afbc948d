/**
 * @module core/attribution/request-token
 * Signed request ids: `x-request-id` carries what outcome attribution needs, so the hot path writes
 * nothing per request. Format (fields separated by `~`, which model and version names cannot hold):
 *
 *   mg3~<model>~<version>~<arm><segment>~<epoch b36>~<shards b36>~<time ms b36>~<nonce>~<kid>~<mac>
 *
 * `mg4` is the same with the request's pre-exposure covariate (core/metrics/covariate) after the
 * shard count, as a decimal of at most 6 significant digits (e.g. `0.37`, `1.5e-7`):
 *
 *   mg4~<model>~<version>~<arm><segment>~<epoch b36>~<shards b36>~<x>~<time ms b36>~<nonce>~<kid>~<mac>
 *
 * It is minted only for a request that carried a covariate other than 0, so an id grows by the
 * value's length plus one separator, and only then. Under the MAC, so a reporter cannot alter x;
 * an outcome's x·y is computed from it (an `mg3` id means x = 0, which is also what a missing
 * covariate counts as).
 *
 * `shards` is the model's metric shard count when the id was minted: an outcome must reach the
 * shard that saw the request's shadow pair and remembers its earlier outcomes, and the count can
 * grow meanwhile. Version and arm are the ones the request was assigned to.
 *
 * `kid` names the key that signed the id: 24 bits of SHA-256 over the secret under its own domain
 * (never bits of the MAC key). Ids are minted with the current secret and verify under it or the
 * previous one (REQUEST_ID_SECRET_PREVIOUS, a rotation window); an id whose key is neither is
 * `unknown_key`, told apart from a forged or altered one (`invalid_signature`). The kid is under
 * the MAC, so an id whose kid was altered reads as `unknown_key` too. It gives an attacker nothing
 * the 64-bit tag does not already: both let one test a guessed secret offline, which is why the
 * secret must be long and random.
 *
 * Earlier layouts still verify, under either key: `mg2` (the same without the kid) and `mg1`
 * (without the kid and the shard count; its shard comes from the current count). Without a kid
 * the two outcomes are told apart no better than before: an id of a retired key is
 * `invalid_signature`.
 *
 * `mac` is a 64-bit SipHash-2-4 tag over everything before it (base64url), keyed with 128 bits
 * derived once per isolate from the secret by SHA-256. SipHash is a PRF designed for exactly this
 * (short messages) and runs synchronously in microseconds; an HMAC via WebCrypto cost an async
 * round trip per request (measured with `npm run bench`). Only the key derivation is async, once
 * per secret per isolate; after it, `signRequestIdWith` signs without a promise, and nonces come
 * from a pooled random buffer. Guessing a tag takes 2^63 tries on
 * average, through an outcomes API that answers at most 1,000 ids per call. Verification compares
 * in constant time, as text against the canonical encoding. A forged, altered or truncated id
 * fails; so does one from another secret. An id with the layout's fields in their shapes is
 * well-formed, so a changed, appended or dropped tag character is `invalid_signature`;
 * `malformed_request_id` is for what is not an id of any layout.
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
  /** The unit's pre-exposure covariate (an `mg4` id); absent = 0 (none, missing or zero). */
  covariate?: number | undefined
}

/** What the gateway signs: every claim known. */
export type SignedClaims = RequestClaims & { shards: number }

const PREFIX = 'mg3'
const PREFIX_COVARIATE = 'mg4'
/** Layouts by prefix: how many `~`-separated parts, and whether they carry shards, a covariate and a kid. */
const LAYOUTS: Record<string, { parts: number; shards: boolean; kid: boolean; covariate?: boolean }> = {
  mg1: { parts: 8, shards: false, kid: false },
  mg2: { parts: 9, shards: true, kid: false },
  mg3: { parts: 10, shards: true, kid: true },
  mg4: { parts: 11, shards: true, kid: true, covariate: true },
}
/** A covariate as `String(number)` writes it (never `-0`, `NaN` or `Infinity`). */
const COVARIATE = /^-?\d+(?:\.\d+)?(?:e[+-]\d+)?$/
const ARM_CODES: Record<TokenArm, string> = { champion: 'c', challenger: 'h', cohort: 'k' }
const CODE_ARMS: Record<string, TokenArm> = { c: 'champion', h: 'challenger', k: 'cohort' }
/** An 8-byte tag in unpadded base64url. */
const TAG_CHARS = 11
/**
 * What a tag must look like for the id to be well-formed: base64url of any plausible length. A tag
 * of the wrong length (a character appended or lost) is then a tag that does not match,
 * `invalid_signature`, like any other altered character, not a `malformed_request_id`.
 */
const TAG_SHAPE = /^[A-Za-z0-9_-]{1,32}$/
const NONCE_BYTES = 5
/** 3 bytes of fingerprint in Crockford base32. */
const KID = /^[0-9a-z]{5}$/

/** A request-id key: the SipHash key and the fingerprint (kid) ids signed with it carry. */
export interface RequestIdKey {
  sip: SipKey
  kid: string
}

const keys = new Map<string, RequestIdKey>()
const pending = new Map<string, Promise<RequestIdKey>>()
const encoder = new TextEncoder()
const tag = new Uint32Array(2)

const sha256 = async (domain: string, secret: string) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(`${domain}\u0000${secret}`)))

/**
 * 128-bit SipHash key = SHA-256(domain ‖ secret)[0..16) and kid = SHA-256(other domain ‖
 * secret)[0..3), computed once per secret per isolate.
 */
async function keyFor(secret: string): Promise<RequestIdKey> {
  const ready = keys.get(secret)
  if (ready) return ready
  let p = pending.get(secret)
  if (!p) {
    p = Promise.all([sha256('modelgate/request-id/v1', secret), sha256('modelgate/request-id/kid/v1', secret)]).then(
      ([k, f]) => {
        const key = { sip: sipKey(k.slice(0, 16)), kid: encodeBase32(f.slice(0, 3)) }
        keys.set(secret, key)
        return key
      },
    )
    pending.set(secret, p)
  }
  return p
}

/** The signing key when this isolate has derived it already (the hot path signs synchronously then). */
export function readySigningKey(secret: string): RequestIdKey | null {
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
export function signRequestIdWith(key: RequestIdKey, c: SignedClaims, random: RandomBytes = pooledRandomBytes): string {
  // A covariate of 0 is what its absence means: the shorter `mg3` id.
  const x = c.covariate === undefined || c.covariate === 0 ? '' : `~${String(c.covariate)}`
  const payload = `${x === '' ? PREFIX : PREFIX_COVARIATE}~${c.model}~${c.version}~${ARM_CODES[c.arm]}${c.cohort ? 'c' : '-'}~${c.epoch.toString(36)}~${c.shards.toString(36)}${x}~${c.at.toString(36)}~${encodeBase32(random(NONCE_BYTES))}~${key.kid}`
  mac(key.sip, payload)
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
  | { ok: true; claims: RequestClaims }
  | { ok: false; reason: 'malformed_request_id' | 'invalid_signature' | 'unknown_key' }

/** Base-36 digits only: parseInt would read "12x" as 12, and the number must be all of the field. */
const B36 = /^[0-9a-z]{1,11}$/

interface ParsedId {
  claims: RequestClaims
  /** Null for the layouts before key ids (mg1, mg2). */
  kid: string | null
  /** What the tag covers: everything before it. */
  payload: string
  tag: string
}

/** The fields of an id in any known layout, or null when it is not one. */
function parseRequestId(id: string): ParsedId | null {
  if (id.length > 300) return null
  const parts = id.split('~')
  const layout = LAYOUTS[parts[0] as string]
  if (layout === undefined || parts.length !== layout.parts) return null
  const [, model, version, armSeg, epoch36] = parts as [string, string, string, string, string]
  const shards36 = layout.shards ? (parts[5] as string) : null
  const tail = layout.kid ? 1 : 0
  const at36 = parts[parts.length - 3 - tail] as string
  const kid = layout.kid ? (parts[parts.length - 2] as string) : null
  const macText = parts[parts.length - 1] as string
  const arm = CODE_ARMS[armSeg.charAt(0)]
  const shards = shards36 === null ? null : parseInt(shards36, 36)
  const xText = layout.covariate ? (parts[6] as string) : null
  const covariate = xText === null ? undefined : Number(xText)
  if (
    !arm ||
    armSeg.length !== 2 ||
    !TAG_SHAPE.test(macText) ||
    !model ||
    !version ||
    !B36.test(epoch36) ||
    !B36.test(at36) ||
    (shards36 !== null && (!B36.test(shards36) || shards === 0)) ||
    (kid !== null && !KID.test(kid)) ||
    (xText !== null && (!COVARIATE.test(xText) || !Number.isFinite(covariate)))
  ) {
    return null
  }
  const claims: RequestClaims = {
    model,
    version,
    arm,
    cohort: armSeg.charAt(1) === 'c',
    epoch: parseInt(epoch36, 36),
    at: parseInt(at36, 36),
    shards,
  }
  if (covariate !== undefined) claims.covariate = covariate
  return { claims, kid, payload: id.slice(0, id.length - macText.length - 1), tag: macText }
}

/** Whether `key` made `tag` over `payload`, compared in constant time. */
function tagMatches(key: RequestIdKey, payload: string, given: string): boolean {
  // The length is no secret (every tag has 11 characters); only the characters are compared in constant time.
  if (given.length !== TAG_CHARS) return false
  mac(key.sip, payload)
  // Compared as text with the canonical encoding: base64url of 8 bytes has 2 spare bits in its
  // last character, and a decode-then-compare would take 4 spellings of one id (each counted).
  const expected = tagText(tag[0]!, tag[1]!)
  let diff = 0
  for (let i = 0; i < TAG_CHARS; i++) diff |= expected.charCodeAt(i) ^ given.charCodeAt(i)
  return diff === 0
}

/**
 * Parse and authenticate a request id under any of `secrets` (the current one first, then the
 * previous ones of a rotation). An id naming a key none of them has is `unknown_key`.
 */
export async function verifyRequestId(secrets: string | readonly string[], id: string): Promise<TokenCheck> {
  const parsed = parseRequestId(id)
  if (parsed === null) return { ok: false, reason: 'malformed_request_id' }
  let known = false
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    const key = readySigningKey(secret) ?? (await keyFor(secret))
    // Kids are 24 bits: two keys may share one, so each key with the id's kid is tried.
    if (parsed.kid !== null && key.kid !== parsed.kid) continue
    known = true
    if (tagMatches(key, parsed.payload, parsed.tag)) return { ok: true, claims: parsed.claims }
  }
  return { ok: false, reason: known ? 'invalid_signature' : 'unknown_key' }
}
