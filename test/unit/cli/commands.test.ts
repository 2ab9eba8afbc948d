/**
 * Commands run in-process against a scripted admin API (fake fetch, fake clock): the paths that
 * are slow or awkward to reach on a live gateway — prompts, waiting and timing out, paging.
 */
import { describe, expect, it } from 'vitest'
import { shorten, splitCsvRecords } from '../../../src/cli/commands/audit'
import { main } from '../../../src/cli/main'
import { fakeIo, json, type Handler } from './fake-io'

const HASH = 'ab'.repeat(32)
const MIN = 60_000
const t0 = Date.parse('2026-11-26T10:00:00Z')

function rollout(over: Record<string, unknown> = {}) {
  return {
    id: 'ro_test',
    model: 'credit',
    champion: 'v1',
    challenger: 'v2',
    strategies: ['canary'],
    phase: 'awaiting_approval',
    phase_description: 'the next step needs an approver',
    terminal: false,
    step: null,
    plan: [
      { index: 0, kind: 'canary', label: 'canary 25%' },
      { index: 1, kind: 'canary', label: 'canary 100%' },
    ],
    pending_approval: {
      for_step: 0,
      reason: "gates weaker than the model's defaults",
      rules: ['weak_gates'],
      requested_at: new Date(t0).toISOString(),
      expires_at: new Date(t0 + 86_400_000).toISOString(),
      evidence_hash: HASH,
    },
    allowed_actions: ['abort', 'rollback'],
    verdicts: [],
    events: [],
    rollback: null,
    incident_id: null,
    ...over,
  }
}

describe('help', () => {
  it('documents commands and exit codes; no command is a usage error', async () => {
    const io = fakeIo()
    expect(await main(['help'], io)).toBe(0)
    expect(io.stdout()).toContain('rollback <model>')
    expect(io.stdout()).toMatch(/exit codes:\n  0  ok\n  1  .*\n  2  usage error/)
    const bare = fakeIo()
    expect(await main([], bare)).toBe(2)
    expect(bare.stderr()).toContain('usage: modelgate <command>')
    const cmd = fakeIo()
    expect(await main(['rollout', 'start', '--help'], cmd)).toBe(0)
    expect(cmd.stdout()).toContain('--challenger <version>')
    expect(await main(['help', 'audit', 'verify'], fakeIo())).toBe(0)
    expect(await main(['frob'], fakeIo())).toBe(2)
  })
})

describe('approve', () => {
  const routes = (posted: unknown[]): Record<string, Handler> => ({
    'GET /admin/rollouts/ro_test': () => rollout(),
    'POST /admin/rollouts/ro_test/approve': ({ body }) => {
      posted.push(body)
      return rollout({
        phase: 'progressing',
        pending_approval: null,
        step: { index: 0, kind: 'canary', label: 'canary 25%', started_at: '2026-11-26T10:00:00Z', epoch: 5 },
      })
    },
  })

  it('shows the evidence, asks, and posts the hash it showed with the approver token', async () => {
    const posted: unknown[] = []
    const io = fakeIo({
      routes: routes(posted),
      interactive: true,
      answers: ['y'],
      env: { MODELGATE_APPROVER_TOKEN: 'approver-tok', MODELGATE_ACTOR: 'carol' },
    })
    expect(await main(['approve', 'ro_test'], io)).toBe(0)
    expect(io.stderr()).toContain('rules:     weak_gates')
    expect(io.stderr()).toContain(`evidence:  ${HASH}`)
    expect(io.stderr()).toContain('Approve canary 25% of ro_test? [y/N]')
    expect(posted).toEqual([{ evidence_hash: HASH, step: 0 }])
    const post = io.calls.find((c) => c.method === 'POST')!
    expect(post.headers.get('authorization')).toBe('Bearer approver-tok')
    expect(post.headers.get('x-modelgate-actor')).toBe('carol')
    expect(io.stdout()).toContain('approved canary 25%')
  })

  it('does nothing when the answer is not yes', async () => {
    const posted: unknown[] = []
    const io = fakeIo({ routes: routes(posted), interactive: true, answers: ['n'] })
    expect(await main(['approve', 'ro_test'], io)).toBe(0)
    expect(posted).toEqual([])
    expect(io.stderr()).toContain('not approved')
  })

  it('refuses without a terminal unless --yes, and when nothing is pending', async () => {
    const posted: unknown[] = []
    const io = fakeIo({ routes: routes(posted) })
    expect(await main(['approve', 'ro_test'], io)).toBe(2)
    expect(io.stderr()).toContain('pass --yes')
    expect(posted).toEqual([])
    expect(await main(['approve', 'ro_test', '--yes', '--comment', 'ok'], fakeIo({ routes: routes(posted) }))).toBe(0)
    expect(posted).toEqual([{ evidence_hash: HASH, step: 0, comment: 'ok' }])
    const none = fakeIo({
      routes: { 'GET /admin/rollouts/ro_test': () => rollout({ phase: 'progressing', pending_approval: null }) },
    })
    expect(await main(['approve', 'ro_test', '--yes'], none)).toBe(3)
    expect(none.stderr()).toContain('nothing to approve')
  })
})

