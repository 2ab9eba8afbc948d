import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseBenchArgs } from '../../../scripts/bench/args'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseWrkOutput } from '../../../scripts/bench/load'
import { runPaced } from '../../../scripts/bench/paced'
import { idlePct, selfTimeByModule, topFunctions, type CpuProfile } from '../../../scripts/bench/profile'
import { renderBreakdown, renderReport, type BenchReport } from '../../../scripts/bench/report'
import { pairedRound, summarizePaired, type PairedSample } from '../../../scripts/bench/paired'
import {
  compare,
  fixed,
  median,
  percentile,
  ratio,
  renderTable,
  signed,
  summarize,
  NO_TARGETS,
  TARGETS,
  targetCell,
  verdict,
  type RoundSample,
} from '../../../scripts/bench/stats'
import { GATEWAY_CONFIGS } from '../../../scripts/bench/configs'

function round(n: number, rps: number, p99Ms: number, cpuUs: number | null = null): RoundSample {
  return {
    round: n,
    requests: rps * 10,
    durationS: 10,
    rps,
    p50Ms: p99Ms / 4,
    p99Ms,
    errors: 0,
    non2xx: 0,
    serverCpuPct: 95,
    serverCpuUsPerReq: cpuUs,
    serverCoreOtherPct: 1,
    clientCpuPct: 40,
  }
}

describe('percentile (nearest rank)', () => {
  it('matches the textbook nearest-rank values', () => {
    const xs = [15, 20, 35, 40, 50]
    expect(percentile(xs, 5)).toBe(15)
    expect(percentile(xs, 30)).toBe(20)
    expect(percentile(xs, 40)).toBe(20)
    expect(percentile(xs, 50)).toBe(35)
    expect(percentile(xs, 100)).toBe(50)
    expect(percentile(xs, 0)).toBe(15)
  })

  it('p99 of 1..1000 is 990 and works on typed arrays', () => {
    const xs = Float64Array.from({ length: 1000 }, (_, i) => i + 1)
    expect(percentile(xs, 99)).toBe(990)
    expect(percentile(xs, 50)).toBe(500)
  })

  it('is NaN without samples', () => {
    expect(percentile([], 50)).toBeNaN()
  })
})

describe('median, ratio, formatting', () => {
  it('median of odd and even counts, unsorted input left untouched', () => {
    const xs = [3, 1, 2]
    expect(median(xs)).toBe(2)
    expect(xs).toEqual([3, 1, 2])
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
  })

  it('ratio guards division by zero', () => {
    expect(ratio(9, 10)).toBeCloseTo(0.9)
    expect(ratio(1, 0)).toBeNaN()
  })

  it('fixed and signed never print NaN', () => {
    expect(fixed(1.23456, 2)).toBe('1.23')
    expect(fixed(Number.NaN, 2)).toBe('-')
    expect(fixed(null, 0)).toBe('-')
    expect(signed(0.5, 2)).toBe('+0.50')
    expect(signed(-1.1, 2)).toBe('-1.10')
    expect(signed(0, 1)).toBe('+0.0')
    expect(signed(-0.001, 1)).toBe('-0.0')
    expect(signed(Number.POSITIVE_INFINITY, 1)).toBe('-')
  })

  it('verdict', () => {
    expect(verdict(true)).toBe('PASS')
    expect(verdict(false)).toBe('MISS')
    expect(verdict(null)).toBe('n/a')
  })

  it('renderTable pads the first column left and the others right', () => {
    expect(
      renderTable([
        ['config', 'req/s'],
        ['bare-proxy', '1234'],
        ['gw', '99'],
      ]),
    ).toBe(['config      req/s', 'bare-proxy   1234', 'gw             99'].join('\n'))
  })
})

