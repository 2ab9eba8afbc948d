/**
 * The CI watch: which phase ends it with which exit code (a table over every phase), the timeline
 * printer (each verdict and event once, oldest first, gaps filled from the history), and the
 * follow loop in-process against a scripted admin API (fake fetch, fake clock).
 */
import { describe, expect, it } from 'vitest'
import { main } from '../../../src/cli/main'
import { EXIT } from '../../../src/cli/exit'
import { WATCH_EXIT, watchOutcome, type WatchOutcome } from '../../../src/cli/watch-outcome'
import { Timeline, entryLine } from '../../../src/cli/watch-timeline'
import { PHASES, type Phase } from '../../../src/core/rollout/types'
import { VERDICTS_KEPT_PER_STEP } from '../../../src/core/rollout/record'
import type { RolloutView, VerdictView } from '../../../src/cli/api-types'
import { fakeIo, json, type Handler } from './fake-io'

const t0 = Date.parse('2026-11-26T10:00:00Z')
const iso = (s: number) => new Date(t0 + s * 1_000).toISOString()

function verdict(s: number, decision: VerdictView['decision'], over: Partial<VerdictView> = {}): VerdictView {
  return {
    decision,
    reason: `${decision}: at ${s}s`,
    decisive: decision === 'FAIL' || decision === 'PASS',
    at: iso(s),
    step_index: 0,
    step_epoch: 5,
    elapsed_ms: s * 1_000,
    metrics: [],
    srm: null,
    ...over,
  }
}

function event(s: number, type: RolloutView['events'][number]['type'], actor = 'controller') {
  return { at: iso(s), type, actor, reason: `${type} at ${s}s`, details: null }
}

function view(over: Partial<RolloutView> = {}): RolloutView {
  return {
    id: 'ro_w~credit',
    model: 'credit',
    champion: 'v1',
    challenger: 'v2',
    strategies: ['canary'],
    phase: 'progressing',
    phase_description: 'the current step is live',
    terminal: false,
    step: null,
    plan: [
      { index: 0, kind: 'canary', label: 'canary 25%' },
      { index: 1, kind: 'canary', label: 'canary 100%' },
    ],
    pending_approval: null,
    approvals: [],
    allowed_actions: [],
    verdicts: [],
    events: [event(0, 'started', 'alice')],
    rollback: null,
    outcome: null,
    incident_id: null,
    ...over,
  } as RolloutView
}

describe('watchOutcome: phase → exit code', () => {
  const table: Record<Phase, [WatchOutcome | null, WatchOutcome | null]> = {
    // [without --wait-for-human, with it]
    completed: ['completed', 'completed'],
    rolled_back: ['rolled_back', 'rolled_back'],
    aborted: ['aborted', 'aborted'],
    awaiting_evaluation: ['needs_human', null],
    awaiting_approval: ['needs_human', null],
    paused: ['needs_human', null],
    halted: ['needs_human', null],
    progressing: [null, null],
    watching: [null, null],
  }

  it.each(PHASES.map((p) => [p, ...table[p]] as const))('%s → %s (waiting for a human: %s)', (phase, plain, wait) => {
    expect(watchOutcome(phase, { waitForHuman: false })).toBe(plain)
    expect(watchOutcome(phase, { waitForHuman: true })).toBe(wait)
  })

  it('gives each outcome its own code, none of them an error code of the CLI', () => {
    expect(WATCH_EXIT).toEqual({ completed: 0, rolled_back: 10, aborted: 11, needs_human: 12, timed_out: 13 })
    const errors = new Set<number>(Object.values(EXIT).filter((c) => c !== EXIT.ok))
    for (const code of Object.values(WATCH_EXIT)) expect(errors.has(code)).toBe(false)
  })

  it('documents every code in `modelgate help`', async () => {
    const io = fakeIo()
    expect(await main(['help'], io)).toBe(0)
    for (const code of Object.values(WATCH_EXIT)) expect(io.stdout()).toMatch(new RegExp(`\\n +${code}  \\S`))
    expect(io.stdout()).toContain('10  rolled back')
  })
})