describe('status', () => {
  function view(warnings?: unknown[]) {
    return {
      model: { name: 'credit', risk: 'high', sla: null },
      versions: [],
      champion: 'v1',
      previous_champion: null,
      routing: { champion: 'v1', weights: { v1: 100 }, rules: [], shadow: null },
      epoch: 3,
      published_epoch: 3,
      bucket_ranges: [],
      active_rollout: null,
      ...(warnings ? { warnings } : {}),
    }
  }
  const metrics = {
    model: 'credit',
    from: '2026-11-26T09:01:00Z',
    to: '2026-11-26T10:00:00Z',
    step_s: 3600,
    series: [],
  }

  it('prints the model’s warnings with their fix, and nothing when there are none', async () => {
    const warning = {
      code: 'unbounded_mean_metric',
      metric: 'basket',
      detail: 'mean metric basket has no cap and no floor',
      fix: 'declare cap and floor',
    }
    const io = fakeIo({
      routes: {
        'GET /admin/models/credit': () => json(view([warning])),
        'GET /admin/models/credit/metrics': () => json(metrics),
      },
    })
    expect(await main(['status', 'credit'], io)).toBe(0)
    expect(io.stdout()).toContain(
      'WARNINGS\n  unbounded_mean_metric basket: mean metric basket has no cap and no floor\n    fix: declare cap and floor\n',
    )
    for (const w of [[], undefined]) {
      const quiet = fakeIo({
        routes: {
          'GET /admin/models/credit': () => json(view(w)),
          'GET /admin/models/credit/metrics': () => json(metrics),
        },
      })
      expect(await main(['status', 'credit'], quiet)).toBe(0)
      expect(quiet.stdout()).not.toContain('WARNINGS')
    }
  })
})

describe('API errors', () => {
  it('print the problem on stderr, and the problem document on stdout under --json', async () => {
    const problem = {
      type: 'x',
      title: 'Unknown model',
      status: 404,
      detail: 'model nope is not registered',
      code: 'model_not_found',
      request_id: 'req_abc',
    }
    const routes = { 'GET /admin/models/nope': () => json(problem, 404) }
    const io = fakeIo({ routes })
    expect(await main(['status', 'nope'], io)).toBe(3)
    expect(io.stderr()).toBe(
      'error: Unknown model (404 model_not_found)\n  model nope is not registered\n  request id: req_abc\n',
    )
    expect(io.stdout()).toBe('')
    const scripted = fakeIo({ routes })
    expect(await main(['status', 'nope', '--json'], scripted)).toBe(3)
    expect(JSON.parse(scripted.stdout())).toEqual(problem)
    const broken = fakeIo({
      routes: {
        'GET /admin/models': () =>
          json({ title: 'Internal error', status: 500, detail: 'boom', request_id: 'req_1' }, 500),
      },
    })
    expect(await main(['models'], broken)).toBe(4)
  })
})

