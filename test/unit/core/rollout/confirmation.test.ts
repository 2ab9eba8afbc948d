import { describe, expect, it } from 'vitest'
import { addRequest, emptyAgg, type Agg } from '../../../../src/core/metrics/aggregate'
import {
  CONFIRM,
  confirmationQuantile,
  isFinal,
  judgeRollback,
  readyToJudge,
  rollbackBaseline,
  worthRecording,
} from '../../../../src/core/rollout/confirmation'

/** A version's answers: `latencies` in ms, the first `errors` of them answered 500. */
function answers(latencies: number[], errors = 0): Agg {
  const agg = emptyAgg()
  latencies.forEach((latencyMs, i) =>
    addRequest(agg, {
      type: 'request',
      requestId: `r${i}`,
      at: 0,
      epoch: 1,
      version: 'v1',
      arm: 'champion',
      segment: '',
      status: i < errors ? 500 : 200,
      outcome: 'response',
      latencyMs,
      fallback: null,
    }),
  )
  return agg
}

const steady = (n: number, ms = 10) => Array.from({ length: n }, (_, i) => ms + (i % 5))
const MIN = 60_000

describe('confirmationQuantile', () => {
  it.each([
    [0, 0.5],
    [20, 0.5],
    [99, 0.5],
    [100, 0.95],
    [999, 0.95],
    [1_000, 0.99],
    [50_000, 0.99],
  ])('%i answers → %f', (n, q) => expect(confirmationQuantile(n)).toBe(q))
})

describe('readyToJudge', () => {
  it('waits for the minimum answers unless the rollback is older than the give-up time', () => {
    expect(readyToJudge(CONFIRM.minRequests - 1, MIN)).toBe(false)
    expect(readyToJudge(CONFIRM.minRequests, MIN)).toBe(true)
    expect(readyToJudge(0, CONFIRM.giveUpMs + 1)).toBe(true)
  })
})

