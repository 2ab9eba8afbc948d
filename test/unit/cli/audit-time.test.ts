import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkedTime } from '../../../src/cli/commands/audit'

describe('audit --from/--to', () => {
  // A machine far from UTC: Node applies a changed TZ at once.
  const saved = process.env.TZ
  beforeAll(() => {
    process.env.TZ = 'America/New_York'
  })
  afterAll(() => {
    if (saved === undefined) delete process.env.TZ
    else process.env.TZ = saved
  })

  it.each([
    ['2026-11-26T10:00:00', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26 10:00', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26', '2026-11-26T00:00:00.000Z'],
    ['2026-11-26T10:00:00+02:00', '2026-11-26T08:00:00.000Z'],
    ['2026-11-26T10:00:00Z', '2026-11-26T10:00:00.000Z'],
  ])("reads %s as %s, whatever the machine's time zone", (text, iso) => {
    expect(checkedTime(text, 'from')).toBe(iso)
  })

  it('refuses text that is not a time', () => {
    expect(() => checkedTime('yesterday', 'from')).toThrow(/--from: "yesterday" is not a time/)
  })
})
