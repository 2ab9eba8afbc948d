import { describe, expect, it } from 'vitest'
import type { MetricsSeries, RolloutView } from '../../../src/cli/api-types'
import {
  confirmationDetail,
  confirmationLine,
  fromRollout,
  healthBack,
  NO_HEALTH,
  stableTotals,
  trafficSince,
} from '../../../src/cli/confirm'
import { totals } from '../../../src/cli/metrics'

const MIN = 60_000
const t0 = Date.parse('2026-11-26T10:00:00Z')
const rollbackAt = t0 + 30_000 // mid-minute 10:00

function series(version: string, arm: string, perMinute: Record<number, number>): MetricsSeries {
  return {
    version,
    arm,
    points: Object.entries(perMinute).map(([m, requests]) => ({
      t: new Date(t0 + Number(m) * MIN).toISOString(),
      requests,
      exposures: requests,
      errors: 0,
      error_rate: requests ? 0 : null,
      p50_ms: requests ? 2 : null,
      p95_ms: null,
      p99_ms: requests ? 4 : null,
      shadow_pairs: 0,
      duration_p50_ms: null,
      duration_p95_ms: null,
      duration_p99_ms: null,
      shadow_skipped: 0,
      divergence_rate: null,
      business: {},
    })),
  }
}

describe('traffic since a rollback (metrics API, per minute)', () => {
  it('never counts the rollback minute itself: it mixes both routings', () => {
    const w = trafficSince([series('v1', 'champion', { 0: 500 })], 'v1', rollbackAt)
    expect(w).toMatchObject({ cleanFrom: t0 + MIN, stableRequests: 0, ready: false, others: [] })
  })

  it('counts the stable version from the first minute after the last one another version served', () => {
    const w = trafficSince(
      [series('v1', 'champion', { 0: 90, 1: 40, 2: 30, 3: 25 }), series('v2', 'challenger', { 0: 10, 1: 2 })],
      'v1',
      rollbackAt,
    )
    expect(w.cleanFrom).toBe(t0 + 2 * MIN)
    expect(w.stableRequests).toBe(55)
    expect(w.ready).toBe(true)
    expect(w.others).toEqual([{ version: 'v2', requests: 12, lastMinute: new Date(t0 + MIN).toISOString() }])
  })

  it("waits for the controller's minimum of 20 requests, and ignores shadow copies", () => {
    const w = trafficSince([series('v1', 'champion', { 1: 19 }), series('v2', 'shadow', { 1: 19 })], 'v1', rollbackAt)
    expect(w).toMatchObject({ stableRequests: 19, ready: false, others: [] })
    expect(
      trafficSince([series('v1', 'champion', { 1: 12 }), series('v1', 'cohort', { 1: 8 })], 'v1', rollbackAt),
    ).toMatchObject({ stableRequests: 20, ready: true })
  })
})

describe('a version that still gets traffic but answers none (every call failed over)', () => {
  const failing = (minute: number, routed: number): MetricsSeries => ({
    version: 'v2',
    arm: 'challenger',
    points: [
      {
        t: new Date(t0 + minute * MIN).toISOString(),
        requests: 0,
        exposures: routed,
        errors: routed,
        error_rate: 1,
        p50_ms: null,
        p95_ms: null,
        p99_ms: null,
        shadow_pairs: 0,
        duration_p50_ms: null,
        duration_p95_ms: null,
        duration_p99_ms: null,
        shadow_skipped: 0,
        divergence_rate: null,
        business: {},
      },
    ],
  })

  it('counts as another version serving after the rollback', () => {
    const w = trafficSince([series('v1', 'champion', { 1: 40, 2: 40 }), failing(1, 7)], 'v1', rollbackAt)
    expect(w.others).toEqual([{ version: 'v2', requests: 7, lastMinute: new Date(t0 + MIN).toISOString() }])
    expect(w.cleanFrom).toBe(t0 + 2 * MIN)
  })

  it("shows in the totals with the server's error rate (errors over routed requests)", () => {
    expect(totals(failing(1, 40))).toMatchObject({ requests: 0, exposures: 40, errors: 40, errorRate: 1 })
    const half: MetricsSeries = {
      version: 'v2',
      arm: 'challenger',
      points: [{ ...failing(1, 80).points[0]!, requests: 40, errors: 40, error_rate: 0.5 }],
    }
    expect(totals(half).errorRate).toBe(0.5)
  })
})

