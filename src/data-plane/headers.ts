/**
 * @module data-plane/headers
 * Header hygiene for the proxy: hop-by-hop headers (RFC 9110 §7.6.1) and the gateway's own
 * credentials never cross to the model backend, and hop-by-hop headers never come back. Every
 * answer the data plane gives, the model's and the gateway's own problems, carries the
 * `ANSWER_HEADERS`.
 */
import type { DomainError } from '../core/errors'
import { problemResponse } from '../problem/problem'

/**
 * On every data-plane answer. A model's answer (any HTML it returns) is served on the gateway's
 * origin, where the dashboard keeps the operator's token in sessionStorage (README, "Data plane"):
 * - `content-security-policy: sandbox` renders such a document in a sandbox with an opaque origin
 *   and no scripts, forms, popups or navigation of the top window: it cannot read the gateway
 *   origin's storage nor act as the gateway's page. Programs that call the API ignore it: CSP
 *   applies only to a document a browser renders.
 * - `x-content-type-options: nosniff`: a browser takes the declared type, so a JSON or text answer
 *   whose bytes look like HTML or script is not run as such.
 * No `cross-origin-resource-policy`: it governs only no-cors loads (`<img>`, `<audio>`, `<script>`
 * from another site; CORS fetches are not affected), the answers depend on no cookie or other
 * ambient credential a foreign page could borrow, and `same-origin` would break a page elsewhere
 * showing a model's image or audio answer. No opt-out per model either: what an opt-out could grant
 * safely (scripts in an opaque origin) needs no gateway origin, and what it could not (the gateway's
 * origin) is the token.
 */
export const ANSWER_HEADERS = {
  'content-security-policy': 'sandbox',
  'x-content-type-options': 'nosniff',
} as const

/** A gateway-made data-plane problem (problem/problem's answer plus the `ANSWER_HEADERS`). */
export function dataPlaneProblem(
  err: DomainError,
  requestId: string,
  headers: Record<string, string>,
  instance: string,
): Response {
  return problemResponse(err, requestId, { ...headers, ...ANSWER_HEADERS }, instance)
}

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
 * headers, plus the gateway's and the `ANSWER_HEADERS`. `new Response(body, upstream)` copies the
 * headers natively once into a mutable set, which is then cleaned in place with one delete per
 * hop-by-hop name (a short fixed list, where iterating the names would cost a runtime call per
 * entry). A name listed in `connection` is dropped, except content-length (the body is passed on
 * as is).
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
  // Appended, not set: the upstream's own policy keeps restricting its document (every policy of
  // the list is enforced), and ours, the last, sandboxes it whatever the upstream's says (sandbox
  // policies only ever narrow what a document may do, and a sandbox of no flags narrows it all).
  h.append('content-security-policy', ANSWER_HEADERS['content-security-policy'])
  h.set('x-content-type-options', ANSWER_HEADERS['x-content-type-options'])
  // The upstream's own server-timing entries stay; the gateway's is added to them.
  for (const k in extra) {
    if (k === 'server-timing') h.append(k, extra[k] as string)
    else h.set(k, extra[k] as string)
  }
  return out
}
