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
 * Cleans a native copy in place (cheaper than appending entry by entry from JavaScript on the hot
 * path): one pass over the names finds those to drop and a `connection` header, whose listed names
 * are dropped too, except `keep`.
 */
function withoutHopByHop(out: Headers, drops: (name: string) => boolean, keep: string | null = null): Headers {
  let drop: string[] | null = null
  for (const name of out.keys()) {
    if (drops(name)) (drop ??= []).push(name)
    if (name === 'connection') {
      for (const t of (out.get(name) as string).split(',')) {
        const listed = t.trim().toLowerCase()
        if (listed !== '' && listed !== keep) (drop ??= []).push(listed)
      }
    }
  }
  if (drop !== null) for (const name of drop) out.delete(name)
  return out
}

const upstreamDrop = (n: string) => HOP_BY_HOP.has(n) || n === GATEWAY_KEY_HEADER || n === HOPS_HEADER || n.startsWith('cf-')

export function upstreamRequestHeaders(incoming: Headers, extra: Record<string, string>): Headers {
  const out = withoutHopByHop(new Headers(incoming), upstreamDrop)
  for (const k in extra) out.set(k, extra[k] as string)
  return out
}

/** Hop-by-hop names dropped from a response; its content-length stays (the body is passed as is). */
const RESPONSE_DROPS = new Set([...HOP_BY_HOP].filter((n) => n !== 'content-length' && n !== 'host'))
const downstreamDrop = (n: string) => RESPONSE_DROPS.has(n)

/**
 * The client's response: the upstream's status and headers around `body`, minus hop-by-hop
 * headers, plus the gateway's. `new Response(body, upstream)` copies the headers natively once into
 * a mutable set, which is then cleaned in place. A name listed in `connection` is dropped, except
 * content-length (the body is passed on as is).
 */
export function downstreamResponse(upstream: Response, body: ReadableStream<Uint8Array> | null, extra: Record<string, string>): Response {
  const out = new Response(body, upstream)
  const h = out.headers
  withoutHopByHop(h, downstreamDrop, 'content-length')
  for (const k in extra) h.set(k, extra[k] as string)
  return out
}
