import { describe, expect, it } from 'vitest'
import { confirmationText } from '../../../src/cli/rollout-view'

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