describe('summaries and the comparison with the bare proxy', () => {
  const bare = summarize('bare-proxy', [round(1, 1000, 10, 500), round(2, 1100, 12, 520), round(3, 900, 30, 510)])
  const gw = summarize('gateway', [round(1, 950, 11, 550), round(2, 990, 13, 580), round(3, 700, 35, 560)])

  it('summaries take medians over rounds and sum the failures', () => {
    const s = summarize('x', [
      { ...round(1, 10, 5), errors: 2, non2xx: 1 },
      { ...round(2, 30, 7), errors: 1, non2xx: 4 },
    ])
    expect(s.rps).toBe(20)
    expect(s.p99Ms).toBe(6)
    expect(s.errors).toBe(3)
    expect(s.non2xx).toBe(5)
    expect(bare.rps).toBe(1000)
    expect(bare.serverCpuUsPerReq).toBe(510)
  })

  it('pairs rounds and takes the median of the per-round ratios and deltas', () => {
    const c = compare(bare, gw)
    expect(c.perRound.map((r) => r.throughputRatio)).toEqual([0.95, 0.9, 700 / 900])
    expect(c.throughputRatio).toBeCloseTo(0.9)
    expect(c.p99AddedMs).toBe(1)
    expect(c.cpuUsAddedPerReq).toBe(50)
    expect(c.throughputPass).toBe(true)
    expect(c.p99Pass).toBe(true)
  })

  it('misses are reported against the targets', () => {
    const slow = summarize('gateway', [round(1, 800, 15), round(2, 850, 16), round(3, 600, 40)])
    const c = compare(bare, slow, TARGETS)
    expect(c.throughputPass).toBe(false)
    expect(c.p99Pass).toBe(false)
    expect(c.cpuUsAddedPerReq).toBeNull()
  })

  it('each configuration is judged by its own targets; references by none', () => {
    const c = compare(bare, gw, { throughputRatioMin: 0.95, p99AddedMaxMs: 2 })
    expect(c.throughputRatio).toBeCloseTo(0.9)
    expect(c.throughputPass).toBe(false)
    expect(c.targets.throughputRatioMin).toBe(0.95)
    const ref = compare(bare, gw, NO_TARGETS)
    expect(ref.throughputPass).toBeNull()
    expect(ref.p99Pass).toBeNull()
    expect(targetCell('>=', 0.85, false)).toBe('>= 0.85 MISS')
    expect(targetCell('<=', 2, true, ' ms')).toBe('<= 2.00 ms PASS')
    expect(targetCell('>=', null, null)).toBe('-')
    const measured = GATEWAY_CONFIGS.find((x) => x.name === 'gateway')
    expect(measured?.targets.throughputRatioMin).toBe(0.85)
    expect(GATEWAY_CONFIGS.find((x) => x.name === 'gateway-no-recording')?.targets).toEqual(TARGETS)
  })

  it('at a fixed offered rate the throughput ratio gets no verdict', () => {
    const c = compare(bare, gw, TARGETS, true)
    expect(c.throughputPass).toBeNull()
    expect(c.p99Pass).toBe(true)
  })

  it('renders the report with targets and verdicts', () => {
    const report: BenchReport = {
      machine: {
        cpuModel: 'Test CPU',
        cores: 2,
        kernel: 'Linux 6',
        node: 'v20.0.0',
        workerd: '1.2 (2026-01-01)',
        miniflare: '4',
        wrangler: '4',
      },
      load: {
        tool: 'wrk',
        detail: 'wrk 4.1.0',
        connections: 32,
        rate: null,
        durationS: 10,
        warmupS: 3,
        rounds: 3,
        requestBytes: 73,
        units: 10000,
      },
      busyBefore: [
        { core: 0, pct: 1 },
        { core: 1, pct: 2 },
      ],
      pinning: 'workerd on CPU 0',
      upstream: 'node',
      order: ['bare-proxy', 'gateway'],
      configs: [
        {
          name: 'gateway',
          description: 'split',
          url: 'http://127.0.0.1:1/v1/models/bench/predict',
        },
      ],
      routingChecks: [{ name: 'gateway', requests: 200, ok: 200, versions: { v1: 180, v2: 20 } }],
      profiles: [],
      summaries: [bare, gw],
      comparisons: [compare(bare, gw)],
      paired: null,
      totalSeconds: 70,
    }
    const text = renderReport(report)
    expect(text).toContain('machine   Test CPU, 2 cores, Linux 6')
    expect(text).toContain('versions: v1 180, v2 20')
    expect(text).toMatch(/gateway\s+0\.900\s+>= 0\.90 PASS\s+\+1\.00\s+<= 2\.00 ms PASS\s+\+50/)
    expect(text).not.toContain('NaN')
    expect(text).not.toContain('WARNING')
    expect(text).not.toContain('Side by side')
    expect(renderBreakdown(report)).toEqual([])
    const withPaired = renderReport({
      ...report,
      paired: summarizePaired(
        [
          [sample('bare-proxy', 400), sample('gateway', 500)],
          [sample('bare-proxy', 800), sample('gateway', 1000)],
        ],
        'bare-proxy',
      ),
    })
    expect(withPaired).toContain('Side by side (--paired: 3 rounds')
    expect(withPaired).toMatch(/gateway\s+\d+\s+750\s+0\.800\s+>= 0\.90 MISS\s+0\.800\s+0\.800/)
    expect(withPaired).toMatch(/bare-proxy\s+\d+\s+600\s+1\.000\s+-\s+1\.000/)

    const floor = summarize('bare-static', [round(1, 3000, 5, 300)])
    const noop = summarize('gateway-healthz', [round(1, 2500, 6, 380)])
    const lines = renderBreakdown({ ...report, summaries: [bare, gw, floor, noop] }).join('\n')
    expect(lines).toMatch(/bare-proxy - bare-static\s+\+210/)
    expect(lines).toMatch(/total added over bare-proxy\s+\+50/)
    expect(lines).toMatch(/the app itself: gateway-healthz - bare-static\s+\+80/)
    expect(lines).toMatch(/routing \+ forwarding: the rest\s+-30/)
  })
})

