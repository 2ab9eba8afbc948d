/**
 * @module core/protocol
 * Names of the headers the gateway reads from clients and sets toward backends (README, Data plane).
 */

/** Data-plane key a client sends when GATEWAY_KEYS is set (never forwarded to a backend). */
export const GATEWAY_KEY_HEADER = 'x-modelgate-key'

/** How many times a request has passed through the gateway (loop guard, set by the gateway). */
export const HOPS_HEADER = 'x-modelgate-hops'
