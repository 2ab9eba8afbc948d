/**
 * The decision charts' numbers (src/ui/decision-series): the estimate and band derived from a
 * verdict must say what the gate decided. Non-inferiority cases are worked by hand; the event split
 * is checked against the test itself (core/stats eventSplitTest) over a grid of counts.
 */
import { describe, expect, it } from 'vitest'
import { eventSplitTest } from '../../../src/core/stats/event-split'
import type { VerdictView } from '../../../src/schemas/verdict'
import {
  decisionCharts,
  eventSplitPoint,
  firstCrossing,
  niPoint,
  ratePoint,
  type DecisionPoint,
} from '../../../src/ui/decision-series'

type Metric = VerdictView['metrics'][number]

function metric(over: Partial<Metric>): Metric {
  return {
    metric: 'repaid',
    test: 'ni_proportion',
    champion: { n: 1000, estimate: 0.8 },
    challenger: { n: 1000, estimate: 0.76 },
    contrast: null,
    boundary: null,
    p_value: null,
    margin: 0.1,
    alpha: 0.025,
    decision: 'continue',
    reason: '',
    ...over,
  }
}

describe('niPoint (docs/statistics.md §5.1, §5.3)', () => {
  it('higher is better: δ = D̂(m)/ȳ_A − m is ȳ_B/ȳ_A − 1, and the band clears −m exactly when D̂ > B', () => {
    // D̂(0.1) = 0.76 − 0.9·0.8 = 0.04; B = 0.03 → PASS (0.04 > 0.03).
    const p = niPoint(metric({ contrast: 0.04, boundary: 0.03 }))
    expect(p.y).toBeCloseTo(0.76 / 0.8 - 1, 12)
    expect(p.lo).toBeCloseTo(-0.05 - 0.03 / 0.8, 12)
    expect(p.lo!).toBeGreaterThan(-0.1)
    // B = 0.05 > D̂: no PASS, and the band reaches below the margin.
    expect(niPoint(metric({ contrast: 0.04, boundary: 0.05 })).lo!).toBeLessThan(-0.1)
  })

  it('lower is better: δ = (1+m) − ȳ_B/ȳ_A − m = −(ȳ_B/ȳ_A − 1); the FAIL side shows m_f and −B', () => {
    // ȳ_A = 0.01, ȳ_B = 0.013, m_f = 0.2: D̂(m_f) = 1.2·0.01 − 0.013 = −0.001; B_fail = 0.0008 → FAIL.
    const m = metric({
      test: 'tail_exceedance',
      champion: { n: 5000, estimate: 0.01 },
      challenger: { n: 5000, estimate: 0.013 },
      contrast: -0.001,
      boundary: -0.0008,
      margin: 0.2,
    })
    const p = niPoint(m)
    expect(p.y).toBeCloseTo(-(0.013 / 0.01 - 1), 12)
    expect(p.hi).toBeCloseTo(-0.3 + 0.08, 12)
    expect(p.hi!).toBeLessThan(-0.2) // the band lies below the FAIL line −m_f
  })

  it('draws nothing without a positive champion mean or a boundary', () => {
    expect(niPoint(metric({ contrast: 0.01, boundary: 0.01, champion: { n: 10, estimate: 0 } })).y).toBeNull()
    expect(niPoint(metric({ contrast: null, boundary: null })).y).toBeNull()
  })
})

