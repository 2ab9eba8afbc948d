import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { describe, expect, inject, it } from 'vitest'
import { parseExposition, promlint } from '../support/promlint'
import { admin, infer, setupModel, settle, uniqueModel } from './helpers/harness'

describe('GET /admin/metrics (Prometheus text format)', () => {
  it('parses with a real parser and counts every response by model, version and arm', async () => {
    const model = uniqueModel('prom')
    await setupModel(model, {
      versions: { v1: inject('upstreamA'), v2: `${inject('upstreamB')}/mode/status-503` },
      champion: 'v1',
      weights: { v1: 60, v2: 40 },
      fallback_to_champion: false,
    })
    const counts: Record<string, number> = {}
    for (let i = 0; i < 200; i++) {
      const res = await infer(model, '/p', { headers: { 'x-unit-id': `u${i}` } })
      await res.arrayBuffer()
      const v = res.headers.get('x-model-version') as string
      counts[v] = (counts[v] ?? 0) + 1
    }
    await settle()
    const res = await admin('GET', '/metrics')
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4')
    const text = await res.text()
    // The parser throws on any line that is not valid text exposition format.
    const families = parsePrometheusTextFormat(text) as Array<{
      name: string
      type: string
      metrics: Array<{
        labels: Record<string, string>
        value?: string
        buckets?: Record<string, string>
        count?: string
      }>
    }>
    const family = (name: string) => families.find((f) => f.name === name)!
    const mine = (f: string) => family(f).metrics.filter((m) => m.labels.model === model)

    expect(family('modelgate_requests_total').type).toBe('COUNTER')
    const requests = Object.fromEntries(
      mine('modelgate_requests_total').map((m) => [m.labels.version, Number(m.value)]),
    )
    expect(requests).toEqual(counts)
    const errors = Object.fromEntries(mine('modelgate_errors_total').map((m) => [m.labels.version, Number(m.value)]))
    expect(errors).toEqual({ v1: 0, v2: counts.v2 })
    expect(family('modelgate_upstream_latency_seconds').type).toBe('HISTOGRAM')
    // This parser (a port of client_python's) only reads unlabelled histograms, so each series is
    // cut out, its series labels dropped, and parsed on its own.
    for (const version of Object.keys(counts)) {
      const arm = version === 'v1' ? 'champion' : 'challenger'
      const lines = text
        .split('\n')
        .filter(
          (l) =>
            l.startsWith('modelgate_upstream_latency_seconds') &&
            l.includes(`model="${model}",version="${version}",arm="${arm}"`),
        )
      const bare = lines.map((l) => l.replace(/\{model="[^"]*",version="[^"]*",arm="[^"]*",?/, '{').replace('{}', ''))
      const [h] = (
        parsePrometheusTextFormat(`# TYPE modelgate_upstream_latency_seconds histogram\n${bare.join('\n')}\n`) as any[]
      )[0].metrics
      const answered = version === 'v1' ? counts.v1 : counts.v2 // 503 answers still have a latency
      expect(Number(h.count)).toBe(answered)
      expect(Number(h.buckets['+Inf'])).toBe(answered)
      const buckets = Object.entries(h.buckets as Record<string, string>)
        .map(([le, c]) => [le === '+Inf' ? Infinity : Number(le), Number(c)] as const)
        .sort((a, b) => a[0] - b[0])
      for (let i = 1; i < buckets.length; i++) expect(buckets[i]![1]).toBeGreaterThanOrEqual(buckets[i - 1]![1]) // cumulative
    }
  })

  it('passes the naming rules of promtool check metrics (ported) on a live scrape after traffic', async () => {
    const model = uniqueModel('lint')
    await setupModel(model, {
      versions: { v1: inject('upstreamA'), v2: `${inject('upstreamB')}/mode/status-503`, v3: inject('upstreamA') },
      champion: 'v1',
      weights: { v1: 50, v2: 50 },
      shadow: { version: 'v3', sample_rate: 1 },
      fallback_to_champion: false,
    })
    for (let i = 0; i < 30; i++) await (await infer(model, '/p', { headers: { 'x-unit-id': `u${i}` } })).arrayBuffer()
    await settle()
    const res = await admin('GET', '/metrics')
    expect(res.status).toBe(200)
    const text = await res.text()
    const { families } = parseExposition(text)
    const mine = (name: string) =>
      families.find((f) => f.name === name)?.samples.filter((s) => s.labels.model === model) ?? []
    // The scrape has this model's series of the families the rules look at: counters, both
    // histograms (in seconds) and the shadow arm's.
    expect(mine('modelgate_requests_total').length).toBe(2)
    expect(mine('modelgate_upstream_latency_seconds').some((s) => s.labels.le === '0.005')).toBe(true)
    expect(mine('modelgate_upstream_duration_seconds').length).toBeGreaterThan(0)
    expect(mine('modelgate_shadow_pairs_total').map((s) => s.labels.version)).toEqual(['v3'])
    expect(mine('modelgate_measurements_dropped_total')).toHaveLength(1)
    expect(promlint(text)).toEqual([])
  })
})
