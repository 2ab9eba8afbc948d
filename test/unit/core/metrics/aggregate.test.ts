import { describe, expect, it } from 'vitest'
import {
  addMeasurement,
  aggregate,
  durationOf,
  emptyAgg,
  errorsOf,
  exposuresOf,
  latencyFor,
  mergeAgg,
  type Agg,
  type Measurement,
} from '../../../../src/core/metrics/aggregate'
import { quantile } from '../../../../src/core/stats/histogram'
import { at, req } from './fixtures'

describe('aggregate', () => {
  it('classifies answers by status class and gateway outcome', () => {
    const rows = aggregate([
      req(),
      req({ status: 302 }),
      req({ status: 404 }),
      req({ status: 503 }),
      req({ status: 504, outcome: 'timeout' }),
      req({ status: 502, outcome: 'unreachable' }),
    ])
    const a = [...rows.values()][0]!.agg
    expect(a).toMatchObject({ requests: 6, s2xx: 1, s3xx: 1, s4xx: 1, s5xx: 1, timeouts: 1, unreachable: 1 })
    expect(a.latency.count).toBe(4) // gateway-made answers have no upstream latency
    expect(errorsOf(a)).toBe(3)
  })

  it('attributes a fallback: the champion answered, the challenger failed', () => {
    const rows = [...aggregate([req({ fallback: { version: 'v2', arm: 'challenger' } })]).values()]
    const v1 = rows.find((r) => r.key.version === 'v1')!.agg
    const v2 = rows.find((r) => r.key.version === 'v2')!.agg
    expect([v1.requests, v1.fallbackAnswers, exposuresOf(v1)]).toEqual([1, 1, 0])
    expect([v2.requests, v2.failedAttempts, exposuresOf(v2), errorsOf(v2)]).toEqual([0, 1, 1, 1])
  })

  it("counts a failed rescue as the assigned arm's error only, so no error rate exceeds 1", () => {
    const fb = { version: 'v2', arm: 'challenger' as const }
    const rows = [
      ...aggregate([
        req(),
        req({ status: 503, fallback: fb }),
        req({ status: 504, outcome: 'timeout', fallback: fb }),
      ]).values(),
    ]
    const v1 = rows.find((r) => r.key.version === 'v1')!.agg
    const v2 = rows.find((r) => r.key.version === 'v2')!.agg
    // The champion served 3 answers, 1 of them to its own exposure, and that one succeeded.
    expect([v1.requests, v1.fallbackErrors, exposuresOf(v1), errorsOf(v1)]).toEqual([3, 2, 1, 0])
    expect([exposuresOf(v2), errorsOf(v2)]).toEqual([2, 2])
  })

  it('reads a stored row from before fallbackErrors as none', () => {
    const { fallbackErrors: _dropped, ...old } = { ...emptyAgg(), requests: 2, s5xx: 1 }
    expect(errorsOf(old as ReturnType<typeof emptyAgg>)).toBe(1)
    const merged = emptyAgg()
    mergeAgg(merged, old as ReturnType<typeof emptyAgg>)
    mergeAgg(old as ReturnType<typeof emptyAgg>, { ...emptyAgg(), fallbackErrors: 1 })
    expect([merged.fallbackErrors, (old as ReturnType<typeof emptyAgg>).fallbackErrors]).toEqual([0, 1])
  })

  it('keys rows by minute, epoch, version, arm and segment', () => {
    const rows = aggregate([
      req(),
      req({ at: at + 60_000 }),
      req({ epoch: 4 }),
      req({ segment: 'cohort' }),
      req({ arm: 'challenger', version: 'v2' }),
    ])
    expect(rows.size).toBe(5)
  })

  it('counts shadow pairs, divergence, errors and skips', () => {
    const sh = (verdict: 'agree' | 'diverge' | 'error' | 'skipped', latencyMs: number | null = 5): Measurement => ({
      type: 'shadow',
      requestId: 'r',
      at,
      epoch: 3,
      version: 'v2',
      verdict,
      latencyMs,
    })
    const a = [
      ...aggregate([sh('agree'), sh('diverge'), sh('error'), sh('error', null), sh('skipped', null)]).values(),
    ][0]!
    expect(a.key.arm).toBe('shadow')
    expect(a.agg).toMatchObject({
      shadowAttempts: 4,
      shadowPairs: 2,
      shadowDiverged: 1,
      shadowErrors: 2,
      shadowSkipped: 1,
    })
    expect(a.agg.latency.count).toBe(3)
  })

  it('merges exactly: split into shards and minutes, then merged, equals the whole', () => {
    const all = Array.from({ length: 500 }, (_, i) =>
      req({ latencyMs: 1 + ((i * 37) % 200), status: i % 50 === 0 ? 500 : 200 }),
    )
    const whole = [...aggregate(all).values()][0]!.agg
    const merged = emptyAgg()
    for (let s = 0; s < 4; s++)
      for (const r of aggregate(all.filter((_, i) => i % 4 === s)).values()) mergeAgg(merged, r.agg)
    expect(merged.latency).toEqual(whole.latency)
    expect({ ...merged, latencyMoments: null }).toEqual({ ...whole, latencyMoments: null })
    expect(merged.latencyMoments.mean).toBeCloseTo(whole.latencyMoments.mean, 10)
    expect(quantile(merged.latency, 0.99)).toBe(quantile(whole.latency, 0.99))
  })
})

