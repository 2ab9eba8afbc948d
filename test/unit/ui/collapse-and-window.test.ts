/**
 * Pure pieces of the model page: repeated CONTINUE verdicts folded (timeline and audit), the chart
 * window fitted to the rollout, the bucket still filling, one colour per version, stage marks, and
 * the state and ETA in words.
 */
import { describe, expect, it } from 'vitest'
import { fitWindow, partialFrom } from '../../../src/services/views/chart-window'
import { auditRunKey, collapseRuns, mergeVerdicts, runLine, verdictRunKey } from '../../../src/ui/collapse'
import { MIN_PARTIAL_N, trimPartial } from '../../../src/ui/chart-extras'
import { etaText, outcomeLine } from '../../../src/ui/state-words'
import { rolloutMarks, versionClass } from '../../../src/ui/time-marks'

const MIN = 60_000
const iso = (ms: number) => new Date(ms).toISOString()
const T0 = Date.UTC(2026, 11, 1, 10, 0)

describe('folding repeated CONTINUE verdicts', () => {
  const v = (s: number, decision: string, step = 1, decisive = false) => ({
    at: iso(T0 + s * 1000),
    decision,
    decisive,
    step_index: step,
    reason: `${decision}: waiting for repaid: ${s} of 1,000 matured`,
  })

  it('folds each run of non-decisive CONTINUEs of one step, keeping decisive verdicts and step changes apart', () => {
    const list = [
      ...Array.from({ length: 38 }, (_, i) => v(i, 'CONTINUE', 0)),
      v(38, 'PASS', 0, true),
      ...Array.from({ length: 5 }, (_, i) => v(39 + i, 'CONTINUE', 1)),
      v(44, 'CONTINUE', 1, true),
    ]
    const runs = collapseRuns(list, verdictRunKey)
    expect(runs.map((r) => [r.first.decision, r.count])).toEqual([
      ['CONTINUE', 38],
      ['PASS', 1],
      ['CONTINUE', 5],
      ['CONTINUE', 1],
    ])
    expect(runs[0]?.last.reason).toBe(list[37]?.reason)
    expect(runLine('CONTINUE', 38, runs[0]!.last.reason)).toBe('CONTINUE ×38 — waiting for repaid: 37 of 1,000 matured')
    expect(runLine('CONTINUE', 1, 'CONTINUE: x')).toBe('CONTINUE: x')
  })

  it('folds audit rows of the controller’s CONTINUE verdicts per rollout step only', () => {
    const e = (decision: string, step: number, action = 'rollout.verdict', target = 'ro_1') => ({
      action,
      target,
      reason: '',
      after: { decision, step, decisive: false },
    })
    const rows = [e('CONTINUE', 1), e('CONTINUE', 1), e('CONTINUE', 0), e('PASS', 0), e('CONTINUE', 0, 'x')]
    expect(collapseRuns(rows, auditRunKey).map((r) => r.count)).toEqual([2, 1, 1, 1])
    expect(auditRunKey({ action: 'rollout.verdict', target: 'ro_1', after: null })).toBeNull()
  })

  it('joins the D1 history with the newer verdicts the rollout state holds, once each', () => {
    const history = [v(0, 'CONTINUE'), v(1, 'CONTINUE')]
    const merged = mergeVerdicts(history, [v(1, 'CONTINUE'), v(2, 'PASS', 1, true)])
    expect(merged.map((x) => x.decision)).toEqual(['CONTINUE', 'CONTINUE', 'PASS'])
  })
})

