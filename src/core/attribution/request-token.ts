/**
 * @module core/attribution/request-token
 * Signed request ids: `x-request-id` carries what outcome attribution needs, so the hot path writes
 * nothing per request. Format (fields separated by `~`, which model and version names cannot hold):
 *
 *   mg1~<model>~<version>~<arm><segment>~<epoch b36>~<time ms b36>~<nonce>~<mac>
 *
 * `mac` is HMAC-SHA256 over everything before it, truncated to 128 bits, base64url. Verification
 * uses WebCrypto's constant-time `verify`. A forged, altered or truncated id fails verification;
 * an id signed with another secret too.
 */
import { encodeBase32, cryptoRandomBytes, type RandomBytes } from '../ids'

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
}

const PREFIX = 'mg1'
const ARM_CODES: Record<TokenArm, string> = { champion: 'c', challenger: 'h', cohort: 'k' }
const CODE_ARMS: Record<string, TokenArm> = { c: 'champion', h: 'challenger', k: 'cohort' }
const MAC_BYTES = 16

const keys = new Map<string, Promise<CryptoKey>>()

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
    keys.set(secret, key)
  }
  return key
}

function b64url(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromB64url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+$/.test(s)) return null
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'))
    return Uint8Array.from(bin, (c) => c.charCodeAt(0))
  } catch {
    return null
  }
}

async function mac(secret: string, payload: string): Promise<Uint8Array> {
  const sig = await crypto.subtle.sign('HMAC', await keyFor(secret), new TextEncoder().encode(payload))
  return new Uint8Array(sig).slice(0, MAC_BYTES)
}

export async function signRequestId(secret: string, c: RequestClaims, random: RandomBytes = cryptoRandomBytes): Promise<string> {
  const payload = [PREFIX, c.model, c.version, `${ARM_CODES[c.arm]}${c.cohort ? 'c' : '-'}`, c.epoch.toString(36), c.at.toString(36), encodeBase32(random(5))].join('~')
  return `${payload}~${b64url(await mac(secret, payload))}`
}

export type TokenCheck = { ok: true; claims: RequestClaims } | { ok: false; reason: 'malformed_request_id' | 'invalid_signature' }

/** Parse and authenticate a request id. */
export async function verifyRequestId(secret: string, id: string): Promise<TokenCheck> {
  if (id.length > 300) return { ok: false, reason: 'malformed_request_id' }
  const parts = id.split('~')
  if (parts.length !== 8 || parts[0] !== PREFIX) return { ok: false, reason: 'malformed_request_id' }
  const [, model, version, armSeg, epoch36, at36, , macText] = parts as [string, string, string, string, string, string, string, string]
  const arm = CODE_ARMS[armSeg.charAt(0)]
  const given = fromB64url(macText)
  const epoch = parseInt(epoch36, 36)
  const at = parseInt(at36, 36)
  if (!arm || armSeg.length !== 2 || !given || given.length !== MAC_BYTES || !model || !version || !Number.isFinite(epoch) || !Number.isFinite(at)) {
    return { ok: false, reason: 'malformed_request_id' }
  }
  const payload = id.slice(0, id.length - macText.length - 1)
  const expected = await mac(secret, payload)
  let diff = 0
  for (let i = 0; i < MAC_BYTES; i++) diff |= (expected[i] as number) ^ (given[i] as number)
  if (diff !== 0) return { ok: false, reason: 'invalid_signature' }
  return { ok: true, claims: { model, version, arm, cohort: armSeg.charAt(1) === 'c', epoch, at } }
}
