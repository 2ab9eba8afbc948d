/**
 * @module gateway/headers
 * Header hygiene for the proxy: hop-by-hop headers (RFC 9110 §7.6.1) and the gateway's own
 * credentials never cross to the model backend, and hop-by-hop headers never come back.
 */

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
])

/** Headers that belong to the gateway itself. */
export const GATEWAY_KEY_HEADER = 'x-modelgate-key'
export const HOPS_HEADER = 'x-modelgate-hops'

function connectionListed(headers: Headers): Set<string> {
  const listed = new Set<string>()
  for (const token of (headers.get('connection') ?? '').split(',')) {
    const t = token.trim().toLowerCase()
    if (t) listed.add(t)
  }
  return listed
}

export function upstreamRequestHeaders(incoming: Headers, extra: Record<string, string>): Headers {
  const listed = connectionListed(incoming)
  const out = new Headers()
  for (const [name, value] of incoming) {
    if (HOP_BY_HOP.has(name) || listed.has(name) || name === GATEWAY_KEY_HEADER || name === HOPS_HEADER) continue
    if (name.startsWith('cf-')) continue
    out.append(name, value)
  }
  for (const [k, v] of Object.entries(extra)) out.set(k, v)
  return out
}

export function downstreamResponseHeaders(upstream: Headers, extra: Record<string, string>): Headers {
  const listed = connectionListed(upstream)
  const out = new Headers()
  for (const [name, value] of upstream) {
    if (name === 'content-length') {
      out.set(name, value)
      continue
    }
    if (HOP_BY_HOP.has(name) || listed.has(name)) continue
    out.append(name, value)
  }
  for (const [k, v] of Object.entries(extra)) out.set(k, v)
  return out
}