describe('health back to baseline', () => {
  const sample = (
    errorRate: number | null,
    latency: { p50?: number; p95?: number; p99?: number },
    latencyCount: number,
  ) => ({
    errorRate,
    p50Ms: latency.p50 ?? null,
    p95Ms: latency.p95 ?? null,
    p99Ms: latency.p99 ?? null,
    latencyCount,
  })

  it("uses the controller's slack: 1.5x + 1 point of errors, 1.25x + 5 ms of latency", () => {
    expect(healthBack(sample(0.02, { p99: 30 }, 5_000), sample(0.01, { p99: 20 }, 5_000)).ok).toBe(true)
    expect(healthBack(sample(0.03, { p99: 10 }, 5_000), sample(0.01, { p99: 20 }, 5_000))).toMatchObject({
      ok: false,
      reason: 'error rate 3.0% still above baseline 1.0%',
    })
    expect(healthBack(sample(0, { p99: 31 }, 5_000), sample(0, { p99: 20 }, 5_000))).toMatchObject({
      ok: false,
      reason: 'p99 31 ms still above baseline 20 ms',
    })
    expect(healthBack(sample(0.005, { p99: 900 }, 5_000), NO_HEALTH).ok).toBe(true)
  })

  it('compares the highest quantile both windows support, as the controller does', () => {
    // 300 answers after the rollback: their p99 is the third slowest, a blip; their p95 is back.
    const after = sample(0, { p50: 10, p95: 20, p99: 64 }, 300)
    const before = sample(0, { p50: 9, p95: 18, p99: 22 }, 5_000)
    expect(healthBack(after, before).ok).toBe(true)
    expect(healthBack(sample(0, { p50: 10, p95: 40, p99: 64 }, 300), before)).toMatchObject({
      ok: false,
      reason: 'p95 40 ms still above baseline 18 ms',
    })
    // Below 100 answers only the median is compared; from 1,000 on, the p99.
    expect(healthBack(sample(0, { p50: 10, p95: 90, p99: 90 }, 40), before).ok).toBe(true)
    expect(healthBack(sample(0, { p50: 30, p95: 90, p99: 90 }, 40), before)).toMatchObject({
      ok: false,
      reason: 'p50 30 ms still above baseline 9 ms',
    })
    expect(healthBack(sample(0, { p50: 10, p95: 20, p99: 64 }, 1_000), before)).toMatchObject({
      ok: false,
      reason: 'p99 64 ms still above baseline 22 ms',
    })
    // The baseline's count limits the quantile too.
    expect(healthBack(sample(0, { p50: 10, p95: 20, p99: 64 }, 5_000), { ...before, latencyCount: 150 }).ok).toBe(true)
  })

  it("takes the worst arm's quantile and the smallest arm's count", () => {
    const point = (requests: number, p50: number, p95: number, p99: number) => ({
      t: new Date(t0 + MIN).toISOString(),
      requests,
      exposures: requests,
      errors: 1,
      error_rate: 1 / requests,
      p50_ms: p50,
      p95_ms: p95,
      p99_ms: p99,
      shadow_pairs: 0,
      duration_p50_ms: null,
      duration_p95_ms: null,
      duration_p99_ms: null,
      shadow_skipped: 0,
      divergence_rate: null,
      business: {},
    })
    const t = stableTotals(
      [
        { version: 'v1', arm: 'champion', points: [point(2_000, 5, 9, 12)] },
        { version: 'v1', arm: 'cohort', points: [point(150, 6, 8, 40)] },
        { version: 'v2', arm: 'challenger', points: [point(900, 50, 90, 99)] },
        { version: 'v1', arm: 'shadow', points: [point(10, 70, 80, 99)] },
      ],
      'v1',
    )
    expect(t).toMatchObject({ requests: 2_150, errors: 2, p50Ms: 6, p95Ms: 9, p99Ms: 40, latencyCount: 150 })
    expect(stableTotals([{ version: 'v2', arm: 'champion', points: [] }], 'v1')).toBeNull()
  })
})

describe("the controller's record", () => {
  const view = (confirmation: unknown): RolloutView =>
    ({
      id: 'ro_x',
      model: 'credit',
      champion: 'v1',
      challenger: 'v2',
      strategies: ['canary'],
      phase: 'rolled_back',
      phase_description: '',
      terminal: true,
      step: null,
      plan: [],
      pending_approval: null,
      allowed_actions: [],
      verdicts: [],
      events: [],
      incident_id: 'inc_x',
      rollback: {
        at: '2026-11-26T10:00:00.000Z',
        actor: 'operator',
        trigger: 'operator_rollback',
        target: 'champion',
        version: 'v1',
        from_step: 0,
        reason: 'r',
        confirmation,
      } as RolloutView['rollback'],
    }) as unknown as RolloutView

  it('is null until the controller decided, then carries its numbers', () => {
    expect(fromRollout(view(null), { epoch: 12, weight: 100 })).toBeNull()
    const c = fromRollout(
      view({
        at: '2026-11-26T10:01:12.000Z',
        ok: true,
        state: 'confirmed',
        time_to_confirm_ms: 72_000,
        details: {
          epoch: 12,
          stable_version: 'v1',
          requests_since_rollback: 88,
          challenger_requests_since_rollback: 0,
          error_rate: 0,
          baseline_error_rate: 0,
          p99_ms: 4.2,
          baseline_p99_ms: 10,
          time_to_confirm_ms: 72_000,
        },
      }),
      { epoch: 11, weight: 100 },
    )
    expect(c).toMatchObject({
      ok: true,
      source: 'controller',
      version: 'v1',
      epoch: 12,
      requests: 88,
      otherRequests: 0,
    })
    expect(confirmationLine(c!)).toBe(
      'confirmed: v1 carries 100% since epoch 12; error rate 0.0%, p99 4 ms; 1 min 12 s to confirm',
    )
    expect(confirmationDetail(c!)).toBe(
      '  baseline: error rate 0.0%, p99 10 ms; 88 requests on v1, 0 on the challenger (recorded by the gateway controller)',
    )
  })

  it("reports an unconfirmed rollback with the controller's reason", () => {
    const c = fromRollout(
      view({
        at: '2026-11-26T10:30:00.001Z',
        ok: false,
        state: 'not_confirmed',
        time_to_confirm_ms: 1_800_001,
        details: { epoch: 12, stable_version: 'v1', reason: 'not confirmed within 30 min' },
      }),
      { epoch: 12, weight: 100 },
    )
    expect(confirmationLine(c!)).toBe(
      'NOT confirmed: v1 carries 100% since epoch 12; error rate —, p99 —; 30 min to decide (not confirmed within 30 min)',
    )
  })
})