describe('parseBenchArgs', () => {
  const known = ['gateway', 'gateway-shadow']

  it('defaults match what the README quotes', () => {
    expect(parseBenchArgs([], known)).toEqual({
      durationS: 10,
      rounds: 3,
      connections: 32,
      warmupS: 3,
      only: null,
      json: false,
      rate: null,
      diagnose: false,
      paired: false,
      cpuProfile: null,
      tool: null,
      help: false,
    })
  })

  it('parses every flag', () => {
    const o = parseBenchArgs(
      [
        '--duration',
        '5',
        '--rounds',
        '2',
        '--connections',
        '8',
        '--warmup',
        '0',
        '--only',
        'gateway-shadow',
        '--json',
        '--diagnose',
        '--paired',
        '--tool',
        'autocannon',
        '--cpu-profile',
        'out',
      ],
      known,
    )
    expect(o).toMatchObject({
      durationS: 5,
      rounds: 2,
      connections: 8,
      warmupS: 0,
      only: ['gateway-shadow'],
      json: true,
      diagnose: true,
      paired: true,
      tool: 'autocannon',
      cpuProfile: 'out',
    })
  })

  it('rejects bad values and unknown configurations', () => {
    expect(() => parseBenchArgs(['--duration', '0'], known)).toThrow(/--duration/)
    expect(() => parseBenchArgs(['--rounds', '1.5'], known)).toThrow(/--rounds/)
    expect(() => parseBenchArgs(['--warmup', '-1'], known)).toThrow(/--warmup/)
    expect(() => parseBenchArgs(['--only', 'nope'], known)).toThrow(/unknown configuration "nope"/)
    expect(() => parseBenchArgs(['--tool', 'k6'], known)).toThrow(/--tool/)
    expect(() => parseBenchArgs(['--rate', '500', '--tool', 'wrk'], known)).toThrow(/paced generator/)
    expect(parseBenchArgs(['--rate', '500'], known).rate).toBe(500)
    expect(() => parseBenchArgs(['--rate', '500', '--paired'], known)).toThrow(/--paired/)
    expect(() => parseBenchArgs(['--bogus'], known)).toThrow()
  })
})

describe('parseWrkOutput', () => {
  it('reads the BENCH_JSON line of the Lua done hook', () => {
    const out = [
      'Running 10s test @ http://127.0.0.1:1/predict',
      'BENCH_JSON {"requests":20000,"duration_us":10000000,"connect":0,"read":1,"write":0,"status":3,"timeout":2,"p50_us":4200.5,"p99_us":9100.0}',
    ].join('\n')
    expect(parseWrkOutput(out)).toEqual({
      requests: 20000,
      durationS: 10,
      rps: 2000,
      p50Ms: 4.2005,
      p99Ms: 9.1,
      errors: 3,
      non2xx: 3,
    })
  })

  it('fails loudly without it', () => {
    expect(() => parseWrkOutput('unable to connect')).toThrow(/BENCH_JSON/)
  })
})

describe('CPU profile summary', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-test-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const bundle = path.join(dir, 'index.js')
  writeFileSync(
    bundle,
    [
      '// prelude',
      '// node_modules/hono/dist/context.js',
      'var a = 1',
      '// src/gateway/forward.ts',
      'function forward() {}',
      'x()',
    ].join('\n'),
  )
  const frame = (functionName: string, url: string, lineNumber: number) => ({
    functionName,
    url,
    lineNumber,
    columnNumber: 0,
  })
  const profile: CpuProfile = {
    startTime: 0,
    endTime: 1_000_000,
    nodes: [
      { id: 1, callFrame: frame('(root)', '', -1), hitCount: 0 },
      { id: 2, callFrame: frame('(idle)', '', -1), hitCount: 50 },
      { id: 3, callFrame: frame('forward', 'file:///tmp/x/index.js', 4), hitCount: 30 },
      { id: 4, callFrame: frame('', 'file:///tmp/x/index.js', 5), hitCount: 10 },
      { id: 5, callFrame: frame('c', 'file:///tmp/x/index.js', 2), hitCount: 5 },
      { id: 6, callFrame: frame('(program)', '', -1), hitCount: 5 },
    ],
  }

  it('attributes bundle lines to the module comment above them and leaves idle out', () => {
    expect(idlePct(profile)).toBe(50)
    const mods = selfTimeByModule(profile, bundle)
    expect(mods.map((m) => [m.module, m.pct])).toEqual([
      ['src/gateway/forward.ts', 80],
      ['node_modules/hono/dist/context.js', 10],
      ['(program)', 10],
    ])
    expect(mods[0]?.selfMs).toBeCloseTo(400)
    expect(topFunctions(profile, 2)).toEqual([
      { fn: 'forward index.js:5', pct: 60 },
      { fn: '(anonymous) index.js:6', pct: 20 },
    ])
  })
})

