/**
 * What an operator reads about each model, in the overview row and on the model page, for every
 * state a model can be in: serving without a rollout, a rollout in a stage with its ETA, awaiting
 * approval, and a finished rollout by its outcome (promoted, rolled back with its incident and
 * retrospective, aborted). Buttons appear only where they would act.
 */
import { describe, expect, it } from 'vitest'
import type { IncidentView } from '../../../src/schemas/incident'
import type { RolloutSummary, RolloutView } from '../../../src/schemas/rollout-view'
import type { ModelView } from '../../../src/schemas/views'
import type { ModelPageData, OverviewModel } from '../../../src/schemas/dashboard'
import { ModelPage } from '../../../src/ui/model-page'
import { OverviewPage } from '../../../src/ui/overview'
import { DashboardService, type DashboardDeps } from '../../../src/services/dashboard'

const NOW = Date.UTC(2026, 10, 26, 10, 30)
const MIN = 60_000
const iso = (ms: number) => new Date(ms).toISOString()
/** The dashboard writes times in UTC as "2026-11-26 08:30:00 UTC". */
const ENDED = NOW - 2 * 60 * MIN
const ENDED_WORDS = '2026-11-26 08:30:00 UTC'
const MODEL = 'credit-risk'

const only = (v: string) => ({ champion: v, weights: { [v]: 100 }, rules: [], shadow: null })

function view(overrides: Partial<ModelView> = {}): ModelView {
  const version = (name: string) => ({
    name,
    backend: { url: `http://${name}`, timeout_ms: 30000, stream_idle_timeout_ms: 30000 },
    registered_at: iso(NOW - 600 * MIN),
    first_exposed_epoch: 1,
  })
  return {
    model: {
      name: MODEL,
      risk: 'medium',
      unit_header: 'x-unit-id',
      sla: null,
      fallback_to_champion: true,
      metrics: [],
      shadow_compare: null,
      metric_shards: 4,
      approval_policy: { two_person: ['high'], max_unapproved_shift_percent: 10 },
      created_at: iso(NOW - 600 * MIN),
      updated_at: iso(NOW - 600 * MIN),
    },
    versions: [version('v1'), version('v2')],
    champion: 'v1',
    previous_champion: null,
    rollback_target: null,
    routing: only('v1'),
    epoch: 7,
    published_epoch: 7,
    bucket_ranges: [],
    active_rollout: null,
    warnings: [],
    ...overrides,
  } as ModelView
}

const PLAN = [
  { index: 0, kind: 'canary', label: 'canary 25%' },
  { index: 1, kind: 'canary', label: 'canary 100%' },
  { index: 2, kind: 'watch', label: 'watch (2 min)' },
]

function rollout(overrides: Partial<RolloutView> = {}): RolloutView {
  return {
    id: 'ro_01',
    model: MODEL,
    champion: 'v1',
    challenger: 'v2',
    strategies: ['canary'],
    phase: 'progressing',
    phase_description: 'the challenger serves its share while the gates decide',
    terminal: false,
    step: { index: 0, kind: 'canary', label: 'canary 25%', started_at: iso(NOW - 30 * MIN), epoch: 7 },
    plan: PLAN,
    evaluation: { status: 'waived', report: null, reason: 'low risk', at: iso(NOW - 40 * MIN) },
    pending_approval: null,
    approvals: [],
    allowed_actions: ['pause', 'abort', 'rollback'],
    verdicts: [],
    events: [],
    rollback: null,
    outcome: null,
    incident_id: null,
    created_at: iso(NOW - 40 * MIN),
    updated_at: iso(NOW - MIN),
    ended_at: null,
    config: {} as RolloutView['config'],
    ...overrides,
  } as RolloutView
}

/** A finished rollout, as the service shows it: terminal, no operator action left. */
function finished(outcome: 'promoted' | 'rolled_back' | 'aborted', overrides: Partial<RolloutView> = {}) {
  const phase = outcome === 'promoted' ? 'completed' : outcome
  return rollout({
    phase,
    terminal: true,
    allowed_actions: [],
    outcome,
    ended_at: iso(ENDED),
    updated_at: iso(ENDED),
    ...overrides,
  })
}

