/**
 * Server-side rendering of the dashboard pieces, without a browser: the shell holds no data, the
 * fragments render every state an operator meets (no rollout, awaiting approval, rolled back, no
 * data), actions follow the role, and text from the API is escaped.
 */
import { describe, expect, it } from 'vitest'
import type { RolloutView } from '../../../src/schemas/rollout-view'
import type { Series } from '../../../src/core/metrics/series'
import type { ModelView } from '../../../src/schemas/views'
import { ModelPage } from '../../../src/ui/model-page'
import { OverviewPage } from '../../../src/ui/overview'
import { SHELL_ASSETS, Shell } from '../../../src/ui/shell'
import type { ModelPageData } from '../../../src/schemas/dashboard'

const NOW = Date.UTC(2026, 10, 26, 10, 30)
const MIN = 60_000
const iso = (ms: number) => new Date(ms).toISOString()

async function render(el: unknown): Promise<string> {
  return String(await el)
}

function modelView(overrides: Partial<ModelView> = {}): ModelView {
  return {
    model: {
      name: 'credit-risk',
      risk: 'medium',
      unit_header: 'x-unit-id',
      sla: null,
      fallback_to_champion: true,
      metrics: [
        {
          name: 'repaid',
          kind: 'proportion',
          direction: 'higher_is_better',
          window_s: 3600,
          positive_labels: ['1'],
          margin: 0.02,
        },
      ],
      shadow_compare: null,
      metric_shards: 4,
      approval_policy: { two_person: ['medium', 'high'], max_unapproved_shift_percent: 10 },
      created_at: '2026-11-26T09:00:00.000Z',
      updated_at: '2026-11-26T09:00:00.000Z',
    },
    versions: [
      {
        name: 'v1',
        backend: { url: 'http://a', timeout_ms: 30000, stream_idle_timeout_ms: 30000 },
        registered_at: '2026-11-26T09:00:00.000Z',
        first_exposed_epoch: 1,
      },
      {
        name: 'v2',
        backend: { url: 'http://b', timeout_ms: 30000, stream_idle_timeout_ms: 30000 },
        registered_at: '2026-11-26T09:00:00.000Z',
        first_exposed_epoch: 4,
      },
    ],
    champion: 'v1',
    previous_champion: null,
    rollback_target: null,
    routing: { champion: 'v1', weights: { v1: 75, v2: 25 }, rules: [], shadow: null },
    epoch: 7,
    published_epoch: 7,
    bucket_ranges: [],
    active_rollout: { id: 'ro_01', phase: 'awaiting_approval' },
    warnings: [],
    ...overrides,
  }
}

function rollout(overrides: Partial<RolloutView> = {}): RolloutView {
  return {
    id: 'ro_01',
    model: 'credit-risk',
    champion: 'v1',
    challenger: 'v2',
    strategies: ['canary'],
    phase: 'awaiting_approval',
    phase_description: 'the next step needs an approver; the current exposure is held',
    terminal: false,
    step: { index: 0, kind: 'canary', label: 'canary 25%', started_at: '2026-11-26T10:00:00.000Z', epoch: 7 },
    plan: [
      { index: 0, kind: 'canary', label: 'canary 25%' },
      { index: 1, kind: 'canary', label: 'canary 100%' },
      { index: 2, kind: 'watch', label: 'watch (2 min)' },
    ],
    evaluation: { status: 'waived', report: null, reason: 'low risk', at: iso(NOW - 40 * MIN) },
    pending_approval: {
      for_step: 1,
      reason: "canary 100% gives a medium-risk model's traffic to the challenger",
      rules: ['final_step_risk'],
      requested_at: iso(NOW - MIN),
      expires_at: iso(NOW + 60 * MIN),
      evidence_hash: 'ab'.repeat(32),
    },
    approvals: [],
    allowed_actions: ['pause', 'abort', 'rollback'],
    verdicts: [
      {
        decision: 'PASS',
        reason: 'PASS: all 2 gates passed after 30 min with 1,200 exposures; SRM clean.',
        elapsed_ms: 30 * MIN,
        at: iso(NOW - MIN),
        step_index: 0,
        step_epoch: 7,
        decisive: true,
        metrics: [
          {
            metric: 'error_rate',
            test: 'event_split',
            champion: { n: 900, estimate: 0.01 },
            challenger: { n: 300, estimate: 0.01 },
            contrast: null,
            boundary: 0.3,
            p_value: 0.01,
            margin: 0.25,
            alpha: 0.025,
            decision: 'pass',
            reason: 'PASS: error_rate <fine>',
          },
        ],
        srm: { alarm: false, p_value: 0.6, observed_share: 0.25, expected_share: 0.25, reason: 'SRM clean' },
      },
    ],
    events: [
      { at: iso(NOW - 40 * MIN), type: 'started', actor: 'operator', reason: 'rollout of v2 over v1', details: null },
      {
        at: iso(NOW - MIN),
        type: 'approval_requested',
        actor: 'controller',
        reason: 'approval needed before canary 100%',
        details: null,
      },
    ],
    rollback: null,
    outcome: null,
    incident_id: null,
    created_at: new Date(NOW - 40 * MIN).toISOString(),
    updated_at: new Date(NOW - MIN).toISOString(),
    ended_at: null,
    config: {} as RolloutView['config'],
    ...overrides,
  }
}

