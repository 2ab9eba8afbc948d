/**
 * @module core/egress/ip
 * IP literals as bytes, and CIDR prefixes over them: what the egress policy (./policy) needs to
 * place a host in a special-purpose range. Input is a host as WHATWG URL parsing leaves it: IPv4 in
 * dotted decimal (decimal, octal, hex and short forms are already normalized by `new URL`), IPv6
 * without brackets; the allow list (EGRESS_ALLOW) uses the same forms.
 */

/** 4 bytes (IPv4) or 16 bytes (IPv6). */
export type IpBytes = readonly number[]

export interface Cidr {
  bytes: IpBytes
  prefix: number
}

/** Dotted-decimal IPv4 only ("127.0.0.1"), or null. */
export function parseIPv4(text: string): IpBytes | null {
  const parts = text.split('.')
  if (parts.length !== 4) return null
  const bytes: number[] = []
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null
    const n = Number(p)
    if (n > 255) return null
    bytes.push(n)
  }
  return bytes
}

/** An IPv6 literal without brackets or zone ("::ffff:7f00:1", "::ffff:127.0.0.1"), or null. */
export function parseIPv6(text: string): IpBytes | null {
  let s = text.toLowerCase()
  const lastColon = s.lastIndexOf(':')
  if (lastColon === -1) return null
  if (s.includes('.', lastColon)) {
    // A trailing dotted quad is the last two groups.
    const v4 = parseIPv4(s.slice(lastColon + 1))
    if (v4 === null) return null
    const group = (hi: number, lo: number) => ((hi << 8) | lo).toString(16)
    s = `${s.slice(0, lastColon + 1)}${group(v4[0]!, v4[1]!)}:${group(v4[2]!, v4[3]!)}`
  }
  const halves = s.split('::')
  if (halves.length > 2) return null
  const groupsOf = (h: string) => (h === '' ? [] : h.split(':'))
  const head = groupsOf(halves[0] as string)
  const rest = halves.length === 2 ? groupsOf(halves[1] as string) : []
  const given = head.length + rest.length
  if (halves.length === 1 ? given !== 8 : given > 7) return null
  const groups = [...head, ...Array<string>(8 - given).fill('0'), ...rest]
  const bytes: number[] = []
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null
    const n = parseInt(g, 16)
    bytes.push(n >> 8, n & 0xff)
  }
  return bytes
}

/** IPv4 or IPv6 (brackets allowed). */
export function parseIp(text: string): IpBytes | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  return parseIPv4(bare) ?? (bare.includes(':') ? parseIPv6(bare) : null)
}

/** "10.0.0.0/8", "fc00::/7" → the prefix, or null when malformed or the address has host bits. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/')
  if (slash === -1) return null
  const bytes = parseIp(text.slice(0, slash))
  const bits = text.slice(slash + 1)
  if (bytes === null || !/^\d{1,3}$/.test(bits)) return null
  const prefix = Number(bits)
  if (prefix > bytes.length * 8) return null
  // A prefix with host bits set ("10.0.0.1/8") is almost always a typo for another range.
  if (!sameBytes(bytes, masked(bytes, prefix))) return null
  return { bytes, prefix }
}

function masked(bytes: IpBytes, prefix: number): IpBytes {
  return bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8))
    return b & ((0xff << (8 - keep)) & 0xff)
  })
}

function sameBytes(a: IpBytes, b: IpBytes): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/** Whether `ip` lies in `cidr` (an IPv4 address never lies in an IPv6 prefix, nor the reverse). */
export function inCidr(ip: IpBytes, cidr: Cidr): boolean {
  if (ip.length !== cidr.bytes.length) return false
  return sameBytes(masked(ip, cidr.prefix), masked(cidr.bytes, cidr.prefix))
}

/** "a.b.c.d" for 4 bytes. */
export function formatIPv4(bytes: IpBytes): string {
  return bytes.join('.')
}
