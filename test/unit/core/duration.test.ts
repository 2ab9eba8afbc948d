import { describe, expect, it } from 'vitest'
import { formatDuration } from '../../../src/core/duration'
import { duration } from '../../../src/core/gates/format'
import { formatDuration as cliDuration } from '../../../src/cli/duration'
import { formatDuration as rolloutDuration } from '../../../src/core/rollout/describe'

const S = 1_000
const MIN = 60 * S
const H = 60 * MIN
const D = 24 * H

describe('formatDuration: one wording for people', () => {
  it.each([
    [0, '0 s'],
    [250, '250 ms'],
    [0.716 * MIN, '43 s'],
    [59.6 * S, '1 min'],
    [90 * S, '1 min 30 s'],
    [12 * MIN, '12 min'],
    [12 * MIN + 200, '12 min'],
    [65 * MIN, '1 h 5 min'],
    [48 * H, '48 h'],
    [72 * H, '72 h'],
    [3 * D + 4 * H + 20 * MIN, '3 d 4 h'],
    [7 * D, '7 d'],
  ])('%d ms reads "%s"', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })

  it('never prints decimal minutes', () => {
    for (let ms = 0; ms < 3 * H; ms += 7_919) expect(formatDuration(ms)).not.toMatch(/\d\.\d/)
  })

  it('answers "—" instead of a number for what is not a duration', () => {
    expect(formatDuration(-1)).toBe('—')
    expect(formatDuration(Number.NaN)).toBe('—')
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('—')
  })

  it('is the formatter the gates, the rollout reasons and the CLI use', () => {
    for (const ms of [0.716 * MIN, 65 * MIN, 4 * D]) {
      expect(duration(ms)).toBe(formatDuration(ms))
      expect(cliDuration(ms)).toBe(formatDuration(ms))
      expect(rolloutDuration(ms)).toBe(formatDuration(ms))
    }
  })
})