const t = (i: number) => new Date(NOW - (3 - i) * MIN).toISOString()
function point(i: number, p: Partial<Series['points'][number]> = {}): Series['points'][number] {
  return {
    t: t(i),
    requests: 0,
    exposures: 0,
    errors: 0,
    error_rate: null,
    p50_ms: null,
    p95_ms: null,
    p99_ms: null,
    duration_p50_ms: null,
    duration_p95_ms: null,
    duration_p99_ms: null,
    shadow_pairs: 0,
    shadow_skipped: 0,
    divergence_rate: null,
    business: {},
    ...p,
  }
}

function pageData(overrides: Partial<ModelPageData> = {}): ModelPageData {
  return {
    now: NOW,
    view: modelView(),
    rollout: rollout(),
    rollouts: [],
    series: [
      {
        version: 'v1',
        arm: 'champion',
        points: [0, 1, 2, 3].map((i) =>
          point(i, {
            requests: 30 + i,
            error_rate: 0.01,
            p99_ms: 40 + i,
            business: { repaid: { n: 20, mean: 0.8, ci95: [0.7, 0.9] } },
          }),
        ),
      },
      {
        version: 'v2',
        arm: 'challenger',
        points: [0, 1, 2, 3].map((i) =>
          point(i, {
            requests: 10,
            error_rate: 0,
            p99_ms: 45,
            business: { repaid: { n: 8, mean: 0.75, ci95: [0.5, 1] } },
          }),
        ),
      },
    ],
    window: { key: '15m', from: NOW - 14 * MIN, to: NOW + MIN, stepMs: MIN, partialFrom: null },
    history: [],
    incident: null,
    audit: [
      {
        id: 'a1',
        stream: 'credit-risk',
        seq: 3,
        at: new Date(NOW - MIN).toISOString(),
        actor: 'operator:alice',
        action: 'rollout.paused',
        target: 'ro_01',
        before: null,
        after: null,
        reason: 'investigating <script>alert(1)</script>',
        prev_hash: '0',
        hash: '1',
      },
    ],
    ...overrides,
  }
}

describe('shell', () => {
  it('carries the login form, the fragment path and its own script and styles, and no data', async () => {
    const html = await render(Shell({ title: 'credit-risk', fragment: '/admin/ui/fragments/models/credit-risk' }))
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).toContain('<title>credit-risk · modelgate</title>')
    expect(html).toContain('data-fragment="/admin/ui/fragments/models/credit-risk"')
    expect(html).toContain('<form id="login-form"')
    expect(html).toContain('sessionStorage')
    // Only the dashboard's static files, from this origin (test/unit/ui/static-assets.test.ts).
    const loaded = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]*)"/g)].map((m) => m[1])
    expect(loaded).toEqual([SHELL_ASSETS.styles, SHELL_ASSETS.script])
    expect(html).not.toMatch(/data-(?:model|rollout|evidence)|<table|<svg/) // no data in the shell
  })
})

