/**
 * The operator dashboard and the API docs in a real browser: Chromium (test/browser/launch.ts says
 * which build and why) driven by playwright-core against a live gateway (the deployable bundle on
 * Miniflare). Each test has a fresh page in a new browser context and seeds a model of its own
 * (traffic, outcomes and a rollout waiting for an approver), so any test passes alone (`-t`) or in
 * any order. Screenshots go to artifacts/screenshots/.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startLiveGateway, type LiveGateway } from '../../scripts/lib/live-gateway'
import { PROBE_READ, PROBE_STATIC, startUpstream, type UpstreamServer } from '../support/upstream-server'
import { launchChromium } from './launch'
import { drawn, drawnLine, expectDrawn } from './read-chart'
import { Clock, mintModel, rollout, seed, traffic, type Rollout } from './seed'

const SHOTS = path.resolve(import.meta.dirname, '..', '..', 'artifacts', 'screenshots')
/** As in the workers tests: the in-flight cap on shadow copies must not skip any here. */
// Cron runs right after traffic here: measurement batches leave every 100 ms, not every second.
const LIVE_BINDINGS = { SHADOW_MAX_INFLIGHT: '1000', MEASURE_FLUSH_MS: '100' }

// DOM globals used inside page callbacks, which run in the browser (the project has no DOM lib).
declare const document: {
  getElementById(id: string): { textContent: string | null } | null
  documentElement: { scrollHeight: number }
}
declare const innerHeight: number
declare const sessionStorage: { getItem(key: string): string | null }

interface ChartInfo {
  id: string
  legend: string[]
  series: Array<{ key: string; points: number; lineVertices: number; dots: number; band: string }>
}

let gateway: LiveGateway
let upstreams: UpstreamServer[] = []
let browser: Browser
// Per test (beforeEach): its own context and page, and what that page requested or reported.
let context: BrowserContext
let page: Page
let requests: Array<{ url: string; type: string }> = []
let foreignRequests: string[] = []
let pageErrors: string[] = []

/** A model of this test's own (with its own cron clock), seeded up to "canary 60% awaits an approver". */
async function seedModel(label: string): Promise<{ model: string; seeded: Rollout; clock: Clock }> {
  const model = mintModel(label)
  const clock = new Clock()
  const [a, b] = upstreams
  return { model, clock, seeded: await seed(gateway, { a: a!.url, b: b!.url }, clock, model) }
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })
}

/** Runs `action` with the next confirm() answered `accept`. */
async function withDialog(accept: boolean, action: () => Promise<void>): Promise<string> {
  const message = new Promise<string>((resolve) => {
    page.once('dialog', (d) => {
      resolve(d.message())
      void (accept ? d.accept() : d.dismiss())
    })
  })
  await action()
  return message
}

async function charts(): Promise<Record<string, ChartInfo>> {
  const list = await page.$$eval('#metrics figure.chart', (figs) =>
    figs.map((f) => ({
      id: f.getAttribute('data-chart') ?? '',
      legend: [...f.querySelectorAll('ul.legend li .label')].map((l) => (l.textContent ?? '').trim()),
      series: [...f.querySelectorAll('g.plot')].map((g) => ({
        key: g.getAttribute('data-series') ?? '',
        points: Number(g.getAttribute('data-points')),
        // The line and its dashed tail into the bucket still filling.
        lineVertices:
          [...g.querySelectorAll('path.series, path.partial')]
            .map((p) => p.getAttribute('d') ?? '')
            .join('')
            .match(/[ML]/g)?.length ?? 0,
        dots: g.querySelectorAll('circle').length,
        band: g.querySelector('path.band')?.getAttribute('d') ?? '',
      })),
    })),
  )
  return Object.fromEntries(list.map((c) => [c.id, c]))
}

/** Waits until the status line matches (actions report there when they finish). */
async function expectFlash(pattern: RegExp): Promise<void> {
  try {
    await page.waitForFunction(
      (src) => new RegExp(src).test(document.getElementById('flash')?.textContent ?? ''),
      pattern.source,
      { timeout: 10_000 },
    )
  } catch {
    expect(await page.textContent('#flash')).toMatch(pattern)
  }
}

