/**
 * @module core/egress/policy
 * Where the gateway may send requests: model version backends and alert webhooks. A URL is judged
 * after WHATWG URL parsing (`new URL`, the same parser `fetch` uses on Workers and in Node), which
 * already turns the numeric tricks (2130706433, 0177.0.0.1, 0x7f.0.0.1, 127.1, fullwidth digits)
 * into dotted decimal and IPv6 into its canonical form; the judgement is on that normalized host.
 *
 * Refused: schemes other than http and https; loopback, private, link-local, shared (CGNAT),
 * cloud metadata, unspecified, multicast, broadcast and other special-purpose addresses, also when
 * an IPv6 address embeds an IPv4 one (::ffff:7f00:1, NAT64, 6to4); names that only resolve inside
 * a network (localhost, metadata names, single labels, .internal, .local). `EGRESS_ALLOW` lists the
 * exceptions (`parseEgressAllow`). A name that resolves to such an address is not seen here: the
 * README's limits say why.
 */
import { formatIPv4, inCidr, parseCidr, parseIPv4, parseIPv6, type Cidr, type IpBytes } from './ip'

export type EgressDecision = { ok: true; allowedBy: string | null } | { ok: false; reason: string }

/** One EGRESS_ALLOW entry: a host (with an optional port), a `*.` suffix, or an address prefix. */
export type EgressRule =
  | { kind: 'host'; host: string; port: number | null; text: string }
  | { kind: 'suffix'; suffix: string; port: number | null; text: string }
  | { kind: 'cidr'; cidr: Cidr; text: string }

interface Range {
  cidr: Cidr
  kind: string
  note?: string
  /** Cloud metadata: only an allow-list entry naming this very host lets it through. */
  metadata?: boolean
}

const range = (text: string, kind: string, note?: string, metadata = false): Range => {
  const cidr = parseCidr(text)
  if (cidr === null) throw new Error(`bad built-in range ${text}`)
  return { cidr, kind, ...(note ? { note } : {}), metadata }
}

/** IPv4 special-purpose ranges (RFC 6890 and successors); the first match names the reason. */
const V4_RANGES: Range[] = [
  range('169.254.169.254/32', 'link-local', 'cloud metadata', true),
  range('169.254.170.2/32', 'link-local', 'container metadata', true),
  range('100.100.100.200/32', 'shared (CGNAT)', 'cloud metadata', true),
  range('0.0.0.0/32', 'unspecified'),
  range('0.0.0.0/8', '"this network"'),
  range('127.0.0.0/8', 'loopback'),
  range('10.0.0.0/8', 'private'),
  range('172.16.0.0/12', 'private'),
  range('192.168.0.0/16', 'private'),
  range('100.64.0.0/10', 'shared (CGNAT)'),
  range('169.254.0.0/16', 'link-local'),
  range('192.0.0.0/24', 'reserved', 'IETF protocol assignments'),
  range('192.0.2.0/24', 'documentation'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('192.88.99.0/24', 'reserved', '6to4 relay anycast'),
  range('198.18.0.0/15', 'benchmarking'),
  range('224.0.0.0/4', 'multicast'),
  range('255.255.255.255/32', 'broadcast'),
  range('240.0.0.0/4', 'reserved'),
]

const V6_RANGES: Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('fd00:ec2::254/128', 'private', 'cloud metadata', true),
  range('64:ff9b:1::/48', 'private', 'local-use NAT64'),
  range('2001::/32', 'reserved', 'Teredo tunnel'),
  range('2001:db8::/32', 'documentation'),
  range('100::/64', 'reserved', 'discard-only'),
  range('fc00::/7', 'private'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'private', 'deprecated site-local'),
  range('ff00::/8', 'multicast'),
]

