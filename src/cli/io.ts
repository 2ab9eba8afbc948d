/**
 * @module cli/io
 * Everything the CLI touches outside itself (streams, env, clock, network, the terminal), behind
 * one interface so that commands run in-process in unit tests with fakes.
 */
import { createInterface } from 'node:readline'

export interface Io {
  /** Results: tables, final lines, --json documents. */
  out(text: string): void
  /** Progress, prompts, warnings and errors: never mixed into results. */
  err(text: string): void
  env: Readonly<Record<string, string | undefined>>
  cwd: string
  /** Whether a human can answer a prompt. */
  interactive: boolean
  /** Asks one question on stderr and returns the line typed on stdin. */
  ask(question: string): Promise<string>
  now(): number
  sleep(ms: number): Promise<void>
  fetch: typeof fetch
}

export function processIo(): Io {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    ask: (question) =>
      new Promise((resolve) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr })
        rl.question(question, (answer) => {
          rl.close()
          resolve(answer)
        })
      }),
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    fetch: (input, init) => fetch(input, init),
  }
}

export function println(io: Io, line = ''): void {
  io.out(`${line}\n`)
}

export function eprintln(io: Io, line = ''): void {
  io.err(`${line}\n`)
}
