/** `modelgate rollout evaluate <rollout> <report.json>` against a scripted admin API. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../../src/cli/main'
import { fakeIo, json } from './fake-io'

const dir = mkdtempSync(path.join(os.tmpdir(), 'mg-eval-'))
const report = { quality: { auc: 0.81 }, slices: [] }
writeFileSync(path.join(dir, 'report.json'), JSON.stringify(report))
writeFileSync(path.join(dir, 'broken.json'), '{ not json')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function rollout(evaluation: { status: string; reason: string }, phase: string) {
  return {
    id: 'ro_test',
    model: 'credit',
    champion: 'v1',
    challenger: 'v2',
    strategies: ['canary'],
    phase,
    phase_description: phase === 'progressing' ? 'gates are judging the step' : 'waiting for the offline evaluation',
    terminal: false,
    step: null,
    plan: [{ index: 0, kind: 'canary', label: 'canary 100%' }],
    pending_approval: null,
    allowed_actions: ['abort'],
    verdicts: [],
    events: [],
    rollback: null,
    incident_id: null,
    evaluation: { ...evaluation, report: {}, at: '2026-11-26T10:00:00.000Z' },
  }
}

describe('rollout evaluate', () => {
  it('posts the report file to the evaluation route and says it passed (exit 0)', async () => {
    const posted: unknown[] = []
    const io = fakeIo({
      cwd: dir,
      routes: {
        'POST /admin/rollouts/ro_test/evaluation': ({ body }) => {
          posted.push(body)
          return json(rollout({ status: 'passed', reason: 'all checks passed' }, 'progressing'))
        },
      },
    })
    expect(await main(['rollout', 'evaluate', 'ro_test', 'report.json'], io)).toBe(0)
    expect(posted).toEqual([report])
    expect(io.stdout()).toMatch(/^evaluation passed: all checks passed\nrollout ro_test: v2 over v1 on credit/)
    expect(io.stdout()).toMatch(/phase:\s+progressing/)
  })

  it('exits 3 when the report fails, and shows why', async () => {
    const io = fakeIo({
      cwd: dir,
      routes: {
        'POST /admin/rollouts/ro_test/evaluation': () =>
          json(rollout({ status: 'failed', reason: 'auc 0.6 below 0.7' }, 'awaiting_evaluation')),
      },
    })
    expect(await main(['rollout', 'evaluate', 'ro_test', 'report.json'], io)).toBe(3)
    expect(io.stdout()).toContain('evaluation failed: auc 0.6 below 0.7')
  })

  it('refuses a missing or non-JSON file before calling the gateway (exit 2)', async () => {
    const missing = fakeIo({ cwd: dir })
    expect(await main(['rollout', 'evaluate', 'ro_test', 'nope.json'], missing)).toBe(2)
    expect(missing.stderr()).toContain('report: cannot read nope.json: ENOENT')
    const broken = fakeIo({ cwd: dir })
    expect(await main(['rollout', 'evaluate', 'ro_test', 'broken.json'], broken)).toBe(2)
    expect(broken.stderr()).toContain('report: broken.json is not JSON')
    expect(await main(['rollout', 'evaluate', 'ro_test'], fakeIo({ cwd: dir }))).toBe(2)
    expect([...missing.calls, ...broken.calls]).toEqual([])
  })
})