describe('rollback without an active rollout (confirmed from per-minute metrics)', () => {
  const rolledBack = {
    champion: 'v1',
    weights: { v1: 100 },
    rules: [],
    shadow: null,
    epoch: 12,
    published_at: new Date(t0 + 30_000).toISOString(),
    rolled_back_from: { champion: 'v1', weights: { v1: 90, v2: 10 }, rules: [], shadow: null },
  }
  const point = (minute: number, requests: number, p99: number, p95 = 3) => ({
    t: new Date(t0 + minute * MIN).toISOString(),
    requests,
    errors: 0,
    error_rate: 0,
    p50_ms: 2,
    p95_ms: p95,
    p99_ms: p99,
    shadow_pairs: 0,
    divergence_rate: null,
  })

  function api(opts: { readyAfter: number; cron: number; clean?: ReturnType<typeof point> }) {
    let polls = 0
    const routes: Record<string, Handler> = {
      'GET /admin/models/credit': () => ({ active_rollout: null }),
      'POST /admin/models/credit/rollback': () => rolledBack,
      'GET /__scheduled': () => new Response('ok', { status: opts.cron }),
      'GET /admin/models/credit/metrics': ({ url }) => {
        const from = url.searchParams.get('from')
        if (url.searchParams.get('to'))
          return { series: [{ version: 'v1', arm: 'champion', points: [point(-30, 900, 10)] }] } // baseline hour
        if (from === new Date(t0 + MIN).toISOString())
          return { series: [{ version: 'v1', arm: 'champion', points: [opts.clean ?? point(1, 25, 4)] }] } // the clean window
        polls++
        const v1 = [point(0, 90, 5), ...(polls > opts.readyAfter ? [point(1, 25, 4)] : [])]
        return {
          series: [
            { version: 'v1', arm: 'champion', points: v1 },
            { version: 'v2', arm: 'challenger', points: [point(0, 10, 6)] },
          ],
        }
      },
    }
    return routes
  }

  it('triggers the local cron, waits for clean minutes, and prints the confirmation line', async () => {
    const io = fakeIo({
      routes: api({ readyAfter: 2, cron: 200 }),
      env: { MODELGATE_URL: 'http://127.0.0.1:8787' },
      now: t0 + 31_000,
    })
    expect(await main(['rollback', 'credit', '--reason', 'p99 regression'], io)).toBe(0)
    expect(io.calls.find((c) => c.method === 'POST')?.body).toEqual({ reason: 'p99 regression' })
    expect(io.stdout()).toContain('rolled back credit: epoch 12, v1 100% (was v1 90%, v2 10%)')
    expect(io.stdout()).toContain(
      'confirmed: v1 carries 100% since epoch 12; error rate 0.0%, p99 4 ms; 10 s to confirm',
    )
    expect(io.stdout()).toContain(
      'baseline: error rate 0.0%, p99 10 ms; 25 requests on v1, 0 on other versions (from the metrics API, minutes from 2026-11-26T10:01:00Z on)',
    )
    expect(io.calls.filter((c) => c.path.startsWith('/__scheduled')).length).toBeGreaterThanOrEqual(1)
  })

  it('compares the quantile the window supports: a p99 of 300 answers is a blip, their p95 decides', async () => {
    const noisy = point(1, 300, 60)
    const io = fakeIo({
      routes: api({ readyAfter: 0, cron: 200, clean: noisy }),
      env: { MODELGATE_URL: 'http://127.0.0.1:8787' },
      now: t0 + 31_000,
    })
    expect(await main(['rollback', 'credit'], io)).toBe(0)
    expect(io.stdout()).toContain('confirmed: v1 carries 100% since epoch 12; error rate 0.0%, p99 60 ms')
    const slow = fakeIo({
      routes: api({ readyAfter: 0, cron: 200, clean: point(1, 300, 60, 30) }),
      env: { MODELGATE_URL: 'http://127.0.0.1:8787' },
      now: t0 + 31_000,
    })
    expect(await main(['rollback', 'credit', '--timeout', '1m', '--interval', '5s'], slow)).toBe(5)
    expect(slow.stderr()).toContain('not confirmed within 1 min: p95 30 ms still above baseline 3 ms')
  })

  it('times out with exit code 5, and stops triggering a cron the gateway does not serve', async () => {
    const io = fakeIo({
      routes: api({ readyAfter: Infinity, cron: 404 }),
      env: { MODELGATE_URL: 'http://localhost:8787' },
      now: t0 + 31_000,
    })
    expect(await main(['rollback', 'credit', '--timeout', '2m', '--interval', '5s'], io)).toBe(5)
    expect(io.stderr()).toContain('not served here')
    expect(io.stderr()).toContain(
      'error: rollback of credit not confirmed within 2 min: v1 has 0 of 20 requests in the minutes from 2026-11-26T10:01:00Z on; last served by v2 at 2026-11-26T10:00:00Z',
    )
    expect(io.stderr()).toContain('still waiting')
    expect(io.calls.filter((c) => c.path.startsWith('/__scheduled')).length).toBe(1)
  })

  it('--no-wait --json prints the published rollback and returns at once; remote gateways are never cron-triggered', async () => {
    const io = fakeIo({ routes: api({ readyAfter: 0, cron: 200 }) })
    expect(await main(['rollback', 'credit', '--no-wait', '--json'], io)).toBe(0)
    expect(JSON.parse(io.stdout())).toMatchObject({
      rollback: { epoch: 12, weights: { v1: 100 } },
      rollout_id: null,
      confirmation: null,
    })
    const remote = fakeIo({ routes: api({ readyAfter: 0, cron: 200 }) })
    expect(await main(['rollback', 'credit'], remote)).toBe(0)
    expect(remote.calls.some((c) => c.path.startsWith('/__scheduled'))).toBe(false)
    expect(await main(['rollback', 'credit', '--target', 'yesterday'], fakeIo())).toBe(2)
  })
})