/** IPv6 prefixes that carry an IPv4 address: where it sits, and what to call the form. */
const V4_CARRIERS: Array<{ cidr: Cidr; at: number; form: string }> = [
  { cidr: parseCidr('::ffff:0:0/96') as Cidr, at: 12, form: 'IPv4-mapped' },
  { cidr: parseCidr('::/96') as Cidr, at: 12, form: 'IPv4-compatible' },
  { cidr: parseCidr('64:ff9b::/96') as Cidr, at: 12, form: 'NAT64' },
  { cidr: parseCidr('2002::/16') as Cidr, at: 2, form: '6to4' },
]

/** Names cloud providers serve instance metadata on (they resolve to the addresses above). */
const METADATA_NAMES = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
])

/**
 * Suffixes of names that only resolve inside a network: .local (mDNS), .home.arpa (home networks),
 * .internal (reserved for private use), and .localdomain and .corp, never delegated.
 */
const INTERNAL_SUFFIXES = ['.internal', '.local', '.localdomain', '.home.arpa', '.corp']

const refuse = (reason: string): EgressDecision => ({ ok: false, reason })

interface Refusal {
  reason: string
  metadata: boolean
}

function refusalOfV4(ip: IpBytes, shown: string, via = ''): Refusal | null {
  const r = V4_RANGES.find((x) => inCidr(ip, x.cidr))
  if (r === undefined) return null
  const notes = [r.note, via].filter(Boolean).join('; ')
  return { reason: `${r.kind} address ${shown}${notes ? ` (${notes})` : ''}`, metadata: r.metadata === true }
}

function refusalOfV6(ip: IpBytes, shown: string): Refusal | null {
  const r = V6_RANGES.find((x) => inCidr(ip, x.cidr))
  if (r !== undefined) {
    return { reason: `${r.kind} address ${shown}${r.note ? ` (${r.note})` : ''}`, metadata: r.metadata === true }
  }
  for (const c of V4_CARRIERS) {
    if (!inCidr(ip, c.cidr)) continue
    const v4 = ip.slice(c.at, c.at + 4)
    return refusalOfV4(v4, formatIPv4(v4), `${c.form} as ${shown}`)
  }
  return null
}

function refusalOfName(host: string): Refusal | null {
  if (host === 'localhost' || host.endsWith('.localhost')) return { reason: `loopback name ${host}`, metadata: false }
  if (METADATA_NAMES.has(host)) return { reason: `cloud metadata name ${host}`, metadata: true }
  const suffix = INTERNAL_SUFFIXES.find((s) => host.endsWith(s))
  if (suffix !== undefined) return { reason: `internal name ${host} (${suffix.slice(1)})`, metadata: false }
  if (!host.includes('.'))
    return { reason: `single-label name ${host} (resolves only inside a network)`, metadata: false }
  return null
}

function allowedBy(rules: readonly EgressRule[], host: string, port: number, metadata: boolean): string | null {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host
  const ip = parseIPv4(bare) ?? (bare.includes(':') ? parseIPv6(bare) : null)
  for (const r of rules) {
    const portOk = r.kind === 'cidr' || r.port === null || r.port === port
    if (!portOk) continue
    if (r.kind === 'host' && r.host === host) return r.text
    // A metadata host is let through only by its own name, never by a wider entry.
    if (metadata) continue
    if (r.kind === 'suffix' && host.endsWith(r.suffix)) return r.text
    if (r.kind === 'cidr' && ip !== null && inCidr(ip, r.cidr)) return r.text
  }
  return null
}

/**
 * Judges a URL the gateway is asked to call. `allow` comes from EGRESS_ALLOW (`parseEgressAllow`).
 * The reason names what was refused and why, for a 400's `errors[]` or a log line.
 */