/** An action finished: its report is shown and the page has reloaded its fragment. */
async function expectDone(pattern: RegExp): Promise<void> {
  await expectFlash(pattern)
  await page.waitForSelector('#main[aria-busy="false"]')
}

/** Signs in with the operator token through the login form of the page at `pathname`. */
async function signIn(pathname: string): Promise<void> {
  await page.goto(`${gateway.url}${pathname}`)
  await page.fill('#token', gateway.adminToken)
  await page.click('#login-form button[type=submit]')
  await page.waitForSelector('#main[aria-busy="false"]')
}

async function openModelPage(model: string): Promise<void> {
  await signIn(`/admin/ui/models/${model}`)
  await page.waitForSelector('#metrics figure.chart')
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  const [a, b] = await Promise.all([startUpstream('A'), startUpstream('B')])
  upstreams = [a, b]
  const [g, br] = await Promise.all([startLiveGateway({ bindings: LIVE_BINDINGS }), launchChromium()])
  gateway = g
  browser = br
}, 120_000)

afterAll(async () => {
  await browser?.close().catch(() => undefined)
  await gateway?.close()
  await Promise.all(upstreams.map((u) => u.close()))
})

beforeEach(async () => {
  requests = []
  foreignRequests = []
  pageErrors = []
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  page = await context.newPage()
  page.on('request', (r) => {
    requests.push({ url: r.url(), type: r.resourceType() })
    if (!r.url().startsWith(gateway.url) && !r.url().startsWith('data:')) foreignRequests.push(r.url())
  })
  page.on('pageerror', (e) => pageErrors.push(e.message))
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) pageErrors.push(m.text())
  })
})

// Every test's page, not only the last test's, loads nothing from outside and hits no script
// error or CSP refusal.
afterEach(async () => {
  await context?.close().catch(() => undefined)
  expect(foreignRequests, 'requests that left the gateway').toEqual([])
  expect(pageErrors, 'script errors and CSP refusals').toEqual([])
})