/** Model credit with rollout ro_test: the rollback answers epoch 7, and poll n of the rollout answers `poll(n)`. */
function rollbackIo(poll: (n: number) => Response | Record<string, unknown>, rolledBackFrom: unknown = null) {
  let polls = 0
  const io = fakeIo({
    routes: {
      'GET /admin/models/credit': () => ({ active_rollout: { id: 'ro_test', phase: 'progressing' } }),
      'POST /admin/models/credit/rollback': () => ({
        champion: 'v1',
        weights: { v1: 100 },
        epoch: 7,
        published_at: new Date(t0).toISOString(),
        rolled_back_from: rolledBackFrom,
      }),
      'GET /admin/rollouts/ro_test': () => poll(++polls),
    },
  })
  return { io, polls: () => polls }
}

describe('rollback that ends an exposed rollout (confirmed by the controller)', () => {
  it("reports the controller's record, or exit 5 when it recorded the rollback as finally unconfirmed", async () => {
    for (const ok of [true, false]) {
      const rb = {
        at: new Date(t0).toISOString(),
        actor: 'operator',
        trigger: 'operator_rollback',
        target: 'champion',
        version: 'v1',
        from_step: 0,
        reason: 'r',
      }
      // The failed case is the controller's final verdict, taken after its 30-minute give-up time.
      const took = ok ? 72_000 : 1_800_001
      const { io } = rollbackIo(
        (n) => {
          const confirmation =
            n < 3
              ? null
              : {
                  at: new Date(t0 + took).toISOString(),
                  ok,
                  state: ok ? 'confirmed' : 'not_confirmed',
                  time_to_confirm_ms: took,
                  details: {
                    epoch: 7,
                    stable_version: 'v1',
                    requests_since_rollback: 88,
                    challenger_requests_since_rollback: 0,
                    error_rate: 0,
                    baseline_error_rate: 0,
                    p99_ms: 7,
                    baseline_p99_ms: 10,
                    ...(ok ? {} : { reason: 'not confirmed within 30 min' }),
                  },
                }
          return rollout({
            phase: 'rolled_back',
            terminal: true,
            pending_approval: null,
            rollback: { ...rb, confirmation },
          })
        },
        { weights: { v1: 75, v2: 25 } },
      )
      expect(await main(['rollback', 'credit', '--interval', '1s'], io)).toBe(ok ? 0 : 5)
      expect(io.stdout()).toContain('ended rollout ro_test')
      expect(io.stdout()).toContain(
        ok
          ? 'confirmed: v1 carries 100% since epoch 7; error rate 0.0%, p99 7 ms; 1 min 12 s to confirm'
          : 'NOT confirmed: v1 carries 100% since epoch 7',
      )
      expect(io.calls.some((c) => c.path.includes('/metrics'))).toBe(false)
    }
  })

  it('keeps waiting through a "not confirmed yet" that the controller will check again', async () => {
    const rb = {
      at: new Date(t0).toISOString(),
      actor: 'controller',
      trigger: 'gate_fail',
      target: 'champion',
      version: 'v1',
      from_step: 0,
      reason: 'r',
    }
    const early = {
      at: new Date(t0 + 60_000).toISOString(),
      ok: false,
      state: 'checking_again',
      time_to_confirm_ms: 60_000,
      details: { epoch: 7, reason: 'error rate 12% still above baseline 1%' },
    }
    const later = {
      at: new Date(t0 + 180_000).toISOString(),
      ok: true,
      state: 'confirmed',
      time_to_confirm_ms: 180_000,
      details: { epoch: 7, error_rate: 0.004, p99_ms: 9 },
    }
    const { io, polls } = rollbackIo((n) =>
      rollout({
        phase: 'rolled_back',
        terminal: true,
        pending_approval: null,
        rollback: { ...rb, confirmation: n < 40 ? early : later },
      }),
    )
    expect(await main(['rollback', 'credit', '--interval', '1s'], io)).toBe(0)
    expect(polls()).toBe(40)
    expect(io.stderr()).toContain('still waiting')
    expect(io.stderr()).toContain(
      'not confirmed yet: error rate 12% still above baseline 1%; the controller checks again on every tick',
    )
    expect(io.stdout()).toContain('confirmed: v1 carries 100% since epoch 7')
  })
})

