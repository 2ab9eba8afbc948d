/**
 * `npm start`'s first screen (scripts/start.ts): runs it on free ports until it is ready, then
 * reads what it printed. No stack trace (wrangler's offline `request.cf` download printed two), no
 * update notice, no per-request log lines; the banner with the first requests to try is there.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '..', '..')

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** The environment a developer's shell gives it: without vitest's NODE_ENV=test, under which Miniflare skips the `request.cf` download. */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.NODE_ENV
  return env
}

describe('npm start', () => {
  it('prints no stack trace, update notice or request log in its first 40 lines, and its banner', async () => {
    const [gateway, v1, v2] = [await freePort(), await freePort(), await freePort()]
    // Its own storage: the demo model it registers names these ports, which .wrangler/state must not keep.
    const state = mkdtempSync(path.join(os.tmpdir(), 'modelgate-start-'))
    const child = spawn(
      path.join(root, 'node_modules', '.bin', 'tsx'),
      ['scripts/start.ts', '--port', String(gateway), '--persist-to', state],
      {
        cwd: root,
        env: { ...userEnv(), DEMO_V1_PORT: String(v1), DEMO_V2_PORT: String(v2) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let output = ''
    child.stdout.on('data', (b: Buffer) => (output += b.toString()))
    child.stderr.on('data', (b: Buffer) => (output += b.toString()))
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not ready in 150 s:\n${output}`)), 150_000)
        const check = () => {
          if (output.includes('Ctrl-C stops')) {
            clearTimeout(timer)
            resolve()
          }
        }
        child.stdout.on('data', check)
        child.on('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)))
      })
      // A request after the banner: its log line would come now if wrangler still logged each one.
      await fetch(`http://127.0.0.1:${gateway}/healthz`)
      await new Promise((r) => setTimeout(r, 1_000))
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGINT')
        await exited
      }
      rmSync(state, { recursive: true, force: true })
    }
    const first = output.split('\n').slice(0, 40).join('\n')
    expect(first).toContain(`modelgate is running on http://127.0.0.1:${gateway}`)
    expect(first).not.toMatch(/^\s+at /m)
    expect(first).not.toMatch(/Error:|ENOTFOUND|update available/)
    expect(output).not.toMatch(/\[wrangler:info\] GET /)
  })
})