/** The rollout's list row, as D1 gives it. */
function summary(r: RolloutView): RolloutSummary {
  const { id, model, champion, challenger, strategies, phase, outcome, created_at, updated_at, ended_at } = r
  const names = { id, model, champion, challenger, strategies, phase, outcome }
  return { ...names, step_index: r.step?.index ?? 0, created_at, updated_at, ended_at, last_verdict: null }
}

function incident(id: string, retrospective: IncidentView['retrospective']): IncidentView {
  const summary = `${MODEL}: v2 rolled back (FAIL: error_rate)`
  const at = iso(ENDED)
  return {
    id,
    model: MODEL,
    rollout_id: 'ro_01',
    at,
    trigger: 'gate_fail',
    actor: 'controller',
    summary,
    retrospective,
    impact: null,
    confirmation: null,
    open_action_items: 0,
    updated_at: at,
  }
}

const rolledBack = (incidentId: string) =>
  finished('rolled_back', {
    incident_id: incidentId,
    rollback: {
      at: iso(ENDED),
      actor: 'controller',
      trigger: 'gate_fail',
      target: 'champion',
      version: 'v1',
      from_step: 0,
      reason: 'FAIL: error_rate',
      confirmation: null,
    },
  })

interface Case {
  view: ModelView
  rollout: RolloutView | null
  incident?: IncidentView | null
}