describe('overview', () => {
  it('explains what to do when there are no models', async () => {
    const html = await render(OverviewPage({ data: { now: NOW, models: [] }, role: 'operator' }))
    expect(html).toContain('No models yet')
  })

  it('shows champion, weights, phase, the pending approval and the last verdict', async () => {
    const html = await render(
      OverviewPage({
        data: {
          now: NOW,
          models: [{ name: 'credit-risk', risk: 'medium', view: modelView(), active: rollout(), latest: null }],
        },
        role: 'operator',
      }),
    )
    expect(html).toContain('href="/admin/ui/models/credit-risk"')
    expect(html).toContain('v1 75% · v2 25%')
    expect(html).toContain('class="badge ph-awaiting_approval"')
    expect(html).toContain('awaiting approval: canary 100% gives a medium-risk model&#39;s traffic')
    expect(html).toContain('PASS: all 2 gates passed')
  })
})

describe('model page', () => {
  it('renders charts, the timeline with reasons, actions and an escaped audit log', async () => {
    const html = await render(ModelPage({ data: pageData(), role: 'operator' }))
    for (const id of ['requests', 'error-rate', 'p99', 'business-repaid', 'divergence'])
      expect(html).toContain(`data-chart="${id}"`)
    expect(html).toMatch(/<path class="band arm-champion ver-0" d="M[^"]+Z"/)
    expect(html).toContain('No data in this window') // divergence: no shadow in this rollout
    expect(html).toContain('PASS: all 2 gates passed after 30 min')
    expect(html).toContain('PASS: error_rate &lt;fine&gt;')
    expect(html).toContain('data-status="held"')
    expect(html).toContain('data-status="awaiting approval"')
    expect(html).toContain(`data-evidence="${'ab'.repeat(32)}"`)
    expect(html).toContain('id="approver-token"')
    expect(html).toContain('data-action="pause" data-rollout="ro_01"')
    expect(html).toContain('data-action="rollback" data-model="credit-risk" data-champion="v1"')
    expect(html).not.toContain('<script>alert(1)</script>')
    expect(html).toContain('investigating &lt;script&gt;alert(1)&lt;/script&gt;')
  })

  it('lets an approver approve with their session, and disables operator actions', async () => {
    const html = await render(ModelPage({ data: pageData(), role: 'approver' }))
    expect(html).toContain('data-action="approve"')
    expect(html).not.toContain('id="approver-token"')
    expect(html).toMatch(/data-action="pause"[^>]*disabled/)
    expect(html).toContain('need the operator token')
  })

  it('names the version a rollback restores: the previous champion once the rollout promoted its challenger', async () => {
    const promoted = pageData({
      view: modelView({ champion: 'v2', previous_champion: 'v1' }),
      rollout: rollout({
        phase: 'watching',
        pending_approval: null,
        step: { index: 2, kind: 'watch', label: 'watch (2 min)', started_at: '2026-11-26T10:00:00.000Z', epoch: 9 },
      }),
    })
    const html = await render(ModelPage({ data: promoted, role: 'operator' }))
    expect(html).toContain('data-action="rollback" data-model="credit-risk" data-champion="v1"')
    expect(html).toContain('Roll back to v1')
  })

  it('after a completed promotion offers to undo it, and offers nothing when a rollback would publish nothing', async () => {
    const v2Only = { champion: 'v2', weights: { v2: 100 }, rules: [], shadow: null }
    const idle = (view: Partial<ModelView>) =>
      render(
        ModelPage({
          data: pageData({ view: modelView({ active_rollout: null, ...view }), rollout: null }),
          role: 'operator',
        }),
      )
    const promotedAt = iso(NOW - 2 * 60 * MIN)
    const target = { version: 'v1', promoted_at: promotedAt, expires_at: iso(NOW + 7 * 24 * 60 * MIN) }
    const undo = await idle({ champion: 'v2', previous_champion: 'v1', rollback_target: target, routing: v2Only })
    expect(undo).toContain('data-action="rollback" data-model="credit-risk" data-champion="v1"')
    expect(undo).toMatch(/Roll back to v1\s*\(v2 promoted 2 h ago\)/)
    // The window has passed (no rollback target) and v2 already serves everything: no button.
    const done = await idle({ champion: 'v2', previous_champion: 'v1', rollback_target: null, routing: v2Only })
    expect(done).not.toContain('data-action="rollback"')
    // A split by hand: the rollback would route everything back to the champion.
    const split = { champion: 'v2', weights: { v2: 80, v1: 20 }, rules: [], shadow: null }
    const manual = await idle({ champion: 'v2', previous_champion: 'v1', routing: split })
    expect(manual).toContain('Roll back to v2')
  })

  it('shows a small shadow share as it is (0.4%, not 0%)', async () => {
    const html = await render(
      ModelPage({
        data: pageData({
          view: modelView({
            routing: {
              champion: 'v1',
              weights: { v1: 100 },
              rules: [],
              shadow: { version: 'v2', sample_rate: 0.004 },
            } as ModelView['routing'],
          }),
        }),
        role: 'operator',
      }),
    )
    expect(html).toContain('v2, 0.4% copied')
  })

  it('handles a model that never had a rollout', async () => {
    const html = await render(
      ModelPage({
        data: pageData({ view: modelView({ active_rollout: null }), rollout: null, series: [] }),
        role: 'operator',
      }),
    )
    expect(html).toContain('no rollout yet')
    expect(html).not.toContain('id="timeline"')
    expect(html).not.toContain('data-action="approve"')
    expect(html).toContain('data-action="rollback"')
    expect(html.match(/No data in this window/g)?.length).toBe(5)
  })

  it('shows where a rolled-back rollout stopped and whether the rollback was confirmed', async () => {
    const r = rollout({
      phase: 'rolled_back',
      terminal: true,
      pending_approval: null,
      allowed_actions: [],
      outcome: 'rolled_back',
      ended_at: new Date(NOW).toISOString(),
      rollback: {
        at: iso(NOW - MIN),
        actor: 'controller',
        trigger: 'gate_fail',
        target: 'champion',
        version: 'v1',
        from_step: 0,
        reason: 'FAIL: error_rate',
        confirmation: { at: iso(NOW), ok: true, state: 'confirmed', time_to_confirm_ms: 60_000, details: {} },
      },
    })
    const html = await render(ModelPage({ data: pageData({ rollout: r }), role: 'operator' }))
    expect(html).toContain('Latest rollout')
    expect(html).toContain('data-status="failed"')
    expect(html).toContain('data-status="skipped"')
    expect(html).toContain('confirmation: confirmed after 1 min')
    expect(html).not.toContain('data-action="pause"')
  })

  it.each([
    [
      {
        at: iso(NOW),
        ok: false,
        state: 'checking_again' as const,
        time_to_confirm_ms: 60_000,
        details: { reason: 'error rate 12% still above baseline 1%' },
      },
      'confirmation: not confirmed yet (checked again every tick) after 1 min: error rate 12% still above baseline 1%',
    ],
    [
      {
        at: iso(NOW),
        ok: false,
        state: 'not_confirmed' as const,
        time_to_confirm_ms: 1_860_000,
        details: { reason: 'not confirmed within 30 min' },
      },
      'confirmation: NOT confirmed after 31 min: not confirmed within 30 min',
    ],
    [null, 'confirmation pending'],
  ])('words the rollback confirmation %#', async (confirmation, text) => {
    const r = rollout({
      phase: 'rolled_back',
      terminal: true,
      pending_approval: null,
      allowed_actions: [],
      outcome: 'rolled_back',
      ended_at: new Date(NOW).toISOString(),
      rollback: {
        at: iso(NOW - MIN),
        actor: 'controller',
        trigger: 'gate_fail',
        target: 'champion',
        version: 'v1',
        from_step: 0,
        reason: 'FAIL: error_rate',
        confirmation,
      },
    })
    expect(await render(ModelPage({ data: pageData({ rollout: r }), role: 'operator' }))).toContain(text)
  })
})

describe('model page ETA', () => {
  it('shows when a CONTINUE stage is expected to decide, in the rollout facts', async () => {
    const base = rollout()
    const last = { ...(base.verdicts[0] as RolloutView['verdicts'][number]), decision: 'CONTINUE' as const }
    const eta = {
      decide_at: iso(NOW + 60 * MIN),
      range: [iso(NOW + 30 * MIN), iso(NOW + 90 * MIN)] as [string, string],
      gates: [],
    }
    const html = await render(
      ModelPage({ data: pageData({ rollout: rollout({ verdicts: [{ ...last, eta }] }) }), role: 'operator' }),
    )
    expect(html).toContain('<dt>Decides</dt>')
    // Without a forecast the line is absent.
    const none = await render(
      ModelPage({ data: pageData({ rollout: rollout({ verdicts: [last] }) }), role: 'operator' }),
    )
    expect(none).not.toContain('<dt>Decides</dt>')
  })
})