export function judgeEgress(url: string, allow: readonly EgressRule[]): EgressDecision {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return refuse('not a valid URL')
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return refuse(`scheme ${u.protocol} is not allowed (only http and https)`)
  }
  // A fully qualified name ("localhost.") is the same name.
  const host = u.hostname.endsWith('.') ? u.hostname.slice(0, -1) : u.hostname
  if (host === '') return refuse('the URL has no host')
  const port = u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : Number(u.port)
  let refusal: Refusal | null
  if (host.startsWith('[')) {
    const ip = parseIPv6(host.slice(1, -1))
    refusal = ip === null ? { reason: `unreadable IPv6 address ${host}`, metadata: false } : refusalOfV6(ip, host)
  } else {
    const ip = parseIPv4(host)
    refusal = ip !== null ? refusalOfV4(ip, host) : refusalOfName(host)
  }
  const by = allowedBy(allow, host, port, refusal?.metadata === true)
  if (by !== null) return { ok: true, allowedBy: by }
  if (refusal === null) return { ok: true, allowedBy: null }
  return refuse(`${refusal.reason}; add it to EGRESS_ALLOW to allow it`)
}

/** The normalized host of `host` as `new URL` would leave it ("0x7f.1" → "127.0.0.1"), or null. */
function normalizedHost(host: string): string | null {
  try {
    const h = new URL(`http://${host}/`).hostname
    return h.endsWith('.') ? h.slice(0, -1) : h
  } catch {
    return null
  }
}

/** "[v6]:port", "[v6]", a bare IPv6 literal (two or more colons), "name:port" or "name". */
function splitHostPort(entry: string): { host: string; port: number | null } | null {
  if (!entry.startsWith('[') && entry.split(':').length > 2) return { host: `[${entry}]`, port: null }
  const m = /^(\[[^\]]+\]|[^:[\]@?#\s]+)(?::(\d{1,5}))?$/.exec(entry)
  if (m === null) return null
  const port = m[2] === undefined ? null : Number(m[2])
  if (port !== null && (port < 1 || port > 65_535)) return null
  return { host: m[1] as string, port }
}

/**
 * EGRESS_ALLOW: comma-separated entries, each one of
 *   `host`           a name or an IP literal, any port (`127.0.0.1`, `localhost`, `[::1]`, `::1`)
 *   `host:port`      that port only (`127.0.0.1:9101`, `[::1]:9000`, `models.corp.internal:8443`)
 *   `*.suffix`       any name under it, not the suffix itself; `*.suffix:port` for one port
 *   `address/bits`   an IPv4 or IPv6 prefix, any port (`10.20.0.0/16`, `fd12:3456::/32`)
 * Hosts are normalized as in URLs. Metadata hosts (169.254.169.254, metadata.google.internal, …)
 * pass only when named as such, never through a suffix or a prefix. Malformed entries are errors.
 */
export function parseEgressAllow(text: string): { rules: EgressRule[]; errors: string[] } {
  const rules: EgressRule[] = []
  const errors: string[] = []
  for (const raw of text.split(',')) {
    const entry = raw.trim()
    if (entry === '') continue
    if (entry.includes('/')) {
      const cidr = parseCidr(entry)
      if (cidr === null) errors.push(`${entry}: not an address prefix (e.g. 10.0.0.0/8, fd00::/8)`)
      else rules.push({ kind: 'cidr', cidr, text: entry })
      continue
    }
    const hp = splitHostPort(entry)
    if (hp === null) {
      errors.push(`${entry}: not a host, host:port, *.suffix or address/bits`)
      continue
    }
    const { port } = hp
    const wildcard = hp.host.startsWith('*.')
    const host = normalizedHost(wildcard ? hp.host.slice(2) : hp.host)
    if (host === null || host === '') {
      errors.push(`${entry}: not a valid host`)
      continue
    }
    if (wildcard) rules.push({ kind: 'suffix', suffix: `.${host}`, port, text: entry })
    else rules.push({ kind: 'host', host, port, text: entry })
  }
  return { rules, errors }
}

/**
 * `judgeEgress` remembered per URL string: the data plane asks for every request, and an isolate
 * sees few distinct backend URLs. The memory is bounded (cleared when full).
 */
export function egressJudge(allow: readonly EgressRule[], max = 1_000): (url: string) => EgressDecision {
  const memo = new Map<string, EgressDecision>()
  return (url) => {
    let d = memo.get(url)
    if (d === undefined) {
      if (memo.size >= max) memo.clear()
      d = judgeEgress(url, allow)
      memo.set(url, d)
    }
    return d
  }
}
