import { describe, expect, it } from 'vitest'
import { addRequest, emptyAgg, type Agg } from '../../../../src/core/metrics/aggregate'
import {
  CONFIRM,
  confirmationReason,
  confirmationState,
  errorRateRecovered,
  isFinal,
  judgeRollback,
  latencyRecovered,
  readyToJudge,
  worthRecording,
} from '../../../../src/core/rollout/confirmation'

/** `n` answers of `ms` each, the first `errors` of them 500s. */
function answers(n: number, ms = 10, errors = 0): Agg {
  const agg = emptyAgg()
  for (let i = 0; i < n; i++) {
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
      latencyMs: ms,
      fallback: null,
    })
  }
  return agg
}

const GIVE_UP = CONFIRM.giveUpMs

describe('the recovery thresholds hold at equality', () => {
  it('error rate: baseline × factor + slack is recovered, a hair above is not', () => {
    const limit = 0.02 * CONFIRM.errorRateFactor + CONFIRM.errorRateSlack
    expect(errorRateRecovered(limit, 0.02)).toBe(true)
    expect(errorRateRecovered(limit + 1e-9, 0.02)).toBe(false)
  })

  it('latency: baseline × factor + slack is recovered, a hair above is not', () => {
    const limit = 200 * CONFIRM.latencyFactor + CONFIRM.latencySlackMs
    expect(latencyRecovered(limit, 200)).toBe(true)
    expect(latencyRecovered(limit + 1e-9, 200)).toBe(false)
  })
})

describe('the give-up time is a deadline: exactly at it the rollback may still be confirmed', () => {
  it('readyToJudge, isFinal and worthRecording', () => {
    expect(readyToJudge(CONFIRM.minRequests - 1, GIVE_UP)).toBe(false)
    expect(readyToJudge(CONFIRM.minRequests - 1, GIVE_UP + 1)).toBe(true)
    expect(readyToJudge(CONFIRM.minRequests, 0)).toBe(true)
    expect(isFinal({ ok: false, timeToConfirmMs: GIVE_UP })).toBe(false)
    expect(isFinal({ ok: false, timeToConfirmMs: GIVE_UP + 1 })).toBe(true)
    const notYet = { ok: false, timeToConfirmMs: 60_000 }
    expect(worthRecording(notYet, false, GIVE_UP)).toBe(false)
    expect(worthRecording(notYet, false, GIVE_UP + 1)).toBe(true)
  })

  it('judgeRollback gives up only after it', () => {
    const few = answers(5)
    expect(
      judgeRollback({ stable: few, baseline: null, challengerRequests: 0, elapsedMs: GIVE_UP }).details.reason,
    ).toBe(`5 answers on the stable version, ${CONFIRM.minRequests} needed`)
    const late = judgeRollback({ stable: few, baseline: null, challengerRequests: 0, elapsedMs: GIVE_UP + 1 })
    expect(late.ok).toBe(false)
    expect(late.details.reason).toMatch(/^not confirmed within 30 ?min$/)
  })
})

describe('judgeRollback', () => {
  it('needs the minimum number of answers, inclusive', () => {
    const base = answers(200)
    const at = (n: number) =>
      judgeRollback({ stable: answers(n), baseline: base, challengerRequests: 0, elapsedMs: 60_000 })
    expect(at(CONFIRM.minRequests).ok).toBe(true)
    expect(at(CONFIRM.minRequests - 1).ok).toBe(false)
  })

  it('is not confirmed while the challenger still answers', () => {
    const v = judgeRollback({ stable: answers(50), baseline: answers(50), challengerRequests: 3, elapsedMs: 60_000 })
    expect(v.ok).toBe(false)
    expect(v.details.reason).toBe('the challenger still answered 3 requests under the rollback epoch')
  })

  it('compares with a zero baseline error rate when the baseline served nothing', () => {
    const v = judgeRollback({
      stable: answers(100, 10, 2),
      baseline: emptyAgg(),
      challengerRequests: 0,
      elapsedMs: 60_000,
    })
    expect(v.details.baseline_error_rate).toBe(0)
    expect(v.details.error_rate).toBeCloseTo(0.02, 12)
    expect(v.ok).toBe(false)
    expect(v.details.reason).toContain('still above baseline')
    expect(v.details.baseline_latency_ms).toBeNull()
  })

  it('judges latency only when both sides have latencies, and names the quantile it compared', () => {
    const slow = judgeRollback({
      stable: answers(150, 400),
      baseline: answers(150, 100),
      challengerRequests: 0,
      elapsedMs: 60_000,
    })
    expect(slow.ok).toBe(false)
    expect(slow.details.latency_quantile).toBe(0.95)
    expect(slow.details.reason).toMatch(/^p95 .* ms still above baseline .* ms$/)
  })
})

describe('confirmation state and reason, for the CLI and the dashboard', () => {
  it('words each state', () => {
    expect(confirmationState(null)).toBe('pending')
    expect(confirmationState({ ok: true, timeToConfirmMs: GIVE_UP + 5 })).toBe('confirmed')
    expect(confirmationState({ ok: false, timeToConfirmMs: 60_000 })).toBe('checking_again')
    expect(confirmationState({ ok: false, timeToConfirmMs: GIVE_UP + 1 })).toBe('not_confirmed')
  })

  it('reads the stored reason only when it is text', () => {
    expect(confirmationReason({ reason: 'why' })).toBe('why')
    expect(confirmationReason({ reason: 3 })).toBeNull()
    expect(confirmationReason(null)).toBeNull()
  })
})
