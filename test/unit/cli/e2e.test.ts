/**
 * End to end: the real CLI (`node bin/modelgate.mjs`, a child process) against the real gateway
 * bundle on Miniflare, with a real model backend. Covers every command once, the exit codes
 * scripts rely on, and the acceptance path of the rollback runbook: on a model with traffic,
 * `modelgate rollback` moves all traffic to the champion and reports the confirmation.
 *
 * Cron never fires on its own here: the test runs the scheduled handler (`gw.scheduled`) while
 * the CLI waits, as the per-minute cron would.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLiveGateway, type LiveGateway } from '../../../scripts/lib/live-gateway'
import { deadPort, startUpstream, type UpstreamServer } from '../../support/upstream-server'

const root = path.resolve(import.meta.dirname, '..', '..', '..')
const bin = path.join(root, 'bin', 'modelgate.mjs')
const MODEL = 'credit'

let gw: LiveGateway
let upstream: UpstreamServer
let work: string

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Starts the CLI; `onStdout` sees output as it arrives. Runs in a scratch dir (no .dev.vars). */
function start(args: string[], env: Record<string, string> = {}, onStdout?: (all: string) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: work,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? work,
        MODELGATE_URL: gw.url,
        MODELGATE_TOKEN: gw.adminToken,
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
      onStdout?.(stdout)
    })
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.stdin.end() // not a terminal: prompts must refuse, not hang
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

const cli = (...args: string[]) => start(args)

let unit = 0
/** n predictions with fresh unit ids, `concurrency` at a time; returns requests per version. */
async function traffic(n: number, concurrency = 20): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (let i = 0; i < n; i += concurrency) {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, n - i) }, async () => {
        const x = unit++
        const res = await fetch(`${gw.url}/v1/models/${MODEL}/predict`, {
          method: 'POST',
          headers: { 'x-unit-id': `unit-${x}`, 'content-type': 'application/json' },
          body: JSON.stringify({ x }),
        })
        await res.arrayBuffer()
        const v = res.headers.get('x-model-version') ?? `status-${res.status}`
        counts[v] = (counts[v] ?? 0) + 1
      }),
    )
  }
  return counts
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'modelgate-cli-e2e-'))
  // The test runs cron right after its traffic: batches leave every 100 ms instead of every second.
  ;[gw, upstream] = await Promise.all([
    startLiveGateway({ bindings: { MEASURE_FLUSH_MS: '100' } }),
    startUpstream('cli-e2e'),
  ])
  await gw.admin('PUT', `/models/${MODEL}`, { risk: 'medium' })
  await gw.admin('PUT', `/models/${MODEL}/versions/v1`, { backend: { url: `${upstream.url}/mode/predict-label-0` } })
  await gw.admin('PUT', `/models/${MODEL}/versions/v2`, { backend: { url: `${upstream.url}/mode/predict-label-0` } })
  await gw.admin('POST', `/models/${MODEL}/champion`, { version: 'v1' })
  // The offline report and small-sample gates of the integration tests (test/integration/helpers/rollout.ts).
  writeFileSync(
    path.join(work, 'report.json'),
    JSON.stringify({
      quality: { metric: 'auc', challenger: 0.81, champion: 0.8, threshold: 0.75 },
      fairness: [{ metric: 'demographic_parity_difference', value: 0.02, threshold: 0.05 }],
      latency: { p99_ms: 40 },
      slices: [{ name: 'new_customers', challenger: 0.78, champion: 0.77 }],
    }),
  )
  const small = { min_sample: 100, error_rate: { margin: 0.25, floor: 0.1 } }
  writeFileSync(path.join(work, 'gates.json'), JSON.stringify({ canary: small, watch: small }))
}, 90_000)

