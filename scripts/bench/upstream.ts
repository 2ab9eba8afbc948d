/**
 * Parent side of the benchmark upstream: forks upstream-child.ts and waits for its port.
 */
import { fork } from 'node:child_process'
import path from 'node:path'

export interface UpstreamProcess {
  url: string
  pid: number
  close(): Promise<void>
  /** Synchronous last resort for process 'exit' handlers. */
  kill(): void
}

export async function startUpstreamProcess(): Promise<UpstreamProcess> {
  // fork() reuses process.execArgv, i.e. the tsx loader this script runs under.
  const child = fork(path.join(import.meta.dirname, 'upstream-child.ts'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the upstream did not start within 15 s')), 15_000)
    child.once('message', (m) => {
      clearTimeout(timer)
      resolve((m as { port: number }).port)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the upstream exited with code ${code} before listening`))
    })
  })
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid as number,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}
