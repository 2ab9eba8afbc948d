/**
 * The CI watch on a live gateway: `modelgate rollout start … --wait` (the real CLI, a child
 * process) starts a canary whose challenger fails most of its requests, waits through the approval
 * (--wait-for-human), prints the gates' decisions as the coordinator's alarm makes them (one tick
 * a second, plus the cron as the backstop), and exits 10, rolled back. And `modelgate rollout status
 * <id> --watch` follows a healthy challenger through its promotion and the watch after it, and exits 0.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLiveGateway, type LiveGateway } from '../../scripts/lib/live-gateway'
import { WATCH_EXIT } from '../../src/cli/watch-outcome'
import { startUpstream, type UpstreamServer } from '../support/upstream-server'

const root = path.resolve(import.meta.dirname, '..', '..')
const bin = path.join(root, 'bin', 'modelgate.mjs')
const MODEL = 'watched'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let gw: LiveGateway
let upstream: UpstreamServer
let work: string

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'modelgate-watch-e2e-'))
  ;[gw, upstream] = await Promise.all([
    startLiveGateway({ staticAssets: false, bindings: { ROLLOUT_TICK_MS: '1000', MEASURE_FLUSH_MS: '100' } }),
    startUpstream('watch-e2e'),
  ])
  await gw.admin('PUT', `/models/${MODEL}`, { risk: 'low' })
  await gw.admin('PUT', `/models/${MODEL}/versions/v1`, { backend: { url: `${upstream.url}/mode/flaky-0.05` } })
  await gw.admin('PUT', `/models/${MODEL}/versions/v2`, { backend: { url: `${upstream.url}/mode/flaky-0.7` } })
  await gw.admin('POST', `/models/${MODEL}/champion`, { version: 'v1' })
  const small = { min_sample: 100, error_rate: { margin: 0.25, floor: 0.1 } }
  writeFileSync(path.join(work, 'gates.json'), JSON.stringify({ canary: small }))
}, 90_000)

afterAll(async () => {
  await Promise.all([gw?.close(), upstream?.close()])
  if (work) rmSync(work, { recursive: true, force: true })
})

/** Runs the CLI; `onStdout` sees its output as it arrives. */
function cli(
  args: string[],
  onStdout: (all: string) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '', HOME: work, MODELGATE_URL: gw.url, MODELGATE_TOKEN: gw.adminToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
      onStdout(stdout)
    })
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Clients sending predictions for `model` until `stopped()`; each request a distinct unit. */
function traffic(model: string, stopped: () => boolean, clients = 6): Promise<void[]> {
  let x = 0
  const client = async () => {
    while (!stopped()) {
      const i = x++
      const res = await fetch(`${gw.url}/v1/models/${model}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-unit-id': `${model}-${i}` },
        body: JSON.stringify({ x: i }),
      }).catch(() => null)
      await res?.arrayBuffer()
    }
  }
  return Promise.all(Array.from({ length: clients }, client))
}

/** The approver, as a person would while the job waits: approves the first pending approval. */
async function approveWhenAsked(id: () => string | null, stopped: () => boolean): Promise<boolean> {
  while (!stopped()) {
    const rid = id()
    if (rid) {
      const r = await gw.admin<{ pending_approval: { evidence_hash: string } | null }>('GET', `/rollouts/${rid}`)
      if (r.pending_approval) {
        const body = { evidence_hash: r.pending_approval.evidence_hash }
        await gw.admin('POST', `/rollouts/${rid}/approve`, body, gw.approverToken)
        return true
      }
    }
    await sleep(200)
  }
  return false
}

describe('rollout start --wait on a live gateway', () => {
  it('follows a bad canary through its approval to the rollback and exits 10', async () => {
    let id: string | null = null
    let stop = false
    const run = cli(
      [
        'rollout',
        'start',
        MODEL,
        '--challenger',
        'v2',
        '--strategy',
        'canary',
        '--stages',
        '50,100',
        '--stage-min',
        '60s',
        '--gates',
        'gates.json',
        '--waive-evaluation',
        '--wait',
        '--wait-for-human',
        '--interval',
        '1s',
        '--timeout',
        '45s',
      ],
      (out) => {
        id ??= /started rollout (\S+):/.exec(out)?.[1] ?? null
      },
    ).finally(() => (stop = true))

    // The approver (the small gates need one), then traffic and the cron as the alarm's backstop.
    const approved = await approveWhenAsked(
      () => id,
      () => stop,
    )
    const cron = async () => {
      while (!stop) {
        await sleep(3_000)
        if (!stop) await gw.scheduled().catch(() => undefined)
      }
    }
    const [result] = await Promise.all([run, traffic(MODEL, () => stop), cron()])

    const story = `${result.stdout}\n${result.stderr}`
    expect(approved, story).toBe(true)
    expect(result.code, story).toBe(WATCH_EXIT.rolled_back)
    const lines = result.stdout.split('\n')
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l))
    // Each decision once, in the order it was taken; the outcome last.
    expect(at(/^\S+Z {2}started: /), story).toBeGreaterThan(0)
    expect(at(/^\S+Z {2}approved: .*\(by /), story).toBeGreaterThan(at(/^\S+Z {2}started: /))
    const fail = at(/^\S+Z {2}verdict canary 50%: FAIL.*\(decisive\)$/)
    expect(fail, story).toBeGreaterThan(at(/^\S+Z {2}approved: /))
    expect(at(/^\S+Z {2}rolled_back: /), story).toBeGreaterThan(fail)
    expect(
      lines.filter((l) => /verdict .*: FAIL/.test(l)),
      story,
    ).toHaveLength(1)
    expect(
      lines.filter((l) => /Z {2}(started|approved|rolled_back): /.test(l)),
      story,
    ).toHaveLength(3)
    expect(result.stdout, story).toMatch(/ROLLED BACK \(rolled_back\): .*; exit 10\n$/)
  }, 90_000)
})

describe('rollout status --watch on a live gateway', () => {
  it('follows a healthy challenger to its promotion and exits 0', async () => {
    const model = 'promoted'
    // The challenger behaves as the champion does: every gate can only PASS.
    await gw.admin('PUT', `/models/${model}`, { risk: 'low' })
    for (const v of ['v1', 'v2']) {
      await gw.admin('PUT', `/models/${model}/versions/${v}`, { backend: { url: `${upstream.url}/mode/flaky-0.05` } })
    }
    await gw.admin('POST', `/models/${model}/champion`, { version: 'v1' })
    const small = { min_sample: 100, error_rate: { margin: 0.25, floor: 0.1 } }
    writeFileSync(path.join(work, 'gates-ok.json'), JSON.stringify({ canary: small, watch: small }))
    // The watch after 100% judges the new champion against the pre-rollout baseline: give it one.
    let baselineDone = false
    const baseline = traffic(model, () => baselineDone)
    await sleep(3_000)
    baselineDone = true
    await baseline

    // The shortest plan there is: one canary stage at 100% (the promotion), then a 3 s watch. The
    // API's durations only need to be positive (src/schemas/rollout.ts); short ones make the plan
    // weaker than the defaults, which costs an approval, not a faked clock.
    const started = await cli(
      [
        'rollout',
        'start',
        model,
        '--challenger',
        'v2',
        '--strategy',
        'canary',
        '--stages',
        '100',
        '--stage-min',
        '1s',
        '--watch',
        '3s',
        '--gates',
        'gates-ok.json',
        '--waive-evaluation',
      ],
      () => undefined,
    )
    const id = /started rollout (\S+):/.exec(started.stdout)?.[1] ?? null
    expect(id, `${started.stdout}\n${started.stderr}`).not.toBeNull()

    let stop = false
    const watch = cli(
      ['rollout', 'status', id ?? '', '--watch', '--wait-for-human', '--interval', '1s', '--timeout', '45s'],
      () => undefined,
    ).finally(() => (stop = true))
    // The jump from 0 to 100% needs an approval; then traffic and the cron as the alarm's backstop.
    const approved = await approveWhenAsked(
      () => id,
      () => stop,
    )
    const cron = async () => {
      while (!stop) {
        await sleep(3_000)
        if (!stop) await gw.scheduled().catch(() => undefined)
      }
    }
    const [result] = await Promise.all([watch, traffic(model, () => stop), cron()])

    const story = `${result.stdout}\n${result.stderr}`
    expect(approved, story).toBe(true)
    expect(result.code, story).toBe(WATCH_EXIT.completed)
    const lines = result.stdout.split('\n')
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l))
    // The promotion, the watch's decisive verdict after it and the completion, in that order; the
    // outcome last. (A watch may end on CONTINUE when a gate, e.g. latency, still lacks data; see the
    // watch step in src/core/rollout/tick.ts: only a watch with no evidence at all pauses.)
    const approval = at(/^\S+Z {2}approved: .*\(by /)
    const promotion = at(/^\S+Z {2}advanced: v2 is champion with 100% /)
    const verdict = at(/^\S+Z {2}verdict watch .*: (PASS|CONTINUE):.*\(decisive\)$/)
    const done = at(/^\S+Z {2}completed: .*rollout completed \(promoted\)$/)
    expect(approval, story).toBeGreaterThan(0)
    expect(promotion, story).toBeGreaterThan(approval)
    expect(verdict, story).toBeGreaterThan(promotion)
    expect(done, story).toBeGreaterThan(verdict)
    expect(
      lines.filter((l) => /verdict .*: (FAIL|HALT|INCONCLUSIVE)|Z {2}rolled_back: /.test(l)),
      story,
    ).toHaveLength(0)
    expect(result.stdout, story).toMatch(/completed \(promoted\): .* is completed: .*; exit 0\n$/)
    const champion = await gw.admin<{ champion: string }>('GET', `/models/${model}`)
    expect(champion.champion, story).toBe('v2')
  }, 90_000)
})