async function overviewRow(c: Case): Promise<{ state: string; html: string }> {
  const active = c.rollout && !c.rollout.terminal ? c.rollout : null
  const m: OverviewModel = {
    name: MODEL,
    risk: 'medium',
    view: c.view,
    active,
    latest: c.rollout ? summary(c.rollout) : null,
    incident_id: c.rollout?.incident_id ?? null,
  }
  const html = String(await OverviewPage({ data: { now: NOW, models: [m] }, role: 'operator' }))
  const state = /<span class="state">([\s\S]*?)<\/span>/.exec(html)?.[1] ?? ''
  return { state: state.replace(/<[^>]+>/g, '').replace(/&#39;/g, "'"), html }
}

async function page(c: Case, role = 'operator'): Promise<string> {
  const data: ModelPageData = {
    now: NOW,
    view: c.view,
    rollout: c.rollout,
    rollouts: c.rollout ? [summary(c.rollout)] : [],
    series: [],
    window: { key: '1h', from: NOW - 59 * MIN, to: NOW + MIN, stepMs: MIN, partialFrom: null },
    history: [],
    incident: c.incident ?? null,
    audit: [],
  }
  return String(await ModelPage({ data, role }))
}

/** The action buttons on a page, by their data-action. */
const actions = (html: string) => [...html.matchAll(/<button[^>]*data-action="([a-z]+)"/g)].map((m) => m[1]).sort()
/** The text of the model page's champion card. */
const championCard = (html: string) =>
  /<dt>Champion<\/dt><dd>([\s\S]*?)<\/dd>/.exec(html)?.[1]?.replace(/<[^>]+>/g, '') ?? null
/** From the div with this id to the end of its section (the incident panel closes the rollout section). */
const byId = (html: string, id: string) => {
  const start = html.search(new RegExp(`<div[^>]*id="${id}"`))
  return start < 0 ? null : html.slice(start, html.indexOf('</section>', start))
}

describe('finished rollouts, by outcome', () => {
  const promoted: Case = {
    view: view({
      champion: 'v2',
      previous_champion: 'v1',
      rollback_target: { version: 'v1', promoted_at: iso(ENDED), expires_at: iso(NOW + 7 * 24 * 60 * MIN) },
      routing: only('v2'),
    }),
    rollout: finished('promoted'),
  }

  it('promoted: says so with its date, offers to undo it while the window lasts, and nothing else', async () => {
    const row = await overviewRow(promoted)
    expect(row.state).toBe(`serving v2; promoted on ${ENDED_WORDS}`)
    expect(row.html).toContain(`Promoted v2 on ${ENDED_WORDS} (it replaced v1).`)
    expect(row.html).not.toContain('#incident')
    const html = await page(promoted)
    expect(html).toContain(`Promoted v2 on ${ENDED_WORDS} (it replaced v1).`)
    expect(html).toContain('Latest rollout')
    expect(championCard(html)).toBe('v2 (previously v1)')
    expect(actions(html)).toEqual(['rollback'])
    expect(html).toMatch(/data-action="rollback" data-model="credit-risk" data-champion="v1"/)
    expect(html).toMatch(/Roll back to v1\s*\(v2 promoted 2 h ago\)/)
    expect(html).not.toContain('id="incident"')
  })

  it('promoted, window over: v2 already serves everything, so there is no rollback button', async () => {
    const html = await page({ ...promoted, view: { ...promoted.view, rollback_target: null } })
    expect(actions(html)).toEqual([])
    expect(championCard(html)).toBe('v2 (previously v1)')
  })

  const withRetro: Case = {
    view: view(),
    rollout: rolledBack('inc_01'),
    incident: incident('inc_01', {
      root_cause: 'a schema change in v2 broke the repaid label',
      action_items: [{ text: 'add a contract test', owner: 'bob', status: 'open' }],
      recorded_by: 'operator:alice',
      recorded_at: iso(NOW - 30 * MIN),
    }),
  }

  it('rolled back: the overview links the incident, which the model page shows with its retrospective', async () => {
    const row = await overviewRow(withRetro)
    expect(row.state).toBe(`serving v1; rolled back on ${ENDED_WORDS} (incident)`)
    expect(row.html).toContain(`Rolled back on ${ENDED_WORDS}: v1 serves again, v2 was withdrawn.`)
    const href = /<a href="([^"]*)">incident<\/a>/.exec(row.html)?.[1]
    expect(href).toBe('/admin/ui/models/credit-risk#incident')

    const html = await page(withRetro)
    expect(html).toContain(`Rolled back on ${ENDED_WORDS}: v1 serves again, v2 was withdrawn.`)
    // The overview's anchor and the page's own links lead to the panel holding the incident and its retrospective.
    expect(html).toMatch(/<a href="#incident">Incident and retrospective<\/a>/)
    const panel = byId(html, (href ?? '').split('#')[1] ?? '')
    expect(panel).not.toBeNull()
    expect(panel).toContain('inc_01')
    expect(panel).toContain('v2 rolled back (FAIL: error_rate)')
    expect(panel).toContain('id="retrospective"')
    expect(panel).toContain('a schema change in v2 broke the repaid label')
    expect(panel).toContain('add a contract test')
    // v1 already serves everything: a rollback would publish nothing; the rollout is over.
    expect(actions(html)).toEqual([])
    expect(championCard(html)).toBe('v1')
  })

  it('rolled back without a retrospective: the incident says how to record one', async () => {
    const c: Case = { view: view(), rollout: rolledBack('inc_02'), incident: incident('inc_02', null) }
    expect((await overviewRow(c)).state).toBe(`serving v1; rolled back on ${ENDED_WORDS} (incident)`)
    const panel = byId(await page(c), 'incident')
    expect(panel).toContain('inc_02')
    expect(panel).toContain('No retrospective yet')
    expect(panel).toContain('POST /admin/incidents/inc_02/retrospective')
  })

  it('rolled back before the challenger served (no incident opened): no link to an incident that does not exist', async () => {
    const c: Case = { view: view(), rollout: finished('rolled_back') }
    const row = await overviewRow(c)
    expect(row.state).toBe(`serving v1; rolled back on ${ENDED_WORDS}`)
    expect(row.html).not.toContain('#incident')
    const html = await page(c)
    expect(html).toContain(`Rolled back on ${ENDED_WORDS}: v1 serves again, v2 was withdrawn.`)
    expect(html).not.toContain('#incident')
    expect(html).not.toContain('id="incident"')
  })

  it('aborted: the champion kept serving, no incident, no buttons', async () => {
    const c: Case = { view: view(), rollout: finished('aborted') }
    const row = await overviewRow(c)
    expect(row.state).toBe(`serving v1; last rollout aborted on ${ENDED_WORDS}`)
    expect(row.html).toContain(`Aborted on ${ENDED_WORDS}: v1 kept serving.`)
    expect(row.html).not.toContain('#incident')
    const html = await page(c)
    expect(html).toContain(`Aborted on ${ENDED_WORDS}: v1 kept serving.`)
    expect(html).not.toContain('id="incident"')
    expect(actions(html)).toEqual([])
  })
})