describe('dashboard', () => {
  it('asks for the token, shows the error for a wrong one and the overview for the right one', async () => {
    const { model, seeded } = await seedModel('overview')
    await page.goto(`${gateway.url}/admin/ui`)
    await page.waitForSelector('#login-form', { state: 'visible' })
    expect(await page.isHidden('#main')).toBe(true)
    expect(await page.isVisible('#session'), '"Signed in as" before anyone signed in').toBe(false)

    await page.fill('#token', 'not-the-token')
    await page.click('#login-form button[type=submit]')
    await page.waitForFunction(() => (document.getElementById('login-error')?.textContent ?? '').includes('not valid'))
    expect(await page.textContent('#login-error')).toMatch(/bearer token is not valid/)
    expect(await page.isVisible('#login-form')).toBe(true)
    expect(await page.evaluate(() => sessionStorage.getItem('modelgate.token'))).toBeNull()
    await shot('login-error')

    await page.fill('#token', gateway.adminToken)
    await page.click('#login-form button[type=submit]')
    const row = page.locator(`#models tr[data-model="${model}"]`)
    await row.waitFor()
    expect(await page.evaluate(() => sessionStorage.getItem('modelgate.token'))).toBe(gateway.adminToken)
    expect(await page.textContent('#role')).toBe('operator')
    const text = (await row.textContent()) ?? ''
    expect(text).toContain('v1') // champion
    expect(text).toMatch(/v1 100%/) // weights while the shadow stage holds
    expect(text).toContain('shadow v2')
    expect(text).toContain('awaiting approval') // phase
    expect(text).toContain('canary 60% is a jump of 60 points') // why
    const shadowPass = seeded.verdicts.find((v) => v.decisive && v.decision === 'PASS')
    expect(text).toContain('PASS')
    expect(text).toContain(shadowPass?.reason)
    await shot('overview')
  })

  it('draws the charts per arm with data: requests, errors, p99, the business metric with its band, divergence', async () => {
    const { model } = await seedModel('charts')
    await signIn('/admin/ui')
    await page.click(`#models a[href="/admin/ui/models/${model}"]`)
    await page.waitForSelector('#metrics figure.chart')
    expect(await page.title()).toBe(`${model} · modelgate`)
    const c = await charts()
    expect(Object.keys(c)).toEqual(['requests', 'error-rate', 'p99', 'business-repaid', 'divergence'])
    expect(c.requests?.legend).toEqual(['v1 · champion', 'v2 · shadow'])
    for (const s of c.requests?.series ?? []) expect(s.lineVertices, s.key).toBeGreaterThanOrEqual(2)
    for (const id of ['error-rate', 'p99']) {
      expect(c[id]?.series.map((s) => s.key)).toEqual(['v1|champion', 'v2|shadow'])
      for (const s of c[id]?.series ?? []) expect(s.lineVertices + s.dots, `${id} ${s.key}`).toBeGreaterThan(0)
    }
    expect(c['business-repaid']?.legend).toEqual(['v1 · champion'])
    expect(c['business-repaid']?.series[0]?.band).toMatch(/^M[\d.,LMZ]+Z$/)
    expect(c.divergence?.legend).toEqual(['v2 · shadow'])

    // The charts plot what the metrics API reports for the page's window, bucket by bucket and
    // value by value (the bucket still filling too: drawn dashed; its rates only from 20 answers).
    const win = await page.$eval('#metrics', (m) => ({
      from: Number(m.getAttribute('data-from')),
      to: Number(m.getAttribute('data-to')),
      step: Number(m.getAttribute('data-step-ms')),
      partialFrom: Number(m.getAttribute('data-partial-from') || Number.POSITIVE_INFINITY),
    }))
    const api = await gateway.admin<{
      series: Array<{
        version: string
        arm: string
        points: Array<{ t: string; requests: number; error_rate: number | null; divergence_rate: number | null }>
      }>
    }>('GET', `/models/${model}/metrics?from=${win.from}&to=${win.to - 1}&step=${win.step / 1000}`)
    type Point = (typeof api.series)[number]['points'][number]
    const wanted = (arm: string, pick: (p: Point) => number | null) =>
      (api.series.find((x) => x.arm === arm)?.points ?? []).flatMap((p) =>
        pick(p) === null ? [] : [{ t: Date.parse(p.t), v: pick(p)! }],
      )
    // Counts bucket by bucket, the filling one too; rates in the complete buckets (the filling one
    // draws its rate only from 20 answers, and may gain answers between the page and this read).
    expectDrawn(
      await drawn(page, '#chart-requests', 'v1|champion'),
      wanted('champion', (p) => p.requests),
      'requests v1',
    )
    expectDrawn(
      await drawn(page, '#chart-error-rate', 'v1|champion'),
      wanted('champion', (p) => p.error_rate),
      'errors v1',
      win.partialFrom,
    )
    expectDrawn(
      await drawn(page, '#chart-divergence', 'v2|shadow'),
      wanted('shadow', (p) => p.divergence_rate),
      'divergence',
      win.partialFrom,
    )
    expect(wanted('champion', (p) => p.requests).some((p) => p.v > 0)).toBe(true)
    const desc = (await page.textContent('#chart-divergence-desc')) ?? ''
    expect(desc).toMatch(/v2 · shadow: latest \d+(\.\d+)?%/)
  })

  it("shows the stage timeline with each verdict's decision and reason", async () => {
    const { model, seeded } = await seedModel('timeline')
    await openModelPage(model)
    const steps = page.locator('#timeline ol.timeline > li')
    expect(await steps.count()).toBe(4) // shadow, canary 60%, canary 100%, watch
    const shadowStep = steps.nth(0)
    expect(await shadowStep.getAttribute('data-status')).toBe('held') // passed; live until the approval
    // Decisive verdicts read as they are; repeated CONTINUEs as one line with the latest reason.
    const step0 = seeded.verdicts.filter((x) => x.step_index === 0)
    const shadowText = (await shadowStep.textContent()) ?? ''
    for (const v of step0.filter((x) => x.decision !== 'CONTINUE')) expect(shadowText).toContain(v.reason)
    const lastContinue = step0.filter((x) => x.decision === 'CONTINUE').at(-1)
    if (lastContinue) expect(shadowText).toContain(lastContinue.reason.replace(/^CONTINUE:\s*/, ''))
    expect(await shadowStep.locator('li[data-decision=PASS]').count()).toBeGreaterThan(0)
    expect(await steps.nth(1).getAttribute('data-status')).toBe('awaiting approval')
    expect(await page.textContent('#pending-approval')).toContain(seeded.pending_approval?.evidence_hash)
    expect(await page.locator('#events tr[data-event=approved]').count()).toBe(1)
    expect(await page.locator('#audit tr[data-action="rollout.verdict"]').count()).toBeGreaterThan(0)
    await shot('model-awaiting-approval')
  })

  it('approves with the approver token after confirming, then pauses and resumes; the API agrees', async () => {
    const { model, seeded } = await seedModel('actions')
    await openModelPage(model)
    // Without the approver token the page refuses before asking anything.
    await page.click('button[data-action=approve]')
    await expectFlash(/Paste the approver token/)

    await page.fill('#approver-token', gateway.approverToken)
    await page.fill('#action-reason', 'shadow clean, divergence within 30%')
    const question = await withDialog(true, () => page.click('button[data-action=approve]'))
    expect(question).toContain('canary 60%')
    await expectDone(/Approved: rollout ro_\w+~[\w.-]+ is progressing at canary 60%/)
    let r = await rollout(gateway, seeded.id)
    expect(r.phase).toBe('progressing')
    expect(r.step?.label).toBe('canary 60%')
    expect(r.approvals.at(-1)).toMatchObject({ approver: 'approver', for_step: 1 })
    expect(
      (await gateway.admin<{ routing: { weights: Record<string, number> } }>('GET', `/models/${model}`)).routing
        .weights,
    ).toEqual({ v1: 40, v2: 60 })

    // A dismissed confirmation changes nothing.
    await withDialog(false, () => page.click('button[data-action=rollback]'))
    await expectFlash(/Cancelled/)
    expect((await rollout(gateway, seeded.id)).phase).toBe('progressing')

    await page.waitForSelector('button[data-action=pause]')
    expect(await withDialog(true, () => page.click('button[data-action=pause]'))).toMatch(/^Pause rollout ro_/)
    await page.waitForSelector('button[data-action=resume]')
    await expectDone(/Paused: .* is paused/)
    expect((await rollout(gateway, seeded.id)).phase).toBe('paused')
    expect(await page.getAttribute('#rollout', 'data-phase')).toBe('paused')

    await withDialog(true, () => page.click('button[data-action=resume]'))
    await page.waitForSelector('button[data-action=pause]')
    await expectDone(/Resumed: .* is progressing/)
    r = await rollout(gateway, seeded.id)
    expect(r.phase).toBe('progressing')
    const actions = await page.$$eval('#audit tr[data-action]', (rows) =>
      rows.map((tr) => tr.getAttribute('data-action')),
    )
    expect(actions).toEqual(expect.arrayContaining(['rollout.approved', 'rollout.paused', 'rollout.resumed']))
    await shot('model-after-actions')
  })

  it('after canary traffic and a tick, shows the challenger arm and the canary verdict', async () => {
    // The state that the approve/pause/resume test reaches through the dashboard, made here through
    // the API: canary 60% approved, then paused and resumed.
    const { model, seeded, clock } = await seedModel('canary')
    await gateway.admin(
      'POST',
      `/rollouts/${seeded.id}/approve`,
      { evidence_hash: seeded.pending_approval?.evidence_hash, comment: 'shadow clean' },
      gateway.approverToken,
    )
    await gateway.admin('POST', `/rollouts/${seeded.id}/pause`, { reason: 'look at the canary first' })
    await gateway.admin('POST', `/rollouts/${seeded.id}/resume`, { reason: 'looked' })
    const live = await rollout(gateway, seeded.id)
    expect([live.phase, live.step?.label]).toEqual(['progressing', 'canary 60%'])

    await clock.outcomesOpen()
    const served = await traffic(gateway, model, 400)
    expect(served.v2).toBeGreaterThan(150)
    await gateway.scheduled(clock.next())
    const r = await rollout(gateway, seeded.id)
    const canary = r.verdicts.filter((v) => v.step_index === 1)
    expect(canary.length).toBeGreaterThan(0)

    await openModelPage(model)
    await page.click('#metrics nav a[href="?window=15m"]')
    await page.waitForSelector('#metrics nav a[href="?window=15m"][aria-current]')
    expect(page.url()).toMatch(new RegExp(`/admin/ui/models/${model}\\?window=15m$`))
    const c = await charts()
    expect(c.requests?.legend).toEqual(['v1 · champion', 'v2 · challenger', 'v2 · shadow'])
    expect(c['business-repaid']?.legend).toEqual(['v1 · champion', 'v2 · challenger'])
    for (const s of c['business-repaid']?.series ?? []) expect(s.band, s.key).not.toBe('')
    const events = await page.$$eval('#events tr[data-event]', (rows) =>
      rows.map((tr) => tr.getAttribute('data-event')),
    )
    expect(events).toEqual(
      expect.arrayContaining(['started', 'approved', 'step_live', 'approval_requested', 'paused', 'resumed']),
    )
    const step = page.locator('#timeline ol.timeline > li[data-step="1"]')
    const canaryText = (await step.textContent()) ?? ''
    for (const v of canary) expect(canaryText).toContain(v.reason.replace(/^CONTINUE:\s*/, ''))
    await shot('model-canary')
  })
})

