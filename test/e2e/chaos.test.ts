/**
 * Self-driven rollback on a live gateway (scripts/chaos/run.ts, on a shorter schedule than
 * `npm run chaos`): no cron call at all, D1 failing from the rollout's start, shards failing (for a
 * while every call), KV slowed, model servers resetting answers mid-stream. The coordinator's alarm
 * alone ticks the gates, rolls the bad challenger back, confirms it and delivers the audit to D1
 * once D1 answers again.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_OPTIONS, runChaos, type FaultWindow } from '../../scripts/chaos/run'

const schedule: FaultWindow[] = [
  { from: 0, to: 20, what: 'D1 failing every call', plan: { d1: { kind: 'fail' } } },
  { from: 0, to: 10, what: 'shards failing 30% of calls', plan: { shard: { kind: 'fail', rate: 0.3 } } },
  { from: 0, to: 15, what: 'resets', resetShare: 0.05 },
  { from: 1, to: 18, what: 'KV slowed', plan: { kv: { kind: 'delay', delay_ms: 1500, methods: ['get'] } } },
  { from: 10, to: 15, what: 'shards failing every call', plan: { shard: { kind: 'fail' } } },
]

describe('a bad canary on a live gateway while the platform fails', () => {
  it('is rolled back and confirmed by the coordinator alone; every answer is recorded or counted as lost; the audit completes', async () => {
    const lines: string[] = []
    const report = await runChaos({
      ...DEFAULT_OPTIONS,
      concurrency: 6,
      durationS: 25,
      limitS: 120,
      stages: [25, 50, 100],
      schedule,
      log: (line) => lines.push(line),
    })
    const story = `${lines.join('\n')}\n${JSON.stringify(report, null, 2)}`
    const failed = report.invariants.filter((i) => !i.ok)
    expect(failed, story).toEqual([])
    // The rollback came while D1 was failing: nothing but the coordinator could have made it.
    expect(report.rollback.during, story).toContain('D1 failing every call')
    expect(report.injected.d1).toBeGreaterThan(0)
    expect(report.injected.shard).toBeGreaterThan(0)
    expect(report.resets).toBeGreaterThan(0)
    // Five seconds of a shard refusing everything outlast a batch's retries: losses were counted.
    expect(report.dropped.records).toBeGreaterThan(0)
    expect(report.versions.find((v) => v.version === 'v2')?.served).toBeGreaterThan(0)
  }, 180_000)
})