afterAll(async () => {
  await Promise.all([gw?.close(), upstream?.close()])
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('modelgate against a live gateway', () => {
  it("lists models and shows a model's status", async () => {
    const [models, asJson, status] = await Promise.all([cli('models'), cli('models', '--json'), cli('status', MODEL)])
    expect(models.code, models.stderr).toBe(0)
    // Other tests of this file register models of their own, before or after this one.
    expect(models.stdout).toMatch(/^MODEL\s+RISK\s+CHAMPION\s+EPOCH\s+WEIGHTS\s+ROLLOUT\s+PHASE\n/)
    expect(models.stdout).toMatch(/^credit\s+medium\s+v1\s+\d+\s+v1 100%\s+—\s+—$/m)
    const listed = JSON.parse(asJson.stdout).models.find((m: { model: { name: string } }) => m.model.name === MODEL)
    expect(listed).toMatchObject({ champion: 'v1', active_rollout: null })
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toMatch(/ROUTING \(epoch \d+\): v1 100%/)
    expect(status.stdout).toMatch(/v1\s+100%\s+\[0, 10000\)/)
    expect(status.stdout).toContain('ROLLOUT: none active')
  }, 30_000)

  it('exits with the documented codes on bad usage, refusals and an unreachable gateway', async () => {
    const port = await deadPort()
    const [unknownModel, missingFlag, unknownCommand, badToken, unreachable, badVersion] = await Promise.all([
      cli('status', 'nope'),
      cli('rollout', 'start', MODEL, '--strategy', 'canary'),
      cli('frobnicate'),
      start(['models'], { MODELGATE_TOKEN: 'not-the-token' }),
      start(['models'], { MODELGATE_URL: `http://127.0.0.1:${port}` }),
      cli('rollout', 'start', MODEL, '--challenger', 'v9', '--strategy', 'canary', '--waive-evaluation'),
    ])
    expect(unknownModel.code).toBe(3)
    expect(unknownModel.stderr).toMatch(
      /^error: Unknown model \(404 model_not_found\)\n  model nope is not registered\n  request id: req_\w+\n$/,
    )
    expect(missingFlag.code).toBe(2)
    expect(missingFlag.stderr).toContain('--challenger is required')
    expect(unknownCommand.code).toBe(2)
    expect(badToken.code).toBe(3)
    expect(badToken.stderr).toContain('Missing or invalid credentials (401 unauthorized)')
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toContain('ECONNREFUSED')
    expect(badVersion.code).toBe(3)
    expect(badVersion.stderr).toContain('  - challenger: register v9 first')
  }, 30_000)

  it('runs a rollout: start, approve, pause, resume, verdicts, promote; then the one-command rollback is confirmed', async () => {
    const started = await cli(
      'rollout',
      'start',
      MODEL,
      '--challenger',
      'v2',
      '--strategy',
      'canary',
      '--stages',
      '25,50,100',
      '--stage-min',
      '60s',
      '--watch',
      '2m',
      '--gates',
      'gates.json',
      '--actor',
      'alice',
      '--reason',
      'e2e',
    )
    expect(started.code, started.stderr).toBe(0)
    const id = /rollout (ro_[0-9a-z]{26}~credit)/.exec(started.stdout)?.[1] as string
    expect(id).toBeDefined()
    expect(started.stdout).toContain('plan:       canary 25% → canary 50% → canary 100% → watch (2 min)')
    expect(started.stdout).toMatch(/phase:\s+awaiting_evaluation/)
    expect(started.stdout).toContain(`modelgate rollout evaluate ${id} report.json`)

    // The offline report, submitted by its own command; then the weak gates need an approver.
    const evaluated = await cli('rollout', 'evaluate', id, 'report.json')
    expect(evaluated.code, evaluated.stderr).toBe(0)
    expect(evaluated.stdout).toMatch(/^evaluation passed: /)
    expect(evaluated.stdout).toMatch(/phase:\s+awaiting_approval/)
    expect(evaluated.stdout).toMatch(/approval:\s+needed for canary 25% \(weak_gates\)/)
    expect(evaluated.stdout).toMatch(/evidence:\s+[0-9a-f]{64}\n/)

    // No terminal and no --yes: refuse (and approve nothing).
    const asApprover = { MODELGATE_APPROVER_TOKEN: gw.approverToken }
    const refused = await start(['approve', id], asApprover)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('rules:     weak_gates')
    expect(refused.stderr).toContain('pass --yes')
    // The operator token cannot approve: the problem says why.
    const wrongRole = await cli('approve', id, '--yes')
    expect(wrongRole.code).toBe(3)
    expect(wrongRole.stderr).toContain('(403 forbidden)')
    const approved = await start(['approve', id, '--yes', '--actor', 'carol'], asApprover)
    expect(approved.code, approved.stderr).toBe(0)
    expect(approved.stdout).toContain('approved canary 25%')
    expect(approved.stdout).toMatch(/phase:\s+progressing/)

    const paused = await cli('pause', id, '--reason', 'checking dashboards')
    expect(paused.code, paused.stderr).toBe(0)
    expect(paused.stdout).toMatch(/phase:\s+paused/)
    const resumed = await cli('resume', id)
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(resumed.stdout).toMatch(/phase:\s+progressing/)

    const before = await traffic(240)
    expect(Object.keys(before).sort()).toEqual(['v1', 'v2'])
    await gw.scheduled(Date.now() + 61_000)
    const [verdicts, numbers, status] = await Promise.all([
      cli('verdicts', id),
      cli('verdicts', id, '--metrics'),
      cli('status', MODEL),
    ])
    expect(verdicts.code, verdicts.stderr).toBe(0)
    expect(verdicts.stdout).toMatch(/^TIME\s+STEP\s+DECISION\s+REASON\n\S+Z\s+canary 25%( \*)?\s+(CONTINUE|PASS)\s+/)
    expect(numbers.stdout).toMatch(
      /METRIC\s+TEST\s+CHAMP N\s+CHAMP EST\s+CHALL N\s+CHALL EST\s+CONTRAST\s+BOUNDARY\s+P-VALUE\s+MARGIN\s+DECISION/,
    )
    expect(numbers.stdout).toMatch(/error_rate\s+event_split\s+\d+/)
    expect(numbers.stdout).toMatch(/srm: ok, challenger share/)
    expect(status.stdout).toContain(`ROLLOUT ${id}: v2 over v1 on credit (canary)`)
    expect(status.stdout).toMatch(/step:\s+1 of 4: canary 25%/)
    expect(status.stdout).toMatch(/v2\s+challenger\s+\d+\s+0\s+0\.00%/)

    const promoted = await cli('promote', id, '--reason', 'numbers look fine')
    expect(promoted.code, promoted.stderr).toBe(0)
    expect(promoted.stdout).toMatch(/step:\s+2 of 4: canary 50%/)

    // The runbook: one command; it prints the new epoch, then waits while traffic and cron ticks flow.
    let published = false
    const rollback = start(
      ['rollback', MODEL, '--reason', 'e2e rollback', '--interval', '200ms', '--timeout', '60s'],
      {},
      (out) => {
        if (out.includes('rolled back credit')) published = true
      },
    )
    let done: Run | null = null
    void rollback.then((r) => (done = r))
    const after: Record<string, number> = {}
    for (let tick = 1; !done && tick < 200; tick++) {
      if (published) {
        for (const [v, n] of Object.entries(await traffic(30, 10))) after[v] = (after[v] ?? 0) + n
        await gw.scheduled(Date.now() + 120_000 + tick * 1_000)
      }
      await new Promise((r) => setTimeout(r, 200))
    }
    const result = await rollback
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0)
    expect(result.stdout).toMatch(
      /^rolled back credit: epoch (\d+), v1 100% \(was v1 50%, v2 50%\)\nended rollout ro_\w+~credit\n/,
    )
    const epoch = /epoch (\d+), v1 100%/.exec(result.stdout)?.[1]
    expect(result.stdout).toContain(`confirmed: v1 carries 100% since epoch ${epoch}; error rate 0.0%, p99 `)
    expect(result.stdout).toMatch(/; \d+ (min|s)( \d+ s)? to confirm\n/)
    expect(result.stdout).toContain('(recorded by the gateway controller)')
    expect(result.stderr).toContain('waiting for confirmation')
    expect(after).toEqual({ v1: expect.any(Number) })
    expect(await gw.admin('GET', `/models/${MODEL}`)).toMatchObject({
      routing: { weights: { v1: 100 } },
      active_rollout: null,
    })

    const gone = await cli('pause', id)
    expect(gone.code).toBe(3)
    expect(gone.stderr).toContain('(409 conflict)')
  }, 90_000)

  it('shows and exports the audit log, and verifies its chain', async () => {
    // Its own model and history, so that it passes alone or in any order: a rollout started by
    // alice, approved by carol, then rolled back without waiting for the confirmation.
    const model = 'ledger'
    await gw.admin('PUT', `/models/${model}`, { risk: 'medium' })
    for (const v of ['v1', 'v2']) {
      await gw.admin('PUT', `/models/${model}/versions/${v}`, {
        backend: { url: `${upstream.url}/mode/predict-label-0` },
      })
    }
    await gw.admin('POST', `/models/${model}/champion`, { version: 'v1' })
    const plan = ['--stages', '25,50,100', '--stage-min', '60s', '--watch', '2m', '--gates', 'gates.json']
    const started = await cli(
      'rollout',
      'start',
      model,
      '--challenger',
      'v2',
      '--strategy',
      'canary',
      ...plan,
      '--actor',
      'alice',
    )
    const id = /rollout (ro_[0-9a-z]{26}~ledger)/.exec(started.stdout)?.[1] as string
    expect(id, started.stderr).toBeDefined()
    expect((await cli('rollout', 'evaluate', id, 'report.json')).code).toBe(0)
    const asApprover = { MODELGATE_APPROVER_TOKEN: gw.approverToken }
    expect((await start(['approve', id, '--yes', '--actor', 'carol'], asApprover)).code).toBe(0)
    const rolledBack = await cli('rollback', model, '--reason', 'e2e rollback', '--no-wait', '--yes')
    expect(rolledBack.code, rolledBack.stderr).toBe(0)

    const [table, csv, jsonl, verify] = await Promise.all([
      cli('audit', model, '--limit', '40'),
      cli('audit', model, '--format', 'csv', '--limit', '3'),
      cli('audit', model, '--format', 'jsonl'),
      cli('audit', 'verify', model),
    ])
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toMatch(/^SEQ\s+TIME\s+ACTOR\s+ACTION\s+TARGET\s+REASON\n/)
    expect(table.stdout).toMatch(/operator:alice\s+rollout\.started\s+ro_\w+~ledger\s+/)
    expect(table.stdout).toMatch(/approver:carol\s+rollout\.approved/)
    expect(table.stdout).toMatch(/routing\.rollback\s+ledger\s+.*e2e rollback/)
    expect(csv.code).toBe(0)
    const rows = csv.stdout.trimEnd().split('\r\n')
    expect(rows[0]).toBe('id,stream,seq,at,actor,action,target,reason,before,after,prev_hash,hash')
    expect(rows).toHaveLength(4)
    const entries = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1))
    expect(verify.code, verify.stderr).toBe(0)
    expect(verify.stdout).toMatch(/ledger\s+yes\s+\d+\s+—\nchain ok: 1 stream\(s\), \d+ entries verified/)
  }, 60_000)
})