describe('runPaced (open loop)', () => {
  it('offers the rate, sends body and per-request headers, counts statuses', async () => {
    const seen: Array<{ unit: string | undefined; body: string }> = []
    const server = http.createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        seen.push({ unit: req.headers['x-unit-id'] as string | undefined, body })
        res.writeHead(seen.length % 10 === 0 ? 503 : 200)
        res.end('{}')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const { port } = server.address() as AddressInfo
    try {
      const r = await runPaced({
        url: `http://127.0.0.1:${port}/p`,
        method: 'POST',
        connections: 4,
        durationS: 1,
        rate: 200,
        body: '{"x":1}',
        headers: (i) => ({ 'x-unit-id': `u-${i}` }),
      })
      expect(r.requests).toBe(200)
      expect(r.rps).toBe(200)
      expect(r.errors).toBe(0)
      expect(r.non2xx).toBe(20)
      expect(r.p50Ms).toBeGreaterThan(0)
      expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms)
      expect(seen[0]).toEqual({ unit: 'u-0', body: '{"x":1}' })
      expect(new Set(seen.map((s) => s.unit)).size).toBe(200)
    } finally {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    }
  })
})

const sample = (name: string, cpuUsPerReq: number | null, over: Partial<PairedSample> = {}): PairedSample => ({
  name,
  requests: 1000,
  rps: 500,
  cpuUsPerReq,
  errors: 0,
  non2xx: 0,
  ...over,
})

describe('paired mode', () => {
  it('takes the ratio round by round, so a machine-wide slowdown cancels out', () => {
    // Round 2 runs at half speed for everyone: per-round ratios stay 0.8, medians of µs would not.
    const rounds = [
      [sample('bare-proxy', 400), sample('gateway', 500, { errors: 1 })],
      [sample('bare-proxy', 800), sample('gateway', 1000, { non2xx: 2 })],
      [sample('bare-proxy', 410), sample('gateway', 500)],
    ]
    const [b, g] = summarizePaired(rounds, 'bare-proxy')
    expect(b).toMatchObject({ name: 'bare-proxy', ratio: 1, ratioMin: 1, ratioMax: 1, cpuUsPerReq: 410 })
    expect(g!.ratio).toBeCloseTo(0.8, 10)
    expect(g!.ratioMin).toBeCloseTo(0.8, 10)
    expect(g!.ratioMax).toBeCloseTo(0.82, 10)
    expect(g).toMatchObject({ cpuUsPerReq: 500, errors: 1, non2xx: 2 })
  })

  it('gives no ratio when the CPU time of a process is unknown', () => {
    const [, g] = summarizePaired([[sample('bare-proxy', 400), sample('gateway', null)]], 'bare-proxy')
    expect(g).toMatchObject({ cpuUsPerReq: null, ratio: null, ratioMin: null, ratioMax: null })
  })

  it('loads every target at once and reads each process CPU around the same round', async () => {
    const cpu = new Map([
      [10, 1.0],
      [20, 5.0],
    ])
    let inFlight = 0
    let maxInFlight = 0
    const run = async (spec: { url: string }) => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      await new Promise((r) => setTimeout(r, 10))
      // While loaded, bare burns 0.4 s of CPU for 1,000 requests and the gateway 0.5 s.
      cpu.set(10, (cpu.get(10) as number) + (spec.url === 'bare' ? 0.4 : 0))
      cpu.set(20, (cpu.get(20) as number) + (spec.url === 'gw' ? 0.5 : 0))
      inFlight--
      return { requests: 1000, durationS: 1, rps: 1000, p50Ms: 1, p99Ms: 2, errors: 0, non2xx: 0 }
    }
    const samples = await pairedRound(
      [
        { name: 'bare-proxy', url: 'bare', method: 'POST', pid: 10 },
        { name: 'gateway', url: 'gw', method: 'POST', pid: 20 },
      ],
      run,
      (pid) => cpu.get(pid) ?? null,
      { connections: 8, durationS: 1 },
    )
    expect(maxInFlight).toBe(2)
    expect(samples.map((x) => [x.name, Math.round(x.cpuUsPerReq as number)])).toEqual([
      ['bare-proxy', 400],
      ['gateway', 500],
    ])
  })
})
