import { describe, expect, it } from 'vitest'
import { emptyTotals, renderPrometheus, type Totals } from '../../../src/core/metrics/prometheus'
import { countsOf, summaryLine } from '../../../scripts/lib/traffic-summary'

const AT = new Date('2026-12-06T12:03:05.000Z')

function totals(requests: number, errors5xx: number): Totals {
  const t = emptyTotals()
  t.requests = requests
  t.byClass = { '2xx': requests - errors5xx, '5xx': errors5xx }
  return t
}

/** The gateway's own exposition of these totals (core/metrics/prometheus), as GET /admin/metrics serves it. */
function exposition(rows: Array<[model: string, version: string, arm: string, requests: number, errors: number]>) {
  return renderPrometheus(rows.map(([model, version, arm, r, e]) => ({ model, version, arm, totals: totals(r, e) })))
}

describe("npm start's traffic summary", () => {
  it('reads requests and errors per model and version from the exposition, arms summed, shadow copies left out', () => {
    const text = exposition([
      ['credit-risk', 'v1', 'champion', 300, 1],
      ['credit-risk', 'v1', 'control', 20, 0],
      ['credit-risk', 'v2', 'canary', 40, 2],
      ['credit-risk', 'v2', 'shadow', 500, 9],
    ])
    expect(countsOf(text)).toEqual({
      'credit-risk v1': { requests: 320, errors: 1 },
      'credit-risk v2': { requests: 40, errors: 2 },
    })
  })

  it('prints what changed since the last reading: totals, then each version with its errors', () => {
    const before = countsOf(
      exposition([
        ['credit-risk', 'v1', 'champion', 100, 0],
        ['credit-risk', 'v2', 'canary', 10, 0],
      ]),
    )
    const now = countsOf(
      exposition([
        ['credit-risk', 'v1', 'champion', 1_471, 0],
        ['credit-risk', 'v2', 'canary', 51, 3],
        ['fraud', 'a', 'champion', 1, 0],
      ]),
    )
    expect(summaryLine(before, now, 5, AT)).toBe(
      '12:03:05  last 5 s: 1,413 requests, 3 errors · credit-risk v1 1,371 · credit-risk v2 41 (3 errors) · fraud a 1',
    )
  })

  it('prints nothing when nothing was answered, and counts a counter that went down as reset', () => {
    const same = countsOf(exposition([['m', 'v1', 'champion', 7, 1]]))
    expect(summaryLine(same, same, 5, AT)).toBeNull()
    expect(summaryLine(same, { 'm v1': { requests: 2, errors: 0 } }, 5, AT)).toBe(
      '12:03:05  last 5 s: 2 requests, 0 errors · m v1 2',
    )
    expect(summaryLine({}, { 'm v1': { requests: 1, errors: 1 } }, 4.6, AT)).toBe(
      '12:03:05  last 5 s: 1 request, 1 error · m v1 1 (1 error)',
    )
  })
})
