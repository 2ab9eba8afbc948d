import { describe, expect, it } from 'vitest'
import { parseArgs } from '../../../scripts/simulate/args'
import { renderTargets } from '../../../scripts/simulate/report'
import { defaultCut, p99FromMirror, recordTick, tailSampler } from '../../../scripts/simulate/latency'
import { SCENARIOS, type Scenario, scenarioConfig } from '../../../scripts/simulate/model'
import { type RunResult, prepare, simulateRun, simulateRuns } from '../../../scripts/simulate/run'
import {
  censoredMedian,
  evaluateTargets,
  summariseGate,
  summariseScenario,
  wilson,
} from '../../../scripts/simulate/summary'
import { emptyHistogram, quantile } from '../../../src/core/stats/histogram'
import { createRng } from '../../../src/core/stats/sim/prng'

function scenario(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name)
  if (!s) throw new Error(name)
  return s
}

// Generous timeouts: these are CPU-bound and the 2-core box may be shared; they take ~3 s alone.
describe('simulation bookkeeping', { timeout: 60_000 }, () => {
  it('rolls back a 3× error rate in every run, within minutes', () => {
    const results = simulateRuns(scenario('errors-3x'), 7, 0, 20)
    const g = summariseGate(results, 'sequential')
    expect(g.count.FAIL, JSON.stringify(g)).toBe(20)
    expect(g.minutes.FAIL?.median).toBeLessThanOrEqual(30)
    // Exposure is the challenger's cumulative requests at the FAIL tick (≈ 600/min).
    for (const r of results) {
      expect(r.sequential.exposure).toBeGreaterThan(400 * r.sequential.minute)
      expect(r.sequential.exposure).toBeLessThan(800 * r.sequential.minute)
    }
  })

  it('rarely rolls back an identical challenger (conversion gate, 50 runs)', () => {
    const aa: Scenario = { ...scenario('aa'), name: 'aa-test', metrics: ['business'] }
    const results = simulateRuns(aa, 11, 0, 50)
    const g = summariseGate(results, 'sequential')
    expect(g.count.FAIL, JSON.stringify(g)).toBeLessThanOrEqual(2)
    expect(g.count.HALT).toBeLessThanOrEqual(1)
    // The naive rule, checked every tick, rolls most of them back (docs/statistics.md §3.1, §13.4).
    expect(summariseGate(results, 'naive').rate.FAIL).toBeGreaterThan(0.5)
    // "PASS any time" never decides later than the 24 h-minimum gate.
    for (const r of results) {
      if (r.sequential.outcome === 'PASS') expect(r.anytime.outcome).toBe('PASS')
      expect(r.anytime.minute).toBeLessThanOrEqual(r.sequential.minute)
    }
  })

  it('HALTs on a 9.7% split and never PASSes or FAILs it', () => {
    const results = simulateRuns(scenario('srm'), 3, 0, 5)
    for (const r of results) expect(r.sequential.outcome).toBe('HALT')
  })

  it('still FAILs a halted rollout, as the controller does: a HALT is not the end of the watch', () => {
    // An 8% split halts within minutes; a conversion 20% down FAILs later, and rolls back.
    const s: Scenario = { ...scenario('srm'), name: 'srm-then-fail', actualShare: 0.08, conversionEffect: -0.2 }
    const early: Scenario = { ...s, name: 'srm-only', conversionEffect: 0 }
    for (const r of simulateRuns(early, 4, 0, 3)) expect(r.sequential).toMatchObject({ outcome: 'HALT' })
    const halts = simulateRuns(early, 4, 0, 3).map((r) => r.sequential.minute)
    for (const r of simulateRuns(s, 4, 0, 3)) {
      expect(r.sequential.outcome).toBe('FAIL')
      expect(r.anytime.outcome).toBe('FAIL')
      expect(r.sequential.minute).toBeGreaterThan(Math.max(...halts))
    }
  })

  it('is deterministic and independent of how runs are chunked', () => {
    const s = scenario('conv-5pct')
    const whole = simulateRuns(s, 5, 0, 6)
    expect(simulateRuns(s, 5, 0, 6)).toEqual(whole)
    expect([...simulateRuns(s, 5, 0, 2), ...simulateRuns(s, 5, 2, 6)]).toEqual(whole)
    expect(simulateRuns(s, 6, 0, 6)).not.toEqual(whole)
  })

  it('judges per-metric scenarios at the per-test α of the 3-metric config', () => {
    expect(scenarioConfig(scenario('errors-3x')).alphaFail).toBeCloseTo(0.05 / 3, 15)
    expect(scenarioConfig(scenario('aa')).alphaFail).toBe(0.05)
    expect(scenarioConfig(scenario('aa'), true).minDurationMs).toBe(0)
  })
})

