/**
 * Requests for the property-based fuzz suite (test/integration/fuzz.test.ts): hostile paths, query
 * strings, headers (content types, credentials, If-Match, unit ids, oversized values) and bodies
 * around one route's shape, described as plain data and turned into a Request only when sent.
 */
import fc from 'fast-check'
import { ADMIN, APPROVER, REPORTER } from './harness'
import { Huge, bodies, bodyOf, shortText, textOf, unit, type Body } from './fuzz-values'

/** Percent-encodes text as a path segment or query part; a lone surrogate becomes its (invalid) UTF-8 bytes. */
export function encode(s: string): string {
  try {
    return encodeURIComponent(s)
  } catch {
    // A lone surrogate: encoded by hand below.
  }
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    if (pair) out += encodeURIComponent(s.slice(i, ++i + 1))
    else if (c >= 0xd800 && c <= 0xdfff)
      out += ['ED', (0xa0 | ((c >> 6) & 0x0f)).toString(16), (0x80 | (c & 0x3f)).toString(16)]
        .map((h) => `%${h}`)
        .join('')
    else out += encodeURIComponent(s[i] as string)
  }
  return out
}

/** A path segment: the real value most often, else something hostile, encoded or left to the URL parser. */
export function segment(real: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 7, arbitrary: fc.constant(real) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '..',
        '.',
        '',
        '%2e%2e',
        '%2F',
        '%00',
        '%ZZ',
        '%',
        '%E2%80%AE',
        '%ED%A0%80',
        '%F0%9F%98%80',
        '%C0%AF',
        'a%2Fb',
        '%20',
        'UPPER',
        `${real}%00`,
        `${real}/`,
        encodeURIComponent(`${real}\u202E`),
        `ro_${'0'.repeat(26)}`,
        `ro_${'0'.repeat(26)}~${real}`,
        `inc_${'z'.repeat(26)}~x`,
        `chg_${'0'.repeat(26)}`,
      ),
    },
    { weight: 2, arbitrary: shortText.map(encode) },
    { weight: 1, arbitrary: fc.integer({ min: 256, max: 8_000 }).map((n) => 'a'.repeat(n)) },
    { weight: 1, arbitrary: fc.string({ unit, maxLength: 12 }) },
  )
}

const tchar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-_.!#$%&'*+^`|~".split(''))
/** Printable ASCII and tabs: what a header value holds (workerd sends other characters as UTF-8, with a warning). */
const headerChar = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constant('\t') },
)

export const headerValue: fc.Arbitrary<string | Huge> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: headerChar, maxLength: 40 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('', '"7"', 'W/"7"', '7', '*', '"1', '-1', '"99999999999999999999"', 'alice', 'a b'),
  },
  { weight: 1, arbitrary: fc.integer({ min: 4_000, max: 40_000 }).map((n) => new Huge('a', n)) },
)

const CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'application/json;charset=UTF-16',
  'APPLICATION/JSON',
  'application/json; charset="utf-8"',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/problem+json',
  'application/vnd.modelgate+json',
  'application/json;;',
  'application/jsonx',
  '*/*',
  '',
]

