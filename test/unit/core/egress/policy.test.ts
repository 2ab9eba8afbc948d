import { describe, expect, it } from 'vitest'
import { egressJudge, judgeEgress, parseEgressAllow, type EgressRule } from '../../../../src/core/egress/policy'

const rules = (text: string): EgressRule[] => {
  const { rules: r, errors } = parseEgressAllow(text)
  expect(errors).toEqual([])
  return r
}

/** [url, EGRESS_ALLOW, expected]: 'ok', or a pattern the refusal's reason must match. */
const TABLE: Array<[string, string, 'ok' | RegExp]> = [
  // schemes
  ['file:///etc/passwd', '', /^scheme file: is not allowed/],
  ['gopher://example.com:70/_x', '', /^scheme gopher: is not allowed/],
  ['data:text/plain,hello', '', /^scheme data: is not allowed/],
  ['ftp://example.com/x', '', /^scheme ftp: is not allowed/],
  ['ws://example.com/', '', /^scheme ws: is not allowed/],
  ['javascript:alert(1)', '', /^scheme javascript: is not allowed/],
  ['not a url', '', /^not a valid URL$/],
  // public destinations
  ['https://api.example.com/v1', '', 'ok'],
  ['http://8.8.8.8/', '', 'ok'],
  ['http://[2606:4700:4700::1111]/', '', 'ok'],
  ['http://[::ffff:8.8.8.8]/', '', 'ok'],
  ['http://172.32.0.1/', '', 'ok'],
  ['http://100.128.0.1/', '', 'ok'],
  // loopback
  ['http://127.0.0.1:9101', '', /^loopback address 127\.0\.0\.1;/],
  ['http://127.255.255.254/', '', /^loopback address 127\.255\.255\.254/],
  ['http://localhost:8080/', '', /^loopback name localhost;/],
  ['http://LOCALHOST./', '', /^loopback name localhost;/],
  ['http://api.localhost/', '', /^loopback name api\.localhost/],
  ['http://[::1]:9000/', '', /^loopback address \[::1\]/],
  ['http://[0:0:0:0:0:0:0:1]/', '', /^loopback address \[::1\]/],
  // numeric tricks that WHATWG parsing turns into 127.0.0.1
  ['http://2130706433/', '', /^loopback address 127\.0\.0\.1;/],
  ['http://0177.0.0.1/', '', /^loopback address 127\.0\.0\.1;/],
  ['http://0x7f.0.0.1/', '', /^loopback address 127\.0\.0\.1;/],
  ['http://0x7f000001/', '', /^loopback address 127\.0\.0\.1;/],
  ['http://127.1/', '', /^loopback address 127\.0\.0\.1;/],
  ['http://127.0.1/', '', /^loopback address 127\.0\.0\.1;/],
  ['http://127.0.0.1./', '', /^loopback address 127\.0\.0\.1;/],
  ['http://１２７.0.0.1/', '', /^loopback address 127\.0\.0\.1;/],
  ['http://ｌｏｃａｌｈｏｓｔ/', '', /^loopback name localhost;/],
  ['http://3232235521/', '', /^private address 192\.168\.0\.1;/],
  // IPv4 forms inside IPv6
  ['http://[::ffff:127.0.0.1]/', '', /^loopback address 127\.0\.0\.1 \(IPv4-mapped as \[::ffff:7f00:1\]\)/],
  ['http://[::ffff:7f00:1]/', '', /^loopback address 127\.0\.0\.1 \(IPv4-mapped/],
  ['http://[::ffff:a9fe:a9fe]/', '', /^link-local address 169\.254\.169\.254 \(cloud metadata; IPv4-mapped/],
  ['http://[::ffff:10.0.0.1]/', '', /^private address 10\.0\.0\.1 \(IPv4-mapped/],
  ['http://[::127.0.0.1]/', '', /^loopback address 127\.0\.0\.1 \(IPv4-compatible/],
  ['http://[64:ff9b::a9fe:a9fe]/', '', /^link-local address 169\.254\.169\.254 \(cloud metadata; NAT64/],
  ['http://[2002:c0a8:101::1]/', '', /^private address 192\.168\.1\.1 \(6to4/],
  // private, shared, link-local, metadata
  ['http://10.0.0.1/', '', /^private address 10\.0\.0\.1;/],
  ['http://172.16.0.1/', '', /^private address 172\.16\.0\.1;/],
  ['http://172.31.255.255/', '', /^private address 172\.31\.255\.255;/],
  ['http://192.168.1.10:8000/', '', /^private address 192\.168\.1\.10;/],
  ['http://100.64.0.1/', '', /^shared \(CGNAT\) address 100\.64\.0\.1;/],
  ['http://100.100.100.200/', '', /^shared \(CGNAT\) address 100\.100\.100\.200 \(cloud metadata\)/],
  ['http://169.254.169.254/', '', /^link-local address 169\.254\.169\.254 \(cloud metadata\)/],
  ['http://169.254.170.2/v2/credentials', '', /^link-local address 169\.254\.170\.2 \(container metadata\)/],
  ['http://169.254.10.10/', '', /^link-local address 169\.254\.10\.10;/],
  ['http://[fd00:ec2::254]/', '', /^private address \[fd00:ec2::254\] \(cloud metadata\)/],
  ['http://[fd12:3456::1]/', '', /^private address \[fd12:3456::1\];/],
  ['http://[fc00::1]/', '', /^private address \[fc00::1\];/],
  ['http://[fe80::1]/', '', /^link-local address \[fe80::1\];/],
  ['http://metadata.google.internal/computeMetadata/v1/', '', /^cloud metadata name metadata\.google\.internal/],
  ['http://metadata/', '', /^cloud metadata name metadata;/],
  ['http://instance-data/latest/', '', /^cloud metadata name instance-data;/],
  ['http://db.internal/', '', /^internal name db\.internal \(internal\)/],
  ['http://printer.local/', '', /^internal name printer\.local \(local\)/],
  ['http://model-v1:8080/', '', /^single-label name model-v1 /],
  // unspecified, multicast, broadcast, reserved
  ['http://0.0.0.0/', '', /^unspecified address 0\.0\.0\.0;/],
  ['http://0/', '', /^unspecified address 0\.0\.0\.0;/],
  ['http://0.1.2.3/', '', /^"this network" address 0\.1\.2\.3;/],
  ['http://[::]/', '', /^unspecified address \[::\];/],
  ['http://224.0.0.1/', '', /^multicast address 224\.0\.0\.1;/],
  ['http://[ff02::1]/', '', /^multicast address \[ff02::1\];/],
  ['http://255.255.255.255/', '', /^broadcast address 255\.255\.255\.255;/],
  ['http://240.0.0.1/', '', /^reserved address 240\.0\.0\.1;/],
  ['http://198.18.0.1/', '', /^benchmarking address 198\.18\.0\.1;/],
  ['http://192.0.2.1/', '', /^documentation address 192\.0\.2\.1;/],
  ['http://[2001:db8::1]/', '', /^documentation address \[2001:db8::1\];/],
  // the allow list
  ['http://127.0.0.1:9101', '127.0.0.1', 'ok'],
  ['http://2130706433:9101/', '127.0.0.1', 'ok'],
  ['http://127.0.0.2/', '127.0.0.1', /^loopback address 127\.0\.0\.2;/],
  ['http://[::ffff:7f00:1]/', '127.0.0.1', /^loopback address 127\.0\.0\.1 \(IPv4-mapped/],
  ['http://localhost:9101/', '127.0.0.1', /^loopback name localhost;/],
  ['http://127.0.0.1:9101/', '127.0.0.1:9101', 'ok'],
  ['http://127.0.0.1:9102/', '127.0.0.1:9101', /^loopback address 127\.0\.0\.1;/],
  ['http://127.0.0.1/', '127.0.0.1:80', 'ok'],
  ['https://127.0.0.1/', '127.0.0.1:80', /^loopback/],
  ['http://[::1]:9000/', '[::1]:9000', 'ok'],
  ['http://[::1]:9000/', '::1', 'ok'],
  ['http://10.20.30.40/', '10.20.0.0/16', 'ok'],
  ['http://10.21.0.1/', '10.20.0.0/16', /^private address 10\.21\.0\.1;/],
  ['http://[fd12:3456::9]/', 'fd12:3456::/32', 'ok'],
  ['http://a.models.internal/', '*.models.internal', 'ok'],
  ['http://models.internal/', '*.models.internal', /^internal name models\.internal/],
  ['http://a.models.internal:8443/', '*.models.internal:443', /^internal name/],
  // metadata passes only when named exactly, never through a prefix
  ['http://169.254.169.254/', '169.254.0.0/16', /^link-local address 169\.254\.169\.254 \(cloud metadata\)/],
  ['http://169.254.10.10/', '169.254.0.0/16', 'ok'],
  ['http://169.254.169.254/', '169.254.169.254', 'ok'],
  ['http://metadata.google.internal/', '*.google.internal', /^cloud metadata name/],
  // schemes are never allowed, whatever the list says
  ['file://127.0.0.1/etc/passwd', '127.0.0.1', /^scheme file: is not allowed/],
]

describe('egress policy', () => {
  it('has a table of at least 40 rows', () => expect(TABLE.length).toBeGreaterThanOrEqual(40))

  it.each(TABLE)('%s (EGRESS_ALLOW=%s)', (url, allow, expected) => {
    const d = judgeEgress(url, rules(allow))
    if (expected === 'ok') expect(d, JSON.stringify(d)).toMatchObject({ ok: true })
    else {
      expect(d.ok, JSON.stringify(d)).toBe(false)
      expect((d as { reason: string }).reason).toMatch(expected)
    }
  })

  it('names the entry that allowed a destination, and null for a public one', () => {
    expect(judgeEgress('http://127.0.0.1:9101/', rules('10.0.0.0/8, 127.0.0.1'))).toEqual({
      ok: true,
      allowedBy: '127.0.0.1',
    })
    expect(judgeEgress('https://example.com/', rules('127.0.0.1'))).toEqual({ ok: true, allowedBy: null })
  })

  it("refuses npm start's model servers without the allow list and accepts them with it", () => {
    for (const url of ['http://127.0.0.1:9101', 'http://127.0.0.1:9102']) {
      expect(judgeEgress(url, []).ok).toBe(false)
      expect(judgeEgress(url, rules('127.0.0.1')).ok).toBe(true)
    }
  })
})

describe('EGRESS_ALLOW', () => {
  it('reads hosts, host:port, IPv6 literals, suffixes and prefixes, normalized as in URLs', () => {
    const { rules: r, errors } = parseEgressAllow(
      ' 127.0.0.1 , 0x7f.1:9101,[::1]:9000, ::ffff:7f00:1 ,*.Corp.Internal, 10.0.0.0/8,,',
    )
    expect(errors).toEqual([])
    expect(r).toMatchObject([
      { kind: 'host', host: '127.0.0.1', port: null },
      { kind: 'host', host: '127.0.0.1', port: 9101 },
      { kind: 'host', host: '[::1]', port: 9000 },
      { kind: 'host', host: '[::ffff:7f00:1]', port: null },
      { kind: 'suffix', suffix: '.corp.internal', port: null },
      { kind: 'cidr', cidr: { bytes: [10, 0, 0, 0], prefix: 8 } },
    ])
  })

  it.each([
    ['10.0.0.1/8', /not an address prefix/],
    ['10.0.0.0/33', /not an address prefix/],
    ['fd00::/129', /not an address prefix/],
    ['host:0', /not a host/],
    ['host:99999', /not a host/],
    ['user@host', /not a host/],
    ['a b', /not a host/],
    ['[::1', /not a host/],
    ['1.2.3.4.5', /not a valid host/],
  ])('refuses %s', (entry, pattern) => {
    const { errors } = parseEgressAllow(`127.0.0.1,${entry}`)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(pattern)
    expect(errors[0]!.startsWith(entry)).toBe(true)
  })

  it('is empty when unset', () => expect(parseEgressAllow('')).toEqual({ rules: [], errors: [] }))
})

describe('egressJudge', () => {
  it('answers as judgeEgress and remembers each URL, within its bound', () => {
    const judge = egressJudge(rules('127.0.0.1'), 2)
    const first = judge('http://10.0.0.1/')
    expect(first).toEqual(judgeEgress('http://10.0.0.1/', []))
    expect(judge('http://10.0.0.1/')).toBe(first) // the same object: not judged again
    judge('http://127.0.0.1/')
    judge('https://example.com/') // the memory was full: cleared
    expect(judge('http://10.0.0.1/')).not.toBe(first)
    expect(judge('http://10.0.0.1/')).toEqual(first)
  })
})