describe('chart window', () => {
  it('starts a fifth of the rollout (at least 2 min) before it and keeps ≤ 120 buckets', () => {
    const short = fitWindow(T0, T0 + 5 * MIN)
    expect([short.fromMinute * MIN, short.toMinute * MIN, short.stepMinutes]).toEqual([T0 - 2 * MIN, T0 + 5 * MIN, 1])
    const long = fitWindow(T0, T0 + 10 * 60 * MIN)
    expect(long.fromMinute * MIN).toBeLessThanOrEqual(T0 - 120 * MIN)
    expect((long.toMinute - long.fromMinute + 1) / long.stepMinutes).toBeLessThanOrEqual(120)
    expect(long.fromMinute % long.stepMinutes).toBe(0)
  })

  it('marks the bucket holding now as partial, and none once now is past the window', () => {
    expect(partialFrom(T0, T0 + 10 * MIN, 5 * MIN, T0 + 7 * MIN)).toBe(T0 + 5 * MIN)
    expect(partialFrom(T0, T0 + 10 * MIN, 5 * MIN, T0 + 10 * MIN)).toBeNull()
  })

  it('does not draw rates of a filling bucket with fewer than MIN_PARTIAL_N answers; counts stay', () => {
    const point = (t: number, requests: number) => ({
      t: iso(t),
      requests,
      error_rate: 1,
      p99_ms: 5,
      divergence_rate: 0.5,
      business: { repaid: { n: requests, mean: 1, ci95: [1, 1] as [number, number] } },
    })
    const [s] = trimPartial(
      [{ points: [point(T0, 3), point(T0 + MIN, 3), point(T0 + 2 * MIN, MIN_PARTIAL_N)] }],
      T0 + MIN,
    )
    expect(s?.points.map((p) => p.error_rate)).toEqual([1, null, 1])
    expect(s?.points[1]?.requests).toBe(3)
    expect(s?.points[1]?.business.repaid?.mean).toBeNull()
  })
})

describe('colours and marks', () => {
  it('gives a version the same colour whatever its arm, by registration order', () => {
    expect(versionClass(['v1', 'v2', 'v3'], 'v2')).toBe('ver-1')
    expect(versionClass(['v1', 'v2'], 'v9')).toBe('ver-2')
  })

  it('marks stage boundaries, the rollback and the promotion', () => {
    const ev = (s: number, type: string, details: Record<string, unknown> | null = null) => ({
      at: iso(T0 + s * 1000),
      type,
      actor: 'controller',
      reason: '',
      details,
    })
    const plan = [{ label: 'shadow' }, { label: 'canary 25%' }]
    const marks = rolloutMarks({
      events: [ev(0, 'started'), ev(1, 'step_live', { step: 1 }), ev(2, 'held'), ev(3, 'rolled_back')],
      plan,
      outcome: 'rolled_back',
    } as never)
    expect(marks.map((m) => [m.kind, m.label])).toEqual([
      ['start', 'start'],
      ['stage', 'canary 25%'],
      ['rollback', 'rollback'],
    ])
    const promoted = rolloutMarks({ events: [ev(5, 'completed')], plan, outcome: 'promoted' } as never)
    expect(promoted[0]?.kind).toBe('promotion')
  })
})

describe('state in words', () => {
  const r = { champion: 'v1', challenger: 'v2', ended_at: iso(T0), updated_at: iso(T0) }
  it('says how a finished rollout ended', () => {
    expect(outcomeLine({ ...r, outcome: 'promoted' })).toBe('Promoted v2 on 2026-12-01 10:00:00 UTC (it replaced v1).')
    expect(outcomeLine({ ...r, outcome: 'rolled_back' })).toContain('Rolled back on 2026-12-01 10:00:00 UTC')
    expect(outcomeLine({ ...r, outcome: null })).toBeNull()
  })

  it('reads the ETA when a verdict carries one, and nothing otherwise', () => {
    const eta = { decide_at: iso(T0 + 42 * MIN), range: [iso(T0 + 38 * MIN), iso(T0 + 51 * MIN)] }
    expect(etaText({ eta })).toBe('ETA ~ 10:42 (10:38–10:51)')
    expect(etaText({ eta: { decide_at: null, range: null } })).toBeNull()
    expect(etaText({})).toBeNull()
    expect(etaText(null)).toBeNull()
  })
})
