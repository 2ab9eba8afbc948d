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

/**
 * Copies natively (`new Headers(h)`), then deletes what must not cross: cheaper than appending
 * entry by entry from JavaScript on the hot path.
 */
function withoutHopByHop(source: Headers, extraDrops: (name: string) => boolean): Headers {
  const out = new Headers(source)
  const drop: string[] = []
  for (const name of out.keys()) {
    if (HOP_BY_HOP.has(name) || extraDrops(name)) drop.push(name)
  }
  const connection = source.get('connection')
  if (connection) for (const t of connection.split(',')) drop.push(t.trim().toLowerCase())
  for (const name of drop) out.delete(name)
  return out
}

export function upstreamRequestHeaders(incoming: Headers, extra: Record<string, string>): Headers {
  const out = withoutHopByHop(incoming, (n) => n === GATEWAY_KEY_HEADER || n === HOPS_HEADER || n.startsWith('cf-'))
  for (const k in extra) out.set(k, extra[k] as string)
  return out
}

/** Hop-by-hop names to drop from a response; its content-length stays (the body is passed as is). */
const RESPONSE_DROPS = [...HOP_BY_HOP].filter((n) => n !== 'content-length' && n !== 'host')

/**
 * The client's response: the upstream's status and headers around `body`, minus hop-by-hop
 * headers, plus the gateway's. `new Response(body, upstream)` copies the headers natively once into
 * a mutable set; deleting a fixed list by name avoids iterating them from JavaScript.
 */
export function downstreamResponse(upstream: Response, body: ReadableStream<Uint8Array> | null, extra: Record<string, string>): Response {
  const out = new Response(body, upstream)
  const h = out.headers
  const connection = h.get('connection')
  for (const name of RESPONSE_DROPS) h.delete(name)
  if (connection) {
    for (const t of connection.split(',')) {
      const name = t.trim().toLowerCase()
      if (name !== '' && name !== 'content-length') h.delete(name)
    }
  }
  for (const k in extra) h.set(k, extra[k] as string)
  return out
}