describe('Timeline', () => {
  it('returns each verdict and event once, oldest first, a verdict before the event it caused', () => {
    const tl = new Timeline()
    const first = view({ verdicts: [verdict(60, 'CONTINUE')] })
    expect(tl.take(first).map((e) => entryLine(e, first))).toEqual([
      '2026-11-26T10:00:00Z  started: started at 0s (by alice)',
      '2026-11-26T10:01:00Z  verdict canary 25%: CONTINUE: at 60s',
    ])
    // The next answer repeats everything; only what is new comes back, in time order.
    const second = view({
      phase: 'rolled_back',
      verdicts: [verdict(60, 'CONTINUE'), verdict(120, 'FAIL')],
      events: [event(0, 'started', 'alice'), event(120, 'rolled_back')],
    })
    expect(tl.take(second).map((e) => entryLine(e, second))).toEqual([
      '2026-11-26T10:02:00Z  verdict canary 25%: FAIL: at 120s (decisive)',
      '2026-11-26T10:02:00Z  rolled_back: rolled_back at 120s',
    ])
    expect(tl.take(second)).toEqual([])
  })

  it('sorts an answer whose lists are out of order', () => {
    const tl = new Timeline()
    const r = view({ verdicts: [verdict(90, 'CONTINUE'), verdict(30, 'CONTINUE')], events: [event(60, 'paused')] })
    expect(tl.take(r).map((e) => e.at - t0)).toEqual([30_000, 60_000, 90_000])
  })

  it('says when the view may have dropped ordinary verdicts, and takes them from the history without repeats', () => {
    const tl = new Timeline()
    tl.take(view({ verdicts: [verdict(10, 'CONTINUE')] }))
    // The gateway ticked more often than the poll: the view kept only the newest few of step 0.
    const kept = Array.from({ length: VERDICTS_KEPT_PER_STEP }, (_, i) => verdict(100 + i, 'CONTINUE'))
    const later = view({ verdicts: kept })
    expect(tl.mayHaveDropped(later)).toBe(true)
    const history = [verdict(5, 'CONTINUE'), verdict(10, 'CONTINUE'), verdict(50, 'CONTINUE'), ...kept]
    expect(tl.take(later, history).map((e) => e.at - t0)).toEqual([50, 100, 101, 102, 103, 104].map((s) => s * 1_000))
    expect(tl.mayHaveDropped(later)).toBe(false)
    // Nothing printed yet: an old rollout's cropped history is not a gap of this watch.
    expect(new Timeline().mayHaveDropped(later)).toBe(false)
  })
})

/** A scripted GET /admin/rollouts/{id}: one answer per poll, the last one repeated. */
function polled(answers: Array<RolloutView | Response>, extra: Record<string, Handler> = {}) {
  let i = 0
  return fakeIo({
    now: t0,
    routes: {
      'GET /admin/rollouts/ro_w~credit': () => answers[Math.min(i++, answers.length - 1)],
      ...extra,
    },
  })
}