describe('rollback polling', () => {
  it('outlives a failing poll: a 503 while waiting is a status line, not the end', async () => {
    const rb = {
      at: new Date(t0).toISOString(),
      actor: 'operator',
      trigger: 'gate_fail',
      target: 'champion',
      version: 'v1',
      from_step: 0,
      reason: 'r',
    }
    const { io, polls } = rollbackIo((n) =>
      n === 1
        ? json({ title: 'Routing snapshot unavailable', status: 503, detail: 'try again' }, 503)
        : rollout({
            pending_approval: null,
            rollback: {
              ...rb,
              confirmation: {
                at: new Date(t0).toISOString(),
                ok: true,
                state: 'confirmed',
                time_to_confirm_ms: 61_000,
                details: { epoch: 7, error_rate: 0, p99_ms: 3 },
              },
            },
          }),
    )
    expect(await main(['rollback', 'credit', '--interval', '1s'], io)).toBe(0)
    expect(polls()).toBe(2)
    expect(io.stdout()).toContain(
      'confirmed: v1 carries 100% since epoch 7; error rate 0.0%, p99 3 ms; 1 min 1 s to confirm',
    )
  })
})

describe('audit', () => {
  const entry = (seq: number) => ({
    id: `aud_${seq}`,
    stream: 'credit',
    seq,
    at: new Date(t0 + seq * 1000).toISOString(),
    actor: 'operator',
    action: 'routing.set',
    target: 'credit',
    before: null,
    after: null,
    reason: `change ${seq}`,
    prev_hash: '0',
    hash: '1',
  })

  it('pages through the oldest-first API and keeps the newest n', async () => {
    const pages = [[1, 2, 3], [4, 5, 6], [7]]
    const io = fakeIo({
      routes: {
        'GET /admin/audit': ({ url }) => {
          const i = Number(url.searchParams.get('cursor') ?? 0)
          return {
            entries: (pages[i] as number[]).map(entry),
            next_cursor: i + 1 < pages.length ? String(i + 1) : null,
          }
        },
      },
    })
    expect(await main(['audit', 'credit', '--limit', '2'], io)).toBe(0)
    const lines = io.stdout().trim().split('\n')
    expect(lines[0]).toMatch(/^SEQ\s+TIME\s+ACTOR\s+ACTION\s+TARGET\s+REASON$/)
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/)[0])).toEqual(['6', '7'])
    expect(io.calls.map((c) => new URL(c.path, 'http://x').searchParams.get('model'))).toEqual([
      'credit',
      'credit',
      'credit',
    ])
  })

  it('keeps one line per entry: long reasons are shortened unless --wide', async () => {
    expect(shorten('short', 10)).toBe('short')
    expect(shorten('a → b → c → d', 6)).toBe('a → b…')
    const long = { ...entry(1), reason: `${'x'.repeat(150)}\nsecond line` }
    const routes = { 'GET /admin/audit': () => ({ entries: [long], next_cursor: null }) }
    const narrow = fakeIo({ routes })
    expect(await main(['audit', 'credit'], narrow)).toBe(0)
    expect(narrow.stdout()).toContain(`${'x'.repeat(99)}…`)
    expect(narrow.stdout()).not.toContain('second line')
    const wide = fakeIo({ routes })
    expect(await main(['audit', 'credit', '--wide'], wide)).toBe(0)
    expect(wide.stdout()).toContain(`${'x'.repeat(150)} second line`)
  })

  it('exports CSV as the gateway writes it, header once, quoted line breaks kept inside their record', async () => {
    const page = (rows: string[]) =>
      new Response(['id,seq,reason', ...rows].join('\r\n') + '\r\n', { headers: { 'content-type': 'text/csv' } })
    const io = fakeIo({
      routes: {
        'GET /admin/audit': ({ url }) => {
          const cursor = url.searchParams.get('cursor')
          if (cursor === null)
            return new Response(page(['a,1,plain', 'b,2,"two\r\nlines"']).body, { headers: { 'x-next-cursor': 'c1' } })
          return page(['c,3,"say ""hi"""'])
        },
      },
    })
    expect(await main(['audit', 'credit', '--format', 'csv', '--limit', '2'], io)).toBe(0)
    expect(io.stdout()).toBe('id,seq,reason\r\nb,2,"two\r\nlines"\r\nc,3,"say ""hi"""\r\n')
    expect(splitCsvRecords('h\r\na,"x\ny"\nb\r\n')).toEqual(['h', 'a,"x\ny"', 'b'])
    expect(await main(['audit', 'credit', '--format', 'xml'], fakeIo())).toBe(2)
  })

  it('audit verify exits 6 when a chain is broken', async () => {
    const io = fakeIo({
      routes: {
        'GET /admin/audit/verify': () => ({
          ok: false,
          streams: [
            {
              stream: 'credit',
              ok: false,
              checked: 9,
              broken_at: { stream: 'credit', seq: 4, problem: 'hash mismatch' },
            },
          ],
        }),
      },
    })
    expect(await main(['audit', 'verify', 'credit'], io)).toBe(6)
    expect(io.stdout()).toMatch(/credit\s+NO\s+9\s+seq 4: hash mismatch/)
    expect(io.calls[0]?.path).toBe('/admin/audit/verify?model=credit')
  })
})
