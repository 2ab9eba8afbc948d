/**
 * @module data-plane/admission
 * What a request must pass before it is routed: the data-plane key (when GATEWAY_KEYS is set), a
 * well-formed hop count below the loop limit, and a declared body within MAX_BODY_BYTES.
 */
import { insecureFor } from '../config/secrets'
import type { Settings } from '../config/settings'
import { equalsAny } from '../core/constant-time'
import { DomainError } from '../core/errors'
import { GATEWAY_KEY_HEADER, HOPS_HEADER } from '../core/protocol'
import { hopsOf, type HeaderRecord } from './headers'

export interface Admitted {
  hops: number
  /** The declared content-length, or null. */
  length: number | null
}

export function admit(
  headers: HeaderRecord,
  settings: Pick<Settings, 'gatewayKeys' | 'maxHops' | 'maxBodyBytes' | 'insecure' | 'requestIdFromAdminToken'>,
): Admitted | DomainError {
  if (settings.gatewayKeys.length > 0) {
    const insecure = insecureFor('data_plane', settings)
    if (insecure) return insecure
    const key = headers[GATEWAY_KEY_HEADER]
    // Compared in constant time against every key: `includes` stops at the first differing character.
    if (key === undefined || !equalsAny(key, settings.gatewayKeys)) {
      return new DomainError('unauthorized', `send a valid ${GATEWAY_KEY_HEADER} header`)
    }
  }
  const hops = hopsOf(headers[HOPS_HEADER])
  if (hops === null) {
    return new DomainError(
      'validation_failed',
      `${HOPS_HEADER} must be a non-negative integer (the gateway sets it; clients should not)`,
      { fields: [{ field: `header.${HOPS_HEADER}`, message: 'not a non-negative integer' }] },
    )
  }
  if (hops >= settings.maxHops) {
    return new DomainError(
      'loop_detected',
      `request passed through the gateway ${hops} times; a version's backend probably points back at the gateway`,
    )
  }
  const declared = headers['content-length']
  const length = declared === undefined ? null : Number(declared)
  if (length !== null && length > settings.maxBodyBytes) {
    return new DomainError(
      'payload_too_large',
      `body of ${length} bytes exceeds the limit of ${settings.maxBodyBytes} bytes`,
    )
  }
  return { hops, length }
}