describe('models without a finished rollout', () => {
  it('serving, never rolled out: the champion in words, no rollback to nowhere', async () => {
    const c: Case = { view: view(), rollout: null }
    const row = await overviewRow(c)
    expect(row.state).toBe('serving v1')
    expect(row.html).toContain('none yet')
    const html = await page(c)
    expect(html).toContain('no rollout yet')
    expect(championCard(html)).toBe('v1')
    expect(actions(html)).toEqual([])
  })

  it('a rollout in a stage: its stage and ETA in words; pause and rollback act on it', async () => {
    const eta = { decide_at: iso(NOW + 60 * MIN), range: [iso(NOW + 30 * MIN), iso(NOW + 90 * MIN)], gates: [] }
    const verdict = {
      decision: 'CONTINUE',
      reason: 'CONTINUE: not enough data yet',
      elapsed_ms: 30 * MIN,
      at: iso(NOW - MIN),
      step_index: 0,
      step_epoch: 7,
      decisive: false,
      metrics: [],
      srm: null,
      eta,
    }
    const r = rollout({ verdicts: [verdict] as unknown as RolloutView['verdicts'] })
    const c: Case = {
      view: view({
        routing: { ...only('v1'), weights: { v1: 75, v2: 25 } },
        active_rollout: { id: 'ro_01', phase: 'progressing' },
      }),
      rollout: r,
    }
    const row = await overviewRow(c)
    expect(row.state).toBe('serving v1; rollout in stage canary 25%, ETA ~ 11:30 (11:00–12:00)')
    const html = await page(c)
    expect(html).toMatch(/<dt>Decides<\/dt><dd>ETA ~ 11:30 \(11:00–12:00\)<\/dd>/)
    expect(actions(html)).toEqual(['pause', 'rollback'])
    expect(html).toContain('data-action="rollback" data-model="credit-risk" data-champion="v1"')
    expect(html).not.toContain('id="outcome"')
  })

  it('awaiting approval: says for which step and by whom; the approver can approve', async () => {
    const r = rollout({
      phase: 'awaiting_approval',
      pending_approval: {
        for_step: 1,
        reason: "canary 100% gives a medium-risk model's traffic to the challenger",
        rules: ['final_step_risk'],
        requested_at: iso(NOW - MIN),
        expires_at: iso(NOW + 60 * MIN),
        evidence_hash: 'ab'.repeat(32),
      },
    })
    const c: Case = {
      view: view({
        routing: { ...only('v1'), weights: { v1: 75, v2: 25 } },
        active_rollout: { id: 'ro_01', phase: 'awaiting_approval' },
      }),
      rollout: r,
    }
    const row = await overviewRow(c)
    expect(row.state).toBe('serving v1; awaiting approval for canary 100% (by an approver; final_step_risk)')
    const html = await page(c, 'approver')
    expect(html).toContain('Approve canary 100%')
    expect(actions(html)).toEqual(['approve', 'pause', 'rollback'])
  })
})

describe('overview data', () => {
  it("reads a rolled-back rollout's incident id, so the row links only an incident that exists", async () => {
    const rollouts = [
      rolledBack('inc_01'),
      finished('rolled_back', { id: 'ro_02' }),
      finished('aborted', { id: 'ro_03' }),
    ]
    const names = ['a', 'b', 'c']
    const deps = {
      registry: { models: async () => names.map((name) => ({ name, risk: 'low' })), view: async () => view() },
      rollouts: {
        list: async (model: string) => [summary(rollouts[names.indexOf(model)] as RolloutView)],
        get: async (id: string) => rollouts.find((r) => r.id === id),
      },
    } as unknown as DashboardDeps
    const data = await new DashboardService(deps).overview(NOW)
    expect(data.models.map((m) => m.incident_id ?? null)).toEqual(['inc_01', null, null])
  })
})