describe('a demo-like rollout', () => {
  it('after ~100 ticks: a decision chart per gate with its margin, stage marks, folded CONTINUEs, values as the API reports', async () => {
    const { model, seeded, clock } = await seedModel('demo')
    await gateway.admin(
      'POST',
      `/rollouts/${seeded.id}/approve`,
      { evidence_hash: seeded.pending_approval?.evidence_hash },
      gateway.approverToken,
    )
    await clock.outcomesOpen()
    await traffic(gateway, model, 400)
    // The demo's cron ticks every few seconds: 100 ticks a second apart. The canary holds with
    // CONTINUE until its outcomes mature and its minute has passed, then (if its gates pass) the
    // rollout moves on and the next stage holds in turn.
    for (let i = 0; i < 100; i++) await gateway.scheduled(clock.after(1_000))
    const history = (
      await gateway.admin<{ verdicts: Rollout['verdicts'] }>('GET', `/rollouts/${seeded.id}/verdicts?limit=1000`)
    ).verdicts
    const continuesOf = (step: number) => history.filter((v) => v.step_index === step && v.decision === 'CONTINUE')
    const steps = [...new Set(history.map((v) => v.step_index))].filter((i) => continuesOf(i).length > 0)
    expect(steps.reduce((n, i) => n + continuesOf(i).length, 0)).toBeGreaterThanOrEqual(90)

    await openModelPage(model)
    await page.waitForSelector('#decisions figure.decision')

    // A decision chart for each gate of each stage with verdicts: shadow (error rate, divergence), canary.
    const charts = await page.$$eval('#decisions figure.decision', (figs) =>
      figs.map((f) => ({
        id: f.getAttribute('data-decision-chart'),
        lines: [...f.querySelectorAll('g.ref')].map((g) => [
          g.getAttribute('data-line'),
          Number(g.getAttribute('data-y')),
        ]),
        crossing: f.querySelector('g.crossing')?.getAttribute('data-crossing') ?? null,
      })),
    )
    const gates = new Set(history.flatMap((v) => v.metrics.map((m) => `${v.step_index}-${m.metric}`)))
    expect(charts.map((c) => c.id).sort()).toEqual([...gates].sort())
    expect(gates.has('1-repaid')).toBe(true)
    console.log(
      'DEBUG',
      JSON.stringify(
        history
          .map((v) => [v.step_index, v.decision, v.reason.slice(0, 90)])
          .filter((x, i, all) => i === 0 || x[1] !== all[i - 1]![1] || x[0] !== all[i - 1]![0]),
      ),
    )
    const repaid = charts.find((c) => c.id === '1-repaid')
    expect(repaid?.lines).toEqual([['pass', -0.3]]) // ROLLOUT.gates.canary: repaid margin 0.3
    // The shadow stage passed: its divergence band cleared the 30% maximum at the decisive tick.
    const shadowPass = history.find((v) => v.step_index === 0 && v.decisive)
    expect(shadowPass?.decision).toBe('PASS')
    expect(charts.find((c) => c.id === '0-divergence')?.crossing).toBe('pass')

    // The estimate drawn is the challenger against the champion, relative, at every tick: for a
    // higher-is-better proportion ȳ_B/ȳ_A − 1, computed here from the arms' estimates alone.
    const want = (step: number) =>
      history
        .filter((v) => v.step_index === step)
        .flatMap((v) => {
          const m = v.metrics.find((x) => x.metric === 'repaid')
          const a = m?.champion.estimate ?? null
          const b = m?.challenger.estimate ?? null
          return m && a !== null && b !== null && a > 0 && m.contrast !== null && m.boundary !== null
            ? [{ t: Date.parse(v.at), v: b / a - 1 }]
            : []
        })
    expect(want(1).length).toBeGreaterThan(20)
    for (const step of [1, 2, 3].filter((i) => gates.has(`${i}-repaid`)))
      expectDrawn(await drawn(page, `#decision-${step}-repaid`, 'estimate'), want(step), `repaid δ at step ${step}`)
    // The margin line sits where the axis puts −30%.
    const line = await drawnLine(page, '#decision-1-repaid', 'pass')
    expect(Math.abs(line - -0.3)).toBeLessThan(0.005)

    // Stage boundaries on every time chart: the canary went live after the shadow stage.
    const marks = await page.$$eval('#metrics figure.chart', (figs) =>
      figs.map((f) => [...f.querySelectorAll('g.mark')].map((g) => g.getAttribute('data-mark'))),
    )
    for (const m of marks) expect(m).toEqual(expect.arrayContaining(['start', 'stage']))

    // Each stage's CONTINUEs fold into one line with the count and the latest numbers.
    for (const step of steps) {
      const continues = continuesOf(step)
      const folded = page.locator(`#timeline li[data-step="${step}"] ul.verdicts > li[data-decision=CONTINUE]`)
      expect(await folded.count(), `step ${step}`).toBe(1)
      expect(Number(await folded.getAttribute('data-count'))).toBe(continues.length)
      const text = (await folded.textContent()) ?? ''
      if (continues.length > 1) expect(text).toContain(`CONTINUE ×${continues.length} — `)
      expect(text).toContain(continues.at(-1)!.reason.replace(/^CONTINUE:\s*/, ''))
    }
    const audit = page.locator('#audit tr[data-action="rollout.verdict"][data-count]')
    const counts = await audit.evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-count'))))
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(50)

    await shot('model-demo-100-ticks')
    await page.locator('#decisions').screenshot({ path: path.join(SHOTS, 'model-demo-decisions.png') })
    const size = await page.evaluate(() => ({ doc: document.documentElement.scrollHeight, view: innerHeight }))
    expect(size.doc).toBeLessThan(3 * size.view)
  }, 240_000)
})