describe('rows carry exact Prometheus latency buckets', () => {
  it('counts answered requests only, in classic le buckets, per row', () => {
    const rows = [
      ...aggregate([
        req({ latencyMs: 3 }),
        req({ latencyMs: 40 }),
        req({ latencyMs: 9000 }),
        req({ status: 504, outcome: 'timeout', latencyMs: 30_000 }),
      ]).values(),
    ]
    expect(rows).toHaveLength(1)
    const { prom, agg } = rows[0]!
    expect(agg.requests).toBe(4)
    expect(prom.latencyCount).toBe(3)
    expect(prom.latencySumMs).toBe(9043)
    // le = 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000
    expect(prom.latencyLe).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3])
  })

  it('adding measurements one at a time equals aggregating the list', () => {
    const ms: Measurement[] = [
      req(),
      req({ version: 'v2', arm: 'challenger', latencyMs: 80 }),
      req({ fallback: { version: 'v2', arm: 'challenger' } }),
    ]
    const rows = new Map()
    for (const m of ms) addMeasurement(rows, m)
    expect(rows).toEqual(aggregate(ms))
  })
})

describe('streams measured to the end', () => {
  it('counts a body that broke off or stalled as an error of its version, not as its status class', () => {
    const rows = aggregate([
      req({ durationMs: 40 }),
      req({ outcome: 'stream_error', durationMs: 900 }),
      req({ outcome: 'stream_stalled', durationMs: 30_012 }),
    ])
    const a = [...rows.values()][0]!.agg
    expect(a).toMatchObject({ requests: 3, s2xx: 1, s5xx: 0, streamErrors: 1, streamStalls: 1 })
    expect([errorsOf(a), exposuresOf(a)]).toEqual([2, 3])
    // The head arrived for all three: each has a time to first byte and a duration.
    expect(a.latency.count).toBe(3)
    expect(a.duration!.count).toBe(3)
    expect(quantile(a.duration!, 1)).toBeCloseTo(30_012, -2)
  })

  it('keeps time to first byte and total duration in separate histograms, with exact Prometheus buckets', () => {
    const rows = [
      ...aggregate([
        req({ latencyMs: 12, durationMs: 12 }),
        req({ latencyMs: 15, durationMs: 4_000 }),
        req({ latencyMs: 20, durationMs: 65_000 }),
        req({ status: 504, outcome: 'timeout', latencyMs: 30_000, durationMs: null }),
      ]).values(),
    ]
    const { agg, prom, promDuration } = rows[0]!
    expect(agg.latency.count).toBe(3)
    expect(quantile(agg.latency, 1)).toBeCloseTo(20, 0)
    expect(agg.duration!.count).toBe(3)
    expect(quantile(durationOf(agg), 1)).toBeCloseTo(65_000, -3)
    expect(prom.latencyCount).toBe(3)
    // le (ms) = 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000
    expect(promDuration).toEqual({ le: [0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3], count: 3, sumMs: 69_012 })
  })

  it('picks the latency a gate reads', () => {
    const a = [...aggregate([req({ latencyMs: 10, durationMs: 800 })]).values()][0]!.agg
    expect(quantile(latencyFor(a, 'ttfb'), 0.5)).toBeCloseTo(10, 0)
    expect(quantile(latencyFor(a, 'duration'), 0.5)).toBeCloseTo(800, -1)
  })

  it('reads a stored row from before durations and stream outcomes as having none, and merges into it', () => {
    const storedBefore = (): Agg => {
      const {
        duration: _d,
        streamErrors: _e,
        streamStalls: _s,
        ...old
      } = {
        ...emptyAgg(),
        requests: 2,
        s2xx: 1,
        s5xx: 1,
      }
      return old as Agg
    }
    const stored = storedBefore()
    expect(errorsOf(stored)).toBe(1)
    expect(durationOf(stored).count).toBe(0)
    const fresh = [...aggregate([req({ outcome: 'stream_stalled', durationMs: 500 })]).values()][0]!.agg
    mergeAgg(stored, fresh)
    expect([stored.requests, stored.streamStalls, stored.streamErrors, errorsOf(stored)]).toEqual([3, 1, 0, 2])
    expect(durationOf(stored).count).toBe(1)
    const merged = emptyAgg()
    mergeAgg(merged, storedBefore())
    expect([merged.duration!.count, errorsOf(merged)]).toEqual([0, 1])
  })

  it('records a shadow copy read to its end in the shadow row', () => {
    const [row] = [
      ...aggregate([
        { type: 'shadow', requestId: 'r', at, epoch: 3, version: 'v2', verdict: 'agree', latencyMs: 5, durationMs: 50 },
      ]).values(),
    ]
    expect([row!.agg.latency.count, row!.agg.duration!.count, row!.promDuration!.count]).toEqual([1, 1, 1])
  })
})