describe('judgeRollback', () => {
  it('confirms a clean recovery and reports the numbers behind it', () => {
    const r = judgeRollback({
      stable: answers(steady(100)),
      baseline: answers(steady(600)),
      challengerRequests: 0,
      elapsedMs: MIN,
    })
    expect(r.ok).toBe(true)
    expect(r.details).toMatchObject({
      requests_since_rollback: 100,
      challenger_requests_since_rollback: 0,
      error_rate: 0,
      baseline_error_rate: 0,
      latency_quantile: 0.95,
      time_to_confirm_ms: MIN,
    })
    expect(r.details.reason).toBeUndefined()
    expect(r.details.latency_ms).toBeGreaterThan(10)
    expect(r.details.p99_ms).not.toBeNull()
  })

  it('is not denied by two slow answers among a hundred (the p99 of 100 is their second slowest)', () => {
    const stable = answers([...steady(98), 64, 64])
    const r = judgeRollback({ stable, baseline: answers(steady(600)), challengerRequests: 0, elapsedMs: MIN })
    expect(r.details.p99_ms).toBeGreaterThan(60) // what the former p99 check compared
    expect(r.ok).toBe(true)
  })

  it('is denied when latency really stays high', () => {
    const r = judgeRollback({
      stable: answers(steady(100, 40)),
      baseline: answers(steady(600)),
      challengerRequests: 0,
      elapsedMs: MIN,
    })
    expect(r.ok).toBe(false)
    expect(r.details.reason).toMatch(/^p95 [\d.]+ ms still above baseline [\d.]+ ms$/)
  })

  it('compares p99 once both sides have 1,000 answers', () => {
    const stable = answers([...steady(985), ...Array(15).fill(80)])
    const r = judgeRollback({ stable, baseline: answers(steady(2_000)), challengerRequests: 0, elapsedMs: MIN })
    expect(r.details.latency_quantile).toBe(0.99)
    expect(r.ok).toBe(false)
  })

  it('takes the quantile the smaller side supports', () => {
    const r = judgeRollback({
      stable: answers(steady(5_000)),
      baseline: answers(steady(50)),
      challengerRequests: 0,
      elapsedMs: MIN,
    })
    expect(r.details.latency_quantile).toBe(0.5)
  })

  it.each([
    ['the challenger still answers', { challengerRequests: 3 }, /challenger still answered 3 requests/],
    ['errors stay above baseline', { stable: answers(steady(100), 5) }, /error rate 5% still above baseline 0%/],
    ['it waited too long', { elapsedMs: CONFIRM.giveUpMs + 1 }, /not confirmed within 30 min/],
    [
      'the stable version never served enough',
      { stable: answers(steady(3)), elapsedMs: CONFIRM.giveUpMs + 1 },
      /not confirmed within 30 min/,
    ],
  ])('is denied when %s', (_, over, reason) => {
    const r = judgeRollback({
      stable: answers(steady(100)),
      baseline: answers(steady(600)),
      challengerRequests: 0,
      elapsedMs: MIN,
      ...over,
    })
    expect(r.ok).toBe(false)
    expect(r.details.reason).toMatch(reason)
  })

  it('allows the baseline error rate times 1.5 plus one point', () => {
    const baseline = answers(steady(1_000), 40) // 4% → up to 7%
    expect(judgeRollback({ stable: answers(steady(100), 6), baseline, challengerRequests: 0, elapsedMs: MIN }).ok).toBe(
      true,
    )
    expect(judgeRollback({ stable: answers(steady(100), 8), baseline, challengerRequests: 0, elapsedMs: MIN }).ok).toBe(
      false,
    )
  })

  it('judges errors alone when no failed step left a baseline', () => {
    const r = judgeRollback({
      stable: answers(steady(100, 500)),
      baseline: null,
      challengerRequests: 0,
      elapsedMs: MIN,
    })
    expect(r.ok).toBe(true)
    expect(r.details).toMatchObject({ baseline_latency_ms: null, baseline_p99_ms: null, baseline_error_rate: 0 })
  })
})

describe('checking again after "not confirmed"', () => {
  const GIVE_UP = CONFIRM.giveUpMs
  it.each([
    [{ ok: true, timeToConfirmMs: MIN }, true],
    [{ ok: false, timeToConfirmMs: MIN }, false],
    [{ ok: false, timeToConfirmMs: GIVE_UP }, false],
    [{ ok: false, timeToConfirmMs: GIVE_UP + 1 }, true],
  ])('isFinal(%o) → %s', (c, final) => expect(isFinal(c)).toBe(final))

  it.each([
    ['the first verdict, either way', null, false, MIN, true],
    ['a recovery', { ok: false, timeToConfirmMs: MIN }, true, 2 * MIN, true],
    ['the same "not yet" a minute later', { ok: false, timeToConfirmMs: MIN }, false, 2 * MIN, false],
    ['the final "not confirmed" at the give-up time', { ok: false, timeToConfirmMs: MIN }, false, GIVE_UP + 1, true],
  ])('records %s: %s', (_, previous, ok, elapsed, record) => expect(worthRecording(previous, ok, elapsed)).toBe(record))
})

describe('rollbackBaseline', () => {
  const withRequests = (requests: number) => ({ ...emptyAgg(), requests, s2xx: requests })
  it("uses the restored version's traffic during the failed step when there was some", () => {
    const step = withRequests(50)
    expect(rollbackBaseline(step, withRequests(900))).toBe(step)
  })

  it('falls back to its traffic before the rollout when it served nothing in the failed step (a FAIL in the watch)', () => {
    const pre = withRequests(900)
    expect(rollbackBaseline(withRequests(0), pre)).toBe(pre)
    expect(rollbackBaseline(null, pre)).toBe(pre)
  })

  it('has no baseline when neither has traffic', () => {
    expect(rollbackBaseline(withRequests(0), withRequests(0))).toBeNull()
  })
})
