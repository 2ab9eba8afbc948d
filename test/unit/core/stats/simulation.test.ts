import { describe, expect, it } from 'vitest'
import { sequentialSrm } from '../../../../src/core/stats/srm'
import { createRng, sampleBinomial } from './helpers/prng'
import { median, simulateEventSplit, simulateProportionNi } from './helpers/simulate'

// Fast sanity simulations (docs/statistics.md §13.5). The full protocol (npm run simulate, docs/statistics.md §13) belongs to the
// separate simulation script; these only check that the gate behaves as the report says.
// The run counts set the power of the rate bounds below (300 A/A runs: a 3% FAIL bound against the
// 5% α), so they stay and the time limit goes instead: 300 runs × up to 1,440 ticks take ~1 s alone
// and several times that beside other CPU-heavy work, close to vitest's default 5 s.
const SLOW = { timeout: 60_000 }

describe('A/A proportion non-inferiority test (the aa and conv-5pct scenarios of docs/statistics.md §13.2)', () => {
  const scenario = {
    runs: 300,
    seed: 20240501,
    minutes: 1440,
    championPerMinute: 5400,
    challengerPerMinute: 600,
    championRate: 0.05,
    challengerRate: 0.05,
    margin: 0.02,
    failMargin: 0.02,
    alpha: 0.05,
  }

  it('essentially never FAILs an identical challenger and mostly PASSes within 24 h', SLOW, () => {
    const t = simulateProportionNi(scenario)
    expect(t.fail / scenario.runs, JSON.stringify({ ...t, passMinutes: [] })).toBeLessThanOrEqual(0.03)
    expect(t.pass / scenario.runs).toBeGreaterThanOrEqual(0.85)
    // The report's median PASS time was 552 min; allow a broad band.
    expect(median(t.passMinutes)).toBeGreaterThan(300)
    expect(median(t.passMinutes)).toBeLessThan(900)
  })

  it('catches a 5% drop in every run and never PASSes it', SLOW, () => {
    const t = simulateProportionNi({ ...scenario, runs: 40, challengerRate: 0.0475 })
    expect(t.fail).toBe(40)
    expect(median(t.failMinutes)).toBeLessThan(600)
  })
})

describe('event-split test on rare errors (docs/statistics.md §6)', () => {
  const scenario = {
    runs: 100,
    seed: 7,
    minutes: 1440,
    championPerMinute: 5400,
    challengerPerMinute: 600,
    baseRate: 0.001,
    rateRatio: 1,
    margin: 0.25,
    failMargin: 0.25,
    alpha: 0.05,
  }

  it('catches a 3× error rate quickly in every run', SLOW, () => {
    const t = simulateEventSplit({ ...scenario, rateRatio: 3 })
    expect(t.fail).toBe(100)
    expect(median(t.failMinutes)).toBeLessThan(30)
  })

  it('rarely FAILs an A/A challenger', SLOW, () => {
    const t = simulateEventSplit(scenario)
    expect(t.fail / 100).toBeLessThanOrEqual(0.03)
  })
})

describe('sequential SRM (docs/statistics.md §9)', () => {
  function runSrm(runs: number, challengerShare: number, seed: number): number[] {
    const alarms: number[] = []
    for (let run = 0; run < runs; run++) {
      const rng = createRng(seed, run)
      let b = 0
      let n = 0
      for (let minute = 1; minute <= 1440; minute++) {
        b += sampleBinomial(rng, 6000, challengerShare)
        n += 6000
        if (minute % 5 !== 0) continue // every 5 min keeps the test fast; validity is unchanged
        if (sequentialSrm({ counts: [b, n - b], expectedShares: [0.1, 0.9] }).alarm) {
          alarms.push(minute)
          break
        }
      }
    }
    return alarms
  }

  it('stays quiet on a correct 10/90 split for a day', SLOW, () => {
    expect(runSrm(100, 0.1, 1).length).toBeLessThanOrEqual(2)
  })

  it('alarms on a 9.7% share within hours', SLOW, () => {
    const alarms = runSrm(20, 0.097, 2)
    expect(alarms.length).toBe(20)
    expect(median(alarms)).toBeLessThan(120)
  })
})
