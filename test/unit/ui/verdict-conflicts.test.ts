/**
 * Contradicted outcomes beside a verdict's numbers, as the dashboard's timeline and the CLI's
 * `verdicts --metrics` show them (docs/statistics.md §10.6).
 */
import { describe, expect, it } from 'vitest'
import { conflictLine } from '../../../src/cli/commands/verdicts'
import type { RolloutView } from '../../../src/schemas/rollout-view'
import { Timeline } from '../../../src/ui/timeline'

type Metric = RolloutView['verdicts'][number]['metrics'][number]

const business: Metric = {
  metric: 'repaid',
  test: 'ni_proportion',
  champion: { n: 900, estimate: 0.3, conflicts: 0, conflict_rate: 0 },
  challenger: { n: 100, estimate: 0.31, conflicts: 25, conflict_rate: 0.25 },
  contrast: null,
  boundary: null,
  p_value: null,
  margin: 0.02,
  alpha: 0.025,
  decision: 'insufficient_data',
  reason: 'repaid: insufficient data',
}
const errors: Metric = {
  ...business,
  metric: 'error_rate',
  test: 'event_split',
  champion: { n: 900, estimate: 0.01 },
  challenger: { n: 100, estimate: 0.01 },
}

function rollout(metrics: Metric[]): RolloutView {
  return {
    id: 'ro_1',
    phase: 'halted',
    step: { index: 0, kind: 'canary', label: 'canary 50%', started_at: '2026-11-26T10:00:00.000Z', epoch: 3 },
    plan: [{ index: 0, kind: 'canary', label: 'canary 50%' }],
    pending_approval: null,
    events: [],
    verdicts: [
      {
        decision: 'HALT',
        reason: 'HALT: outcome_conflicts: repaid on the challenger arm: 25 of 100 accepted outcomes',
        decisive: true,
        at: '2026-11-26T10:01:00.000Z',
        step_index: 0,
        step_epoch: 3,
        elapsed_ms: 60_000,
        metrics,
        srm: null,
      },
    ],
  } as unknown as RolloutView
}

describe('conflicts beside the gate numbers', () => {
  it('the CLI prints a line per business metric, none for other tests or older verdicts', () => {
    expect(conflictLine(business)).toBe('  conflicts repaid: champion 0 (0.0%), challenger 25 (25.0%)')
    expect(conflictLine(errors)).toBeNull()
    const none = { ...business, champion: { ...business.champion, conflict_rate: null } }
    expect(conflictLine(none)).toContain('champion 0 (—)')
  })

  it('the dashboard shows each arm’s conflicts and rate in the verdict table', async () => {
    const html = String(await Timeline({ rollout: rollout([business, errors]) }))
    expect(html).toContain('Challenger conflicts')
    const rows = html.split('<tr>').filter((r) => r.includes('scope="row"'))
    const cells = (name: string) =>
      [...(rows.find((r) => r.includes(`>${name}</th>`)) ?? '').matchAll(/<td class="num">([^<]*)<\/td>/g)].map(
        (m) => m[1],
      )
    expect(cells('repaid').slice(-2)).toEqual(['0 (0%)', '25 (25%)'])
    expect(cells('error_rate').slice(-2)).toEqual(['–', '–'])
  })
})
