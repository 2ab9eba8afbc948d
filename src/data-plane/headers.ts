/**
 * @module data-plane/headers
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

/**
 * Every `x-modelgate-*` header a client sends is dropped: the gateway's key, the hop count, and the
 * model/version/shadow markers the gateway itself sets, so a client cannot pose as a shadow copy.
 */
const upstreamDrop = (n: string) => HOP_BY_HOP.has(n) || n.startsWith('x-modelgate-') || n.startsWith('cf-')

/**
 * Hops a request has made through gateways, from its header: the largest of repeated values
 * (`3, 3` when a proxy joined two), or null when a value is not a non-negative integer — a client
 * must not reset the loop guard with `-1000`.
 */
export function hopsOf(value: string | undefined): number | null {
  if (value === undefined) return 0
  let hops = 0
  for (const part of value.split(',')) {
    const t = part.trim()
    if (!/^\d{1,6}$/.test(t)) return null
    hops = Math.max(hops, Number(t))
  }
  return hops
}

/** A request's headers, read in one pass (each Headers call crosses into the runtime). */
export type HeaderRecord = Record<string, string>

/**
 * The client's headers as a plain record: lowercase names, repeated headers joined by ", " as
 * `Headers.get` joins them. The hot path reads its few headers from this one pass and builds the
 * backend's copy from it in plain JavaScript, instead of a `get` per header plus a Headers copy
 * cleaned and set entry by entry (every one of those is a call into the runtime).
 */
export function headerRecord(headers: Headers): HeaderRecord {
  // No prototype: a client's `__proto__` header is a plain entry here, not a setter.
  const out = Object.create(null) as HeaderRecord
  for (const [name, value] of headers) out[name] = value
  return out
}

/**
 * The headers a backend receives: the client's minus hop-by-hop (and the names `connection`
 * lists), the gateway's own and cf-*, plus `extra`. A plain record, which fetch takes as is.
 */
export function upstreamRequestHeaders(incoming: HeaderRecord, extra: Record<string, string>): HeaderRecord {
  const out = Object.create(null) as HeaderRecord
  for (const name in incoming) if (!upstreamDrop(name)) out[name] = incoming[name] as string
  const listed = incoming['connection']
  if (listed !== undefined) for (const t of listed.split(',')) delete out[t.trim().toLowerCase()]
  for (const k in extra) out[k] = extra[k] as string
  return out
}

/** Hop-by-hop names dropped from a response; its content-length stays (the body is passed as is). */
const RESPONSE_DROPS = [...HOP_BY_HOP].filter((n) => n !== 'content-length' && n !== 'host')

/**
 * The client's response: the upstream's status and headers around `body`, minus hop-by-hop
 * headers, plus the gateway's. `new Response(body, upstream)` copies the headers natively once into
 * a mutable set, which is then cleaned in place with one delete per hop-by-hop name (a short fixed
 * list, where iterating the names would cost a runtime call per entry). A name listed in
 * `connection` is dropped, except content-length (the body is passed on as is).
 */
export function downstreamResponse(
  upstream: Response,
  body: ReadableStream<Uint8Array> | null,
  extra: Record<string, string>,
): Response {
  const out = new Response(body, upstream)
  const h = out.headers
  const listed = h.get('connection')
  if (listed !== null) {
    for (const t of listed.split(',')) {
      const name = t.trim().toLowerCase()
      if (name !== '' && name !== 'content-length') h.delete(name)
    }
  }
  for (const name of RESPONSE_DROPS) h.delete(name)
  // The upstream's own server-timing entries stay; the gateway's is added to them.
  for (const k in extra) {
    if (k === 'server-timing') h.append(k, extra[k] as string)
    else h.set(k, extra[k] as string)
  }
  return out
}