describe('simulated latency', () => {
  it('computes the same p99 from the tail mirror as the histogram itself', () => {
    const t = tailSampler(120, 0.5, 6, defaultCut(100, 0.5))
    const h = emptyHistogram(6)
    const mirror = new Float64Array(t.cdf.length)
    const rng = createRng(1, 0)
    for (let tick = 0; tick < 30; tick++) {
      recordTick(rng, t, h, 600, mirror)
      expect(p99FromMirror(t, h, mirror)).toBe(quantile(h, 0.99))
    }
    expect(h.count).toBe(18_000)
  })

  it('draws exceedances at the true tail probability', () => {
    const p = prepare(scenario('latency-20'))
    const rng = createRng(2, 0)
    const run = simulateRun(p, rng)
    expect(run.sequential.outcome).toBe('FAIL')
    const t = tailSampler(100, 0.5, 6, defaultCut(100, 0.5))
    expect(t.pTail).toBeCloseTo(0.025, 2)
    expect(t.cdf[t.cdf.length - 1]).toBe(1)
  })
})

describe('summaries and flags', () => {
  const d = (outcome: RunResult['naive']['outcome'], minute: number) => ({
    outcome,
    minute,
    exposure: minute * 600,
  })
  const results: RunResult[] = [
    { sequential: d('FAIL', 10), anytime: d('FAIL', 10), naive: d('FAIL', 2) },
    { sequential: d('PASS', 1440), anytime: d('PASS', 500), naive: d('FAIL', 3) },
    {
      sequential: d('INCONCLUSIVE', 1440),
      anytime: d('INCONCLUSIVE', 1440),
      naive: d('PASS', 1440),
    },
    { sequential: d('FAIL', 30), anytime: d('FAIL', 30), naive: d('FAIL', 2) },
  ]

  it('counts outcomes, times and exposure per gate', () => {
    const g = summariseGate(results, 'sequential')
    expect(g.count).toEqual({ PASS: 1, FAIL: 2, INCONCLUSIVE: 1, HALT: 0 })
    expect(g.rate.FAIL).toBe(0.5)
    expect(g.minutes.FAIL).toEqual({ median: 10, p90: 30 })
    expect(g.exposureAtFail).toBe(6000)
    expect(g.minutes.HALT).toBeNull()
  })

  it('evaluates the goals of the scenarios present, on medians over all runs', () => {
    const targets = evaluateTargets([summariseScenario(scenario('errors-3x'), results)])
    // FAIL minutes: sequential/anytime 10, 30 and two runs without FAIL (median 30 > 4);
    // naive 2, 3, 2 and one without (median 2).
    expect(targets.map((t) => [t.target, t.gate, t.met])).toEqual([
      ['3× error rate: median time to FAIL ≤ 4 min', 'sequential', false],
      ['3× error rate: median time to FAIL ≤ 4 min', 'anytime', false],
      ['3× error rate: median time to FAIL ≤ 4 min', 'naive', true],
    ])
    expect(targets[0]?.value).toMatch(/^median 30 min/)
  })

  it('prints each goal with PASS/MISS per gate and the command to reproduce', () => {
    const text = renderTargets(evaluateTargets([summariseScenario(scenario('errors-3x'), results)]), 7, 4)
    expect(text).toContain('reproduce: npm run simulate -- --seed 7 --runs 4')
    expect(text).toMatch(/MISS {2}sequential, 24 h min +median 30 min/)
    expect(text).toMatch(/PASS {2}naive, every tick +median 2 min/)
    const never = summariseScenario(scenario('errors-3x'), results.slice(2, 3))
    expect(renderTargets(evaluateTargets([never]), 7, 1)).toMatch(/sequential, 24 h min +median > 1440 min/)
    expect(text).not.toContain('Neyman')
    // The goal that no test can reach in this world says so, once, under its title.
    const half = renderTargets(evaluateTargets([summariseScenario(scenario('conv-half-margin'), results)]), 7, 4)
    expect(half).toMatch(/PASS ≥ 60%\n {4}\(out of reach in this world without a covariate: .*53% .*§13\.6\)/)
    expect(half.match(/Neyman/g)).toHaveLength(1)
  })

  it('counts runs that never decide as later than the cap in the median', () => {
    expect(censoredMedian([5, 7], 4)).toMatchObject({ median: 7 })
    // Three of four runs never FAIL: the median is censored, not the 5 of the one that did.
    expect(censoredMedian([5], 4).median).toBe(Infinity)
    const times = Array.from({ length: 1000 }, (_, i) => i + 1)
    const c = censoredMedian(times, 1000)
    expect(c.median).toBe(500)
    // Order-statistic 95% CI: ranks 500 ∓ 0.98·√1000 ≈ ±31.
    expect(c.lo).toBe(469)
    expect(c.hi).toBe(532)
    expect(summariseGate(results, 'sequential').censored.FAIL.median).toBe(30)
  })

  it('gives Wilson bounds that contain the estimate', () => {
    const { lo, hi } = wilson(20, 1000)
    expect(lo).toBeLessThan(0.02)
    expect(hi).toBeGreaterThan(0.02)
    expect(hi - lo).toBeCloseTo(0.018, 2)
  })

  it('parses the flags', () => {
    expect(parseArgs(['--runs', '10', '--seed=3', '--scenario', 'aa,srm', '--json', '--workers', '1'])).toMatchObject({
      runs: 10,
      seed: 3,
      scenarios: ['aa', 'srm'],
      json: true,
      workers: 1,
    })
    expect(() => parseArgs(['--runs', '0'])).toThrow(/positive integer/)
    expect(() => parseArgs(['--scenario', 'nope'])).toThrow(/unknown scenario/)
    expect(() => parseArgs(['--what'])).toThrow(/unknown flag/)
  })
})