/** The credentials of the suite: mostly the operator (to get past auth), sometimes anything else. */
export function authorization(mostly = `Bearer ${ADMIN}`): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant(mostly) },
    { weight: 2, arbitrary: fc.constant(`Bearer ${APPROVER}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 3,
      arbitrary: fc.oneof(
        fc.constantFrom(
          'Bearer',
          'Bearer ',
          `bearer ${ADMIN}`,
          `BEARER   ${ADMIN}   `,
          `Bearer ${ADMIN} extra`,
          `Bearer ${ADMIN.slice(0, -1)}`,
          `Bearer ${ADMIN}x`,
          'Basic YWRtaW46YWRtaW4=',
          `Bearer ${REPORTER}`,
          `Token ${ADMIN}`,
        ),
        headerValue.map((v) => `Bearer ${textOf(v)}`),
        headerValue.map(textOf),
      ),
    },
  )
}

const EXTRA_HEADERS = [
  'if-match',
  'x-modelgate-actor',
  'x-unit-id',
  'x-modelgate-hops',
  'x-modelgate-key',
  'x-modelgate-version',
  'accept',
  'accept-encoding',
  'x-forwarded-for',
  'cf-connecting-ip',
  'connection',
]

export interface FuzzRequest {
  method: string
  path: string
  query: Array<[string, string | Huge]>
  headers: Array<[string, string | Huge]>
  body: Body
}

export interface RouteShape {
  method: string
  /** Path segments, each an arbitrary (see `segment`) or a fixed string. */
  path: Array<string | fc.Arbitrary<string>>
  body?: unknown
  /** Query keys the route reads. */
  query?: string[]
  auth?: fc.Arbitrary<string | undefined>
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']

/** Requests for one route: its method and shape most of the time, anything around them otherwise. */
export function requests(route: RouteShape): fc.Arbitrary<FuzzRequest> {
  const keys = route.query ?? []
  const queryKey = keys.length ? fc.oneof(fc.constantFrom(...keys), shortText) : shortText
  const queryValue = fc.oneof(
    shortText,
    fc.integer({ min: 256, max: 8_000 }).map((n) => new Huge('a', n)),
    fc.integer().map(String),
    fc.constantFrom(
      '-1h',
      '-90m',
      '1e3',
      '0',
      '1',
      '60',
      '5000',
      '10001',
      'desc',
      'csv',
      'jsonl',
      '2026-01-01T00:00:00Z',
    ),
  )
  return fc.record({
    method: fc.oneof(
      { weight: 8, arbitrary: fc.constant(route.method) },
      { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
    ),
    path: fc
      .tuple(
        fc.tuple(...route.path.map((s) => (typeof s === 'string' ? fc.constant(s) : s))),
        fc.constantFrom('plain', 'plain', 'plain', 'plain', 'double-slash', 'trailing-slash', 'dot', 'upper'),
      )
      .map(([segments, shape]) => {
        const p = `/${segments.join('/')}`
        if (shape === 'double-slash') return p.replace('/', '//')
        if (shape === 'trailing-slash') return `${p}/`
        if (shape === 'dot') return `${p}/./x/..`
        if (shape === 'upper') return p.toUpperCase()
        return p
      }),
    query: fc.array(fc.tuple(queryKey, queryValue), { maxLength: 4 }),
    headers: fc
      .tuple(
        route.auth ?? authorization(),
        fc.oneof(
          { weight: 10, arbitrary: fc.constant('application/json') },
          { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
          { weight: 1, arbitrary: fc.constant(undefined) },
        ),
        fc.array(
          fc.tuple(
            fc.oneof(fc.constantFrom(...EXTRA_HEADERS), fc.string({ unit: tchar, minLength: 1, maxLength: 16 })),
            headerValue,
          ),
          { maxLength: 3 },
        ),
      )
      .map(([auth, type, extra]) => {
        const h: Array<[string, string | Huge]> = []
        if (auth !== undefined) h.push(['authorization', auth])
        if (type !== undefined) h.push(['content-type', type])
        return h.concat(extra.filter(([name]) => name !== 'authorization' && name !== 'content-type'))
      }),
    body: bodies(route.body),
  })
}

/** Bytes of the request line and headers, as an HTTP/1.1 upstream receives them (roughly). */
export function headBytes(r: FuzzRequest): number {
  const query = r.query.reduce((n, [k, v]) => n + encode(k).length + encode(textOf(v)).length + 2, 0)
  return r.path.length + query + r.headers.reduce((n, [k, v]) => n + k.length + textOf(v).length + 4, 0)
}

/** The Request a description stands for. */
export function toRequest(r: FuzzRequest): Request {
  const query = r.query.map(([k, v]) => `${encode(k)}=${encode(textOf(v))}`).join('&')
  const headers = new Headers()
  for (const [name, value] of r.headers) headers.set(name, textOf(value))
  const body = r.method === 'GET' || r.method === 'HEAD' ? undefined : bodyOf(r.body)
  return new Request(`http://gateway.test${r.path}${query ? `?${query}` : ''}`, { method: r.method, headers, body })
}
