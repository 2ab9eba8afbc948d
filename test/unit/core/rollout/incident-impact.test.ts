import { describe, expect, it } from 'vitest'
import { addRequest, emptyAgg, type Agg, type MeasuredArm } from '../../../../src/core/metrics/aggregate'
import type { MergedSummary } from '../../../../src/core/metrics/summary'
import { incidentImpact } from '../../../../src/core/rollout/impact'
import type { RolloutState, VerdictSummary } from '../../../../src/core/rollout'
import type { VerdictRecord } from '../../../../src/core/gates/types'
import { verdict } from './fixtures'

/** `ok` answers of `latencyMs`, then `failed` 502s of the same latency. */
function agg(ok: number, failed: number, latencyMs: number): Agg {
  const a = emptyAgg()
  for (let i = 0; i < ok + failed; i++) {
    addRequest(a, {
      type: 'request',
      requestId: `r${i}`,
      at: 0,
      epoch: 1,
      version: 'x',
      arm: 'champion',
      segment: '',
      status: i < ok ? 200 : 502,
      outcome: 'response',
      latencyMs,
      fallback: null,
    })
  }
  return a
}

function summary(rows: Array<[version: string, arm: MeasuredArm, a: Agg]>): MergedSummary {
  const cumulative: MergedSummary['cumulative'] = new Map()
  for (const [version, arm, a] of rows) cumulative.set(`${version}|${arm}|`, { version, arm, segment: '', agg: a })
  return { cumulative, matured: new Map(), counterfactual: new Map(), reports: new Map() }
}

/** A verdict as the rollout keeps it. */
const kept = (v: VerdictRecord): VerdictSummary => ({ ...v, at: 0, stepIndex: 1, stepEpoch: 41, decisive: false })

const rollout = (verdicts: RolloutState['verdicts'] = []) =>
  ({ config: { champion: 'v1', challenger: 'v2' }, verdicts }) as unknown as Pick<RolloutState, 'config' | 'verdicts'>

describe('incident impact of a rolled-back challenger', () => {
  it("counts the challenger's served requests and errors against the champion's, leaving out shadow copies and other versions", () => {
    const s = summary([
      ['v2', 'challenger', agg(190, 10, 400)],
      ['v1', 'champion', agg(792, 8, 20)],
      // Shadow copies of either version served nobody; a third version is not part of this rollout.
      ['v2', 'shadow', agg(0, 500, 900)],
      ['v1', 'shadow', agg(0, 300, 900)],
      ['v3', 'challenger', agg(0, 50, 900)],
    ])
    const impact = incidentImpact(s, rollout())
    expect(impact.challenger_requests).toBe(200)
    expect(impact.challenger_errors).toBe(10)
    expect(impact.challenger_error_rate).toBeCloseTo(10 / 200, 12)
    expect(impact.champion_error_rate).toBeCloseTo(8 / 800, 12)
    expect(impact.error_rate_delta).toBeCloseTo(10 / 200 - 8 / 800, 12)
    // Every latency of an arm is the same, so its p99 is that latency (within the histogram's 1%).
    expect(impact.challenger_p99_ms! / 400).toBeCloseTo(1, 1)
    expect(impact.champion_p99_ms! / 20).toBeCloseTo(1, 1)
  })

  it('has no rates, delta or p99 for an arm that served nothing', () => {
    const impact = incidentImpact(summary([['v1', 'champion', agg(100, 0, 20)]]), rollout())
    expect(impact).toMatchObject({
      challenger_requests: 0,
      challenger_errors: 0,
      challenger_error_rate: null,
      champion_error_rate: 0,
      error_rate_delta: null,
      challenger_p99_ms: null,
    })
    expect(impact.champion_p99_ms).not.toBeNull()
    const none = incidentImpact(summary([['v2', 'challenger', agg(10, 0, 5)]]), rollout())
    expect(none).toMatchObject({ champion_error_rate: null, error_rate_delta: null, champion_p99_ms: null })
    expect(none.challenger_error_rate).toBe(0)
  })

  it("compares each business metric at the last verdict, with the challenger's difference", () => {
    const impact = incidentImpact(summary([]), rollout([kept(verdict('CONTINUE')), kept(verdict('FAIL'))]))
    expect(Object.keys(impact.metric_deltas).sort()).toEqual(['approved', 'error_rate'])
    const approved = impact.metric_deltas.approved!
    expect(approved).toMatchObject({ champion: 0.31, challenger: 0.27, decision: 'fail' })
    expect(approved.delta).toBeCloseTo(0.27 - 0.31, 12)
  })

  it('leaves the difference out when an arm has no estimate, and lists no metric before any verdict', () => {
    const v = kept(verdict('CONTINUE'))
    v.metrics[0]!.champion.estimate = null
    const impact = incidentImpact(summary([]), rollout([v]))
    expect(impact.metric_deltas.approved).toMatchObject({ champion: null, challenger: 0.312, delta: null })
    v.metrics[0]!.champion.estimate = 0.3
    v.metrics[0]!.challenger.estimate = null
    expect(incidentImpact(summary([]), rollout([v])).metric_deltas.approved!.delta).toBeNull()
    expect(incidentImpact(summary([]), rollout([])).metric_deltas).toEqual({})
  })
})