describe('eventSplitPoint (docs/statistics.md §6.4)', () => {
  it('its band clears the margin lines exactly when the event-split test decides', () => {
    let decided = 0
    for (const [nA, nB] of [
      [9000, 1000],
      [5000, 5000],
      [2000, 6000],
    ] as const) {
      for (const eA of [1, 5, 20, 80]) {
        for (const eB of [0, 1, 3, 10, 40, 150]) {
          const lambda = nB / (nA + nB)
          const r = eventSplitTest({
            championEvents: eA,
            challengerEvents: eB,
            challengerShare: lambda,
            margin: 0.25,
            failMargin: 0.25,
            alphaPass: 0.05,
            alphaFail: 0.025,
          })
          const m = metric({
            test: 'event_split',
            metric: 'error_rate',
            champion: { n: nA, estimate: eA / nA },
            challenger: { n: nB, estimate: eB / nB },
            margin: 0.25,
            alpha: 0.025,
            decision: r.decision,
          })
          const p: DecisionPoint = { t: 0, ...eventSplitPoint(m, 0.05), decision: r.decision }
          const crossing = firstCrossing([p], [{ kind: 'pass', y: -0.25 }], 'relative')
          const what = `eA ${eA}, eB ${eB}, λ ${lambda}`
          expect(crossing?.kind ?? 'continue', what).toBe(r.decision)
          if (p.y !== null) expect(p.y, what).toBeCloseTo(1 - eB / nB / (eA / nA), 9)
          if (r.decision !== 'continue') decided++
        }
      }
    }
    expect(decided).toBeGreaterThan(10) // the grid reaches both PASS and FAIL, not only CONTINUE
  })

  it('with no champion event: no estimate, but the band top (the FAIL side) is known', () => {
    const m = metric({
      test: 'event_split',
      champion: { n: 9000, estimate: 0 },
      challenger: { n: 1000, estimate: 0.02 },
      margin: 0.25,
    })
    const p = eventSplitPoint(m, 0.05)
    expect(p.y).toBeNull()
    expect(p.hi!).toBeLessThan(-0.25)
    expect(
      eventSplitPoint(
        metric({ test: 'event_split', champion: { n: 9, estimate: 0 }, challenger: { n: 9, estimate: 0 } }),
        0.05,
      ).hi,
    ).toBeNull()
  })
})

describe('ratePoint (docs/statistics.md §8.1)', () => {
  it('is the rate r̂ = r₀ − contrast with r̂ ± |B|, floored at 0', () => {
    const p = ratePoint(metric({ test: 'divergence_rate', margin: 0.3, contrast: 0.22, boundary: 0.1 }))
    expect(p.y).toBeCloseTo(0.08, 12)
    expect(p.lo).toBe(0)
    expect(p.hi).toBeCloseTo(0.18, 12)
  })
})

describe('decisionCharts', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, s)).toISOString()
  const verdict = (s: number, step: number, metrics: Metric[]): VerdictView => ({
    decision: 'CONTINUE',
    reason: '',
    decisive: false,
    at: at(s),
    step_index: step,
    step_epoch: 1,
    elapsed_ms: null,
    metrics,
    srm: null,
  })

  it('one chart per stage and metric, the configured margin and FAIL lines, and the first crossing', () => {
    const charts = decisionCharts({
      verdicts: [
        verdict(0, 0, [metric({ contrast: 0.01, boundary: 0.05 })]), // band reaches below −m
        verdict(3, 0, [metric({ contrast: 0.04, boundary: 0.03, decision: 'pass' })]), // clears it
        verdict(6, 1, [metric({ contrast: 0.04, boundary: 0.03 })]),
      ],
      plan: [
        { index: 0, kind: 'canary', label: 'canary 10%' },
        { index: 1, kind: 'watch', label: 'watch' },
      ] as never,
      gates: {
        canary: {
          business: [
            { metric: 'repaid', kind: 'proportion', direction: 'higher_is_better', margin: 0.1, fail_margin: 0.02 },
          ],
          alpha_pass: 0.05,
        },
      } as never,
    })
    expect(charts.map((c) => c.id)).toEqual(['0-repaid', '1-repaid'])
    expect(charts[0]?.lines).toEqual([
      { kind: 'pass', y: -0.1 },
      { kind: 'fail', y: -0.02 },
    ])
    expect(charts[0]?.crossing).toEqual({ t: Date.parse(at(3)), kind: 'pass' })
    // No gates for the watch step here: the margin the verdicts show.
    expect(charts[1]?.lines).toEqual([{ kind: 'pass', y: -0.1 }])
  })
})
