import { describe, expect, it } from 'vitest'
import { formatDuration, parseDuration } from '../../../src/cli/duration'
import { UsageError } from '../../../src/cli/exit'
import { keyValues, ms, num, pct, table, textWidth, time, weights } from '../../../src/cli/format'

describe('table', () => {
  it('pads every column but the last, two spaces apart, headers first', () => {
    const out = table(
      ['NAME', 'RISK', 'NOTE'],
      [
        ['credit', 'medium', 'x'],
        ['fraud-detector', 'high', 'a longer note'],
      ],
    )
    expect(out.split('\n')).toEqual([
      'NAME            RISK    NOTE',
      'credit          medium  x',
      'fraud-detector  high    a longer note',
    ])
  })

  it('right-aligns numeric columns and shows absent values as a dash', () => {
    const out = table(
      ['V', { header: 'REQUESTS', align: 'right' }, 'P99'],
      [
        ['v1', 12345, null],
        ['v2', 7, undefined],
      ],
    )
    expect(out.split('\n')).toEqual(['V   REQUESTS  P99', 'v1     12345  —', 'v2         7  —'])
  })

  it('measures width in code points so arrows and dashes line up', () => {
    expect(textWidth('canary 5% → 25%')).toBe(15)
    const out = table(
      ['PLAN', 'X'],
      [
        ['a → b', '1'],
        ['abcde', '2'],
      ],
    )
    // The second column starts at the same terminal column on every line.
    expect(out.split('\n').map((l) => [...l].length - 1)).toEqual([7, 7, 7])
  })

  it('leaves no trailing blanks and indents every line', () => {
    const out = table(['A', 'B'], [['x', '']], '  ')
    expect(out).toBe('  A  B\n  x  —')
    for (const line of table(['A', 'LONG HEADER'], [['abc', 'd']]).split('\n')) expect(line).toBe(line.trimEnd())
  })

  it('aligns key: value lines', () => {
    expect(
      keyValues([
        ['phase', 'paused'],
        ['step', '1 of 4'],
      ]),
    ).toBe('phase: paused\nstep:  1 of 4')
  })
})

describe('value formats', () => {
  it('formats rates, latencies, statistics, times and weights', () => {
    expect(pct(0)).toBe('0.0%')
    expect(pct(0.0123, 2)).toBe('1.23%')
    expect(pct(null)).toBe('—')
    expect(ms(4.4)).toBe('4 ms')
    expect(ms(0.42)).toBe('0.4 ms')
    expect(ms(null)).toBe('—')
    expect(num(0.28255528255528256)).toBe('0.2826')
    expect(num(292)).toBe('292')
    expect(num(1.5e-7)).toBe('1.500e-7')
    expect(num(null)).toBe('—')
    expect(time('2026-11-26T11:19:57.636Z')).toBe('2026-11-26T11:19:57Z')
    expect(time(Date.parse('2026-11-26T11:19:57.636Z'))).toBe('2026-11-26T11:19:57Z')
    expect(weights({ v1: 75, v2: 25, v3: 0 })).toBe('v1 75%, v2 25%')
    expect(weights({})).toBe('—')
  })
})

describe('durations', () => {
  it('parses the units operators type; a bare number is seconds', () => {
    expect(parseDuration('60s')).toBe(60_000)
    expect(parseDuration('5m')).toBe(300_000)
    expect(parseDuration('24h')).toBe(86_400_000)
    expect(parseDuration('2d')).toBe(172_800_000)
    expect(parseDuration('250ms')).toBe(250)
    expect(parseDuration('0.5s')).toBe(500)
    expect(parseDuration('90')).toBe(90_000)
    expect(parseDuration(' 10M ')).toBe(600_000)
  })

  it('refuses anything else as a usage error naming the option', () => {
    expect(() => parseDuration('5x', 'stage-min')).toThrow(UsageError)
    expect(() => parseDuration('5x', 'stage-min')).toThrow(/--stage-min: "5x" is not a duration/)
    expect(() => parseDuration('-5m')).toThrow(UsageError)
    expect(() => parseDuration('0s')).toThrow(/longer than zero/)
    expect(() => parseDuration('')).toThrow(UsageError)
  })

  it('prints at most two units', () => {
    expect(formatDuration(850)).toBe('850 ms')
    expect(formatDuration(45_000)).toBe('45 s')
    expect(formatDuration(72_000)).toBe('1 min 12 s')
    expect(formatDuration(120_000)).toBe('2 min')
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000 + 7_000)).toBe('2 h 5 min')
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3 d 4 h')
    expect(formatDuration(0.716 * 60_000)).toBe('43 s')
    expect(formatDuration(-1)).toBe('—')
  })
})
