import { describe, expect, it } from 'vitest'
import type { MetricsSeries, RolloutView } from '../../../src/cli/api-types'
import { confirmationDetail, confirmationLine, fromRollout, healthBack, trafficSince } from '../../../src/cli/confirm'

const MIN = 60_000
const t0 = Date.parse('2026-11-26T10:00:00Z')
const rollbackAt = t0 + 30_000 // mid-minute 10:00

function series(version: string, arm: string, perMinute: Record<number, number>): MetricsSeries {
  return {
    version,
    arm,
    points: Object.entries(perMinute).map(([m, requests]) => ({
      t: new Date(t0 + Number(m) * MIN).toISOString(), requests, errors: 0, error_rate: requests ? 0 : null,
      p50_ms: requests ? 2 : null, p95_ms: null, p99_ms: requests ? 4 : null, shadow_pairs: 0, divergence_rate: null, business: {},
    })),
  }
}

describe('traffic since a rollback (metrics API, per minute)', () => {
  it('never counts the rollback minute itself: it mixes both routings', () => {
    const w = trafficSince([series('v1', 'champion', { 0: 500 })], 'v1', rollbackAt)
    expect(w).toMatchObject({ cleanFrom: t0 + MIN, stableRequests: 0, ready: false, others: [] })
  })

  it('counts the stable version from the first minute after the last one another version served', () => {
    const w = trafficSince([series('v1', 'champion', { 0: 90, 1: 40, 2: 30, 3: 25 }), series('v2', 'challenger', { 0: 10, 1: 2 })], 'v1', rollbackAt)
    expect(w.cleanFrom).toBe(t0 + 2 * MIN)
    expect(w.stableRequests).toBe(55)
    expect(w.ready).toBe(true)
    expect(w.others).toEqual([{ version: 'v2', requests: 12, lastMinute: new Date(t0 + MIN).toISOString() }])
  })

  it('waits for the controller\'s minimum of 20 requests, and ignores shadow copies', () => {
    const w = trafficSince([series('v1', 'champion', { 1: 19 }), series('v2', 'shadow', { 1: 19 })], 'v1', rollbackAt)
    expect(w).toMatchObject({ stableRequests: 19, ready: false, others: [] })
    expect(trafficSince([series('v1', 'champion', { 1: 12 }), series('v1', 'cohort', { 1: 8 })], 'v1', rollbackAt)).toMatchObject({ stableRequests: 20, ready: true })
  })
})

describe('health back to baseline', () => {
  it('uses the controller\'s slack: 1.5x + 1 point of errors, 1.25x + 5 ms of p99', () => {
    expect(healthBack({ errorRate: 0.02, p99Ms: 30 }, { errorRate: 0.01, p99Ms: 20 }).ok).toBe(true)
    expect(healthBack({ errorRate: 0.03, p99Ms: 10 }, { errorRate: 0.01, p99Ms: 20 })).toMatchObject({ ok: false, reason: 'error rate 3.0% still above baseline 1.0%' })
    expect(healthBack({ errorRate: 0, p99Ms: 31 }, { errorRate: 0, p99Ms: 20 })).toMatchObject({ ok: false, reason: 'p99 31 ms still above baseline 20 ms' })
    expect(healthBack({ errorRate: 0.005, p99Ms: 900 }, { errorRate: null, p99Ms: null }).ok).toBe(true)
  })
})

describe('the controller\'s record', () => {
  const view = (confirmation: unknown): RolloutView => ({
    id: 'ro_x', model: 'credit', champion: 'v1', challenger: 'v2', strategies: ['canary'], phase: 'rolled_back', phase_description: '', terminal: true,
    step: null, plan: [], pending_approval: null, allowed_actions: [], verdicts: [], events: [], incident_id: 'inc_x',
    rollback: { at: 1, actor: 'operator', trigger: 'operator_rollback', target: 'champion', version: 'v1', fromStep: 0, reason: 'r', confirmation } as RolloutView['rollback'],
  })

  it('is null until the controller decided, then carries its numbers', () => {
    expect(fromRollout(view(null), { epoch: 12, weight: 100 })).toBeNull()
    const c = fromRollout(view({ at: 2, ok: true, timeToConfirmMs: 72_000, details: { epoch: 12, stable_version: 'v1', requests_since_rollback: 88, challenger_requests_since_rollback: 0, error_rate: 0, baseline_error_rate: 0, p99_ms: 4.2, baseline_p99_ms: 10, time_to_confirm_ms: 72_000 } }), { epoch: 11, weight: 100 })
    expect(c).toMatchObject({ ok: true, source: 'controller', version: 'v1', epoch: 12, requests: 88, otherRequests: 0 })
    expect(confirmationLine(c!)).toBe('confirmed: v1 carries 100% since epoch 12; error rate 0.0%, p99 4 ms; 1 m 12 s to confirm')
    expect(confirmationDetail(c!)).toBe('  baseline: error rate 0.0%, p99 10 ms; 88 requests on v1, 0 on the challenger (recorded by the gateway controller)')
  })

  it('reports an unconfirmed rollback with the controller\'s reason', () => {
    const c = fromRollout(view({ at: 2, ok: false, timeToConfirmMs: 1_800_001, details: { epoch: 12, stable_version: 'v1', reason: 'not confirmed within 30 min' } }), { epoch: 12, weight: 100 })
    expect(confirmationLine(c!)).toBe('NOT confirmed: v1 carries 100% since epoch 12; error rate —, p99 —; 30 m to decide (not confirmed within 30 min)')
  })
})
