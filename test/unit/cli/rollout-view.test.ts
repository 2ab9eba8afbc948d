import { describe, expect, it } from 'vitest'
import { confirmationText, etaText, plannedText, rolloutLines } from '../../../src/cli/rollout-view'
import { time } from '../../../src/cli/format'

const T = '2026-11-26T10:00:00.000Z'

describe('confirmationText', () => {
  it.each([
    [null, 'confirmation pending'],
    [
      { at: T, ok: true, state: 'confirmed' as const, time_to_confirm_ms: 72_000, details: null },
      'confirmed after 1 min 12 s',
    ],
    [
      {
        at: T,
        ok: false,
        state: 'checking_again' as const,
        time_to_confirm_ms: 60_000,
        details: { reason: 'p95 410 ms still above baseline 300 ms' },
      },
      'not confirmed yet (p95 410 ms still above baseline 300 ms); checked again every tick',
    ],
    [
      {
        at: T,
        ok: false,
        state: 'not_confirmed' as const,
        time_to_confirm_ms: 1_800_001,
        details: { reason: 'not confirmed within 30 min' },
      },
      'NOT confirmed (not confirmed within 30 min)',
    ],
  ])('%#: %s', (c, text) => expect(confirmationText(c)).toBe(text))
})

describe('etaText and plannedText (modelgate status)', () => {
  const now = Date.parse(T)
  const at = (ms: number) => new Date(now + ms).toISOString()
  const verdict = (eta: unknown) =>
    ({ decision: 'CONTINUE', reason: 'CONTINUE: waiting', at: T, eta }) as unknown as Parameters<typeof etaText>[0]

  it('prints when the stage decides, its range and each gate with a time', () => {
    const eta = {
      decide_at: at(2 * 3_600_000),
      range: [at(3_600_000), at(3 * 3_600_000)],
      gates: [
        { metric: 'conversion', expect: 'pass', at: at(2 * 3_600_000), range: null },
        { metric: 'latency', expect: 'unknown', at: null, range: null },
      ],
    }
    expect(etaText(verdict(eta), now)).toBe('~2026-11-26T12:00:00Z (in 2 h; 1 h – 3 h); conversion pass in 2 h')
    expect(etaText(verdict(null), now)).toBe('no decision expected before the stage cap at the current rates')
    expect(etaText(verdict(undefined), now)).toBeUndefined()
  })

  it('lists the plan with its lengths only when durations "auto" planned some', () => {
    const plan = [
      { index: 0, kind: 'canary', label: 'canary 5%', planned_min_ms: 5_400_000, planned_by: 'auto' as const },
      { index: 1, kind: 'canary', label: 'canary 100%', planned_min_ms: null, planned_by: null },
      { index: 2, kind: 'watch', label: 'watch (72 h)', planned_min_ms: 259_200_000, planned_by: 'fixed' as const },
    ]
    type View = Parameters<typeof plannedText>[0]
    expect(plannedText({ plan } as View)).toBe('canary 5% ≥ 1 h 30 min (auto) → canary 100% → watch (72 h) ≥ 72 h')
    expect(plannedText({ plan: [plan[2]] } as View)).toBeUndefined()
    // Re-planned from the shadow step: what the canary stages were planned at before, and when.
    const replanned = { at: T, from: 'shadow', traffic_per_s: 12.5, stages: [{ weight: 5, ms: 7_200_000 }] }
    const config = { durations: { auto: { replanned } } }
    expect(plannedText({ plan, config } as unknown as View)).toBe(
      `canary 5% ≥ 1 h 30 min (auto) → canary 100% → watch (72 h) ≥ 72 h; re-planned from the shadow step at ${time(T)} (was 5% ≥ 2 h at 12.5 req/s)`,
    )
  })
})

describe('rolloutLines', () => {
  it('prints the planned lengths and the ETA of a CONTINUE stage under the step and verdict', () => {
    const now = Date.parse(T)
    const view = {
      phase: 'progressing',
      phase_description: 'live',
      step: { index: 0, kind: 'canary', label: 'canary 5%', started_at: T, epoch: 3 },
      plan: [{ index: 0, kind: 'canary', label: 'canary 5%', planned_min_ms: 3_600_000, planned_by: 'auto' }],
      verdicts: [
        {
          decision: 'CONTINUE',
          reason: 'CONTINUE: waiting',
          at: T,
          eta: { decide_at: new Date(now + 3_600_000).toISOString(), range: null, gates: [] },
        },
      ],
      pending_approval: null,
      evaluation: null,
      rollback: null,
      allowed_actions: [],
    } as unknown as Parameters<typeof rolloutLines>[0]
    const keys = rolloutLines(view, now, '')
      .split('\n')
      .map((l) => l.split(':')[0])
    expect(keys).toEqual(['phase', 'step', 'planned', 'verdict', 'eta', 'approval', 'next'])
    expect(rolloutLines(view, now, '')).toContain('eta:      ~2026-11-26T11:00:00Z (in 1 h)')
  })
})
