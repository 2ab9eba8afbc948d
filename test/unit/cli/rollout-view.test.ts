import { describe, expect, it } from 'vitest'
import { confirmationText } from '../../../src/cli/rollout-view'

describe('confirmationText', () => {
  it.each([
    [null, 'confirmation pending'],
    [{ at: 1, ok: true, timeToConfirmMs: 72_000, details: null }, 'confirmed after 1 m 12 s'],
    [
      { at: 1, ok: false, timeToConfirmMs: 60_000, details: { reason: 'p95 410 ms still above baseline 300 ms' } },
      'not confirmed yet (p95 410 ms still above baseline 300 ms); checked again every tick',
    ],
    [
      { at: 1, ok: false, timeToConfirmMs: 1_800_001, details: { reason: 'not confirmed within 30 min' } },
      'NOT confirmed (not confirmed within 30 min)',
    ],
  ])('%#: %s', (c, text) => expect(confirmationText(c)).toBe(text))
})
