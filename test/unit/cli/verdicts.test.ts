/** `modelgate verdicts`: how many rows it shows of how many, and the margin each decision used. */
import { describe, expect, it } from 'vitest'
import { marginUsed, shownLine } from '../../../src/cli/commands/verdicts'
import { main } from '../../../src/cli/main'
import { fakeIo, json } from './fake-io'

const gate = (failMargin: number | null) => ({
  business: [
    { metric: 'repaid', kind: 'proportion', direction: 'higher_is_better', margin: 0.05, fail_margin: failMargin },
  ],
  error_rate: { margin: 0.25, fail_margin: 0.1, floor: 0.001 },
  latency: null,
})
const rollout = {
  id: 'ro_test',
  model: 'credit',
  champion: 'v1',
  challenger: 'v2',
  strategies: ['canary'],
  phase: 'progressing',
  plan: [
    { index: 0, kind: 'canary', label: 'canary 25%' },
    { index: 1, kind: 'watch', label: 'watch (72 h)' },
  ],
  config: { gates: { canary: gate(0), watch: gate(null) } },
}

function metric(name: string, decision: string, margin: number) {
  const arm = { n: 1000, estimate: 0.8 }
  return {
    metric: name,
    test: 'ni_proportion',
    champion: arm,
    challenger: arm,
    contrast: -0.1,
    boundary: -0.05,
    p_value: 0.001,
    margin,
    alpha: 0.05,
    decision,
    reason: `${decision} ${name}`,
  }
}

function verdict(i: number, decision = 'CONTINUE', metrics: unknown[] = []) {
  return {
    at: new Date(Date.UTC(2026, 10, 26, 10, i)).toISOString(),
    step_index: 0,
    decision,
    decisive: false,
    reason: `look ${i}`,
    metrics,
    srm: null,
  }
}

function io(verdicts: unknown[]) {
  return fakeIo({
    routes: {
      'GET /admin/rollouts/ro_test': () => json(rollout),
      'GET /admin/rollouts/ro_test/verdicts': () => json({ verdicts }),
    },
  })
}

describe('modelgate verdicts', () => {
  const many = Array.from({ length: 109 }, (_, i) => verdict(i))

  it('says how many it shows of how many, and how to see the rest', async () => {
    const out = io(many)
    expect(await main(['verdicts', 'ro_test'], out)).toBe(0)
    expect(out.stdout()).toContain('showing the newest 50 of 109 verdicts; --limit <n> or --all for more')
    expect(out.stdout()).toContain('look 108')
    expect(out.stdout()).not.toContain('look 58\n')
    const all = io(many)
    await main(['verdicts', 'ro_test', '--all'], all)
    expect(all.stdout()).toContain('look 0')
    expect(all.stdout()).not.toContain('showing the newest')
  })

  it('says nothing about paging when every verdict is shown', () => {
    expect(shownLine(3, 3, false)).toBeNull()
    expect(shownLine(50, 10_000, true)).toBe(
      'showing the newest 50 of at least 10000 verdicts; --limit <n> or --all for more',
    )
  })

  it('shows the fail margin for a FAIL and the pass margin otherwise', async () => {
    const v = verdict(1, 'FAIL', [metric('repaid', 'fail', 0.05), metric('error_rate', 'pass', 0.25)])
    const out = io([v])
    expect(await main(['verdicts', 'ro_test', '--metrics'], out)).toBe(0)
    const row = (name: string) =>
      out
        .stdout()
        .split('\n')
        .find((l) => l.trimStart().startsWith(name)) ?? ''
    expect(row('repaid')).toMatch(/\s0\s+fail$/)
    expect(row('error_rate')).toMatch(/\s0\.25\s+pass$/)
  })

  it('takes the fail margin of the step the verdict judged, and the margin when there is none', () => {
    const row = (step: number) => ({ ...verdict(1), step_index: step }) as never
    const fail = (name: string) => metric(name, 'fail', 0.05) as never
    const r = rollout as never
    expect(marginUsed(r, row(0), fail('repaid'))).toBe(0)
    expect(marginUsed(r, row(0), fail('error_rate'))).toBe(0.1)
    expect(marginUsed(r, row(1), fail('repaid'))).toBe(0.05)
    expect(marginUsed(r, row(0), fail('latency'))).toBe(0.05)
    expect(marginUsed(r, row(0), metric('repaid', 'continue', 0.05) as never)).toBe(0.05)
  })
})