describe('rollout status --watch', () => {
  it('prints each decision as it comes and exits 10 on a rollback', async () => {
    const io = polled([
      view(),
      view({ verdicts: [verdict(60, 'CONTINUE')] }),
      view({
        phase: 'rolled_back',
        phase_description: 'traffic went back',
        outcome: 'rolled_back',
        verdicts: [verdict(60, 'CONTINUE'), verdict(120, 'FAIL')],
        events: [event(0, 'started', 'alice'), event(120, 'rolled_back')],
      }),
    ])
    expect(await main(['rollout', 'status', 'ro_w~credit', '--watch', '--interval', '2s'], io)).toBe(10)
    const lines = io.stdout().trimEnd().split('\n')
    expect(lines.slice(1)).toEqual([
      '2026-11-26T10:00:00Z  started: started at 0s (by alice)',
      '2026-11-26T10:01:00Z  verdict canary 25%: CONTINUE: at 60s',
      '2026-11-26T10:02:00Z  verdict canary 25%: FAIL: at 120s (decisive)',
      '2026-11-26T10:02:00Z  rolled_back: rolled_back at 120s',
      'ROLLED BACK (rolled_back): ro_w~credit is rolled_back: traffic went back; exit 10',
    ])
    // Polled at the interval asked for, on the fake clock.
    expect(io.now() - t0).toBe(4_000)
  })

  it('exits 0 when completed, 11 when aborted, 12 when it waits for a person', async () => {
    const run = (phase: Phase) =>
      main(['rollout', 'status', 'ro_w~credit', '--watch'], polled([view(), view({ phase })]))
    expect(await run('completed')).toBe(0)
    expect(await run('aborted')).toBe(11)
    expect(await run('awaiting_approval')).toBe(12)
  })

  it('keeps watching a paused rollout with --wait-for-human', async () => {
    const io = polled([view({ phase: 'paused' }), view({ phase: 'paused' }), view({ phase: 'completed' })])
    expect(await main(['rollout', 'status', 'ro_w~credit', '--watch', '--wait-for-human'], io)).toBe(0)
    expect(io.stdout()).toMatch(/completed: ro_w~credit is completed: .*; exit 0\n$/)
  })

  it('exits 13 when --timeout runs out, and stops polling', async () => {
    const io = polled([view()])
    expect(await main(['rollout', 'status', 'ro_w~credit', '--watch', '--timeout', '30s'], io)).toBe(13)
    expect(io.now() - t0).toBe(30_000)
    expect(io.calls.length).toBe(7) // the first answer and one poll every 5 s
    expect(io.stdout()).toMatch(/TIMED OUT: .*; exit 13\n$/)
  })

  it('polls again after a 5xx, but a 4xx ends the watch with its error code', async () => {
    const problem = (status: number) =>
      json({ title: 'x', status, code: status === 404 ? 'not_found' : 'internal', request_id: 'req_t' }, status)
    const flaky = polled([view(), problem(503), view({ phase: 'rolled_back' })])
    expect(await main(['rollout', 'status', 'ro_w~credit', '--watch'], flaky)).toBe(10)
    expect(flaky.stderr()).toContain('poll failed')
    const gone = polled([view(), problem(404)])
    expect(await main(['rollout', 'status', 'ro_w~credit', '--watch'], gone)).toBe(EXIT.refused)
  })

  it('--json streams one object per line and ends with the outcome', async () => {
    const io = polled([view({ phase: 'rolled_back', verdicts: [verdict(120, 'FAIL')] })])
    expect(await main(['rollout', 'status', 'ro_w~credit', '--watch', '--json'], io)).toBe(10)
    const objects = io
      .stdout()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(objects.map((o) => o.kind)).toEqual(['event', 'verdict', 'outcome'])
    expect(objects[2]).toMatchObject({ outcome: 'rolled_back', exit_code: 10, rollout: 'ro_w~credit' })
  })

  it('fills a gap in the view from the verdict history', async () => {
    const kept = Array.from({ length: VERDICTS_KEPT_PER_STEP }, (_, i) => verdict(100 + i, 'CONTINUE'))
    const history = { verdicts: [verdict(10, 'CONTINUE'), verdict(50, 'CONTINUE'), ...kept] }
    const io = polled([view({ verdicts: [verdict(10, 'CONTINUE')] }), view({ phase: 'aborted', verdicts: kept })], {
      'GET /admin/rollouts/ro_w~credit/verdicts': () => history,
    })
    expect(await main(['rollout', 'status', 'ro_w~credit', '--watch'], io)).toBe(11)
    const printed = io.stdout().match(/verdict canary 25%: CONTINUE: at \d+s/g)
    expect(printed).toEqual([10, 50, 100, 101, 102, 103, 104].map((s) => `verdict canary 25%: CONTINUE: at ${s}s`))
  })

  it('without --watch prints the rollout once and exits 0, whatever its phase', async () => {
    const io = polled([view({ phase: 'rolled_back', verdicts: [verdict(120, 'FAIL')] })])
    expect(await main(['rollout', 'status', 'ro_w~credit'], io)).toBe(0)
    expect(io.calls.length).toBe(1)
    expect(io.stdout()).toMatch(/^rollout ro_w~credit: v2 over v1 on credit \(canary\)\n {2}phase: +rolled_back/)
    expect(io.stdout()).toContain('FAIL: at 120s')
  })

  it('refuses an interval below a second as a usage error', async () => {
    expect(await main(['rollout', 'status', 'ro_w~credit', '--watch', '--interval', '200ms'], polled([view()]))).toBe(
      EXIT.usage,
    )
  })
})

describe('rollout start --wait', () => {
  it('starts, then follows the rollout to its outcome', async () => {
    let polls = 0
    const io = fakeIo({
      now: t0,
      routes: {
        'POST /admin/models/credit/rollouts': () => view(),
        'GET /admin/rollouts/ro_w~credit': () =>
          ++polls < 2 ? view() : view({ phase: 'completed', outcome: 'promoted', phase_description: 'done' }),
      },
    })
    const args = ['rollout', 'start', 'credit', '--challenger', 'v2', '--strategy', 'canary', '--wait']
    expect(await main(args, io)).toBe(0)
    expect(io.stdout()).toMatch(/^started rollout ro_w~credit/)
    expect(io.stdout()).not.toContain('next:')
    expect(io.stdout()).toMatch(/completed \(promoted\): ro_w~credit is completed: done; exit 0\n$/)
    // Without --wait it returns after the start.
    const once = fakeIo({ routes: { 'POST /admin/models/credit/rollouts': () => view() } })
    expect(await main(args.slice(0, -1), once)).toBe(0)
    expect(once.calls.length).toBe(1)
  })
})
