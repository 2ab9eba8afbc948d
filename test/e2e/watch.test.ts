/**
 * The CI watch on a live gateway: `modelgate rollout start … --wait` (the real CLI, a child
 * process) starts a canary whose challenger fails most of its requests, waits through the approval
 * (--wait-for-human), prints the gates' decisions as the coordinator's alarm makes them (one tick
 * a second, plus the cron as the backstop), and exits 10, rolled back.
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

describe('rollout start --wait on a live gateway', () => {
  it('follows a bad canary through its approval to the rollback and exits 10', async () => {
    let id: string | null = null
    let approved = false
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

    // The approver, as a person would while the job waits (the small gates need one).
    while (!stop && !approved) {
      if (id) {
        const r = await gw.admin<{ pending_approval: { evidence_hash: string } | null }>('GET', `/rollouts/${id}`)
        if (r.pending_approval) {
          const body = { evidence_hash: r.pending_approval.evidence_hash }
          await gw.admin('POST', `/rollouts/${id}/approve`, body, gw.approverToken)
          approved = true
        }
      }
      await sleep(200)
    }
    // Traffic, and the cron as the alarm's backstop, until the CLI ends.
    let x = 0
    const client = async () => {
      while (!stop) {
        const i = x++
        const res = await fetch(`${gw.url}/v1/models/${MODEL}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-unit-id': `u-${i}` },
          body: JSON.stringify({ x: i }),
        }).catch(() => null)
        await res?.arrayBuffer()
      }
    }
    const cron = async () => {
      while (!stop) {
        await sleep(3_000)
        if (!stop) await gw.scheduled().catch(() => undefined)
      }
    }
    const [result] = await Promise.all([run, ...Array.from({ length: 6 }, client), cron()])

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