describe('API docs', () => {
  it('renders Swagger UI from the Worker with every operation of /admin/openapi.json', async () => {
    const spec = (await (await fetch(`${gateway.url}/admin/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>
    }
    const operations = Object.values(spec.paths).flatMap((p) =>
      Object.keys(p).filter((k) => ['get', 'put', 'post', 'delete', 'patch'].includes(k)),
    )
    await page.goto(`${gateway.url}/admin/docs`)
    await page.waitForSelector('.swagger-ui .opblock-summary')
    expect(await page.textContent('.swagger-ui .info .title')).toContain('modelgate admin API')
    expect(await page.locator('.swagger-ui .opblock').count()).toBe(operations.length)
    expect(
      await page.locator('.swagger-ui .opblock-summary-path', { hasText: '/admin/rollouts/{id}/approve' }).count(),
    ).toBe(1)
    await shot('api-docs')
  })

  it('loaded nothing from outside the gateway and hit no script error or CSP refusal', async () => {
    // The pages the other tests visit, in one tab: login, a model page with its charts, the
    // overview, the API docs. (afterEach checks every other test's page the same way.)
    const { model } = await seedModel('assets')
    await openModelPage(model)
    await page.click('header nav a[href="/admin/ui"]')
    await page.locator(`#models tr[data-model="${model}"]`).waitFor()
    await page.goto(`${gateway.url}/admin/docs`)
    await page.waitForSelector('.swagger-ui .opblock-summary')

    // It did load things, all from the gateway: pages, the fragments, scripts and styles.
    const types = new Set(requests.filter((r) => r.url.startsWith(gateway.url)).map((r) => r.type))
    for (const t of ['document', 'fetch', 'script', 'stylesheet']) expect(types, t).toContain(t)
    expect(foreignRequests).toEqual([])
    expect(pageErrors).toEqual([])
  })
})

describe("a model's answer in the browser", () => {
  it("cannot read the operator's token: the page a model returns runs in a sandbox, not on the gateway's origin", async () => {
    // Two models answering HTML whose script reads sessionStorage; the second's upstream also sends
    // its own CSP asking for a sandbox that allows scripts and the origin.
    const [a] = upstreams
    const models: string[] = []
    for (const mode of ['html-probe', 'html-probe-csp']) {
      const model = mintModel('answer')
      await gateway.admin('PUT', `/models/${model}`, { risk: 'low' })
      await gateway.admin('PUT', `/models/${model}/versions/v1`, { backend: { url: `${a!.url}/mode/${mode}` } })
      await gateway.admin('POST', `/models/${model}/champion`, { version: 'v1' })
      models.push(model)
    }
    // Signed in: the token is in this tab's sessionStorage for the gateway's origin, which
    // survives navigating the tab to the model's URL on the same origin.
    await signIn('/admin/ui')
    expect(await page.evaluate(() => sessionStorage.getItem('modelgate.token'))).toBe(gateway.adminToken)
    for (const [i, model] of models.entries()) {
      const res = await page.goto(`${gateway.url}/v1/models/${model}/chat`)
      expect(res?.status()).toBe(200)
      expect(res?.headers()['content-type']).toContain('text/html')
      // Playwright joins repeated header lines with a newline: the gateway's policy comes last.
      expect(res?.headers()['content-security-policy']?.split(/,|\n/).at(-1)?.trim()).toBe('sandbox')
      // The page was rendered (its static title), and its script never ran: nothing read, nothing
      // reported. Without the sandbox the title would be PROBE_READ and the token.
      const title = await page.title()
      expect(title, model).toBe(PROBE_STATIC)
      expect(title).not.toContain(PROBE_READ)
      expect(title).not.toContain(gateway.adminToken)
      await shot(`model-answer-${i === 0 ? 'plain' : 'upstream-csp'}`)
    }
    // The token was there all along: back on the dashboard, the same tab is still signed in.
    await page.goto(`${gateway.url}/admin/ui`)
    await page.waitForSelector('#main[aria-busy="false"]')
    expect(await page.evaluate(() => sessionStorage.getItem('modelgate.token'))).toBe(gateway.adminToken)
  })
})
