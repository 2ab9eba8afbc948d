/**
 * Runs the simulation on worker threads (one per core) or inline, with identical results: run r
 * of a scenario always uses stream r, and results are put back in run order.
 *
 * Workers load TypeScript through tsx's API (`tsImport`), because worker threads do not inherit
 * the tsx loader that `npx tsx` installs in the main thread.
 */

import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Scenario } from './model'
import { type RunResult, simulateRuns } from './run'
import type { Task } from './worker'

/** Runs per task: small enough to balance two workers, large enough to amortise messages. */
const CHUNK = 25

/** Simulate `runs` runs of each scenario; `onProgress` gets (done, total) task counts. */
export async function runAll(
  scenarios: Scenario[],
  seed: number,
  runs: number,
  workers: number,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<RunResult[][]> {
  const tasks: Task[] = []
  scenarios.forEach((s) => {
    for (let from = 0; from < runs; from += CHUNK) {
      tasks.push({
        id: tasks.length,
        scenario: s.name,
        seed,
        from,
        to: Math.min(runs, from + CHUNK),
      })
    }
  })
  const byId: RunResult[][] = new Array(tasks.length)
  if (workers <= 1) {
    tasks.forEach((t, i) => {
      const s = scenarios.find((x) => x.name === t.scenario) as Scenario
      byId[t.id] = simulateRuns(s, t.seed, t.from, t.to)
      onProgress(i + 1, tasks.length)
    })
  } else {
    await runOnWorkers(tasks, byId, workers, onProgress)
  }
  return scenarios.map((s) => tasks.filter((t) => t.scenario === s.name).flatMap((t) => byId[t.id] ?? []))
}

function runOnWorkers(
  tasks: Task[],
  byId: RunResult[][],
  workers: number,
  onProgress: (done: number, total: number) => void,
): Promise<void> {
  const entry = fileURLToPath(new URL('./worker.ts', import.meta.url))
  const boot =
    `import('tsx/esm/api').then(({ tsImport }) => ` +
    `tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`
  let next = 0
  let done = 0
  return new Promise((resolve, reject) => {
    const pool: Worker[] = []
    const finish = (err?: Error) => {
      for (const w of pool) void w.terminate()
      if (err) reject(err)
      else resolve()
    }
    const feed = (w: Worker) => {
      const task = tasks[next++]
      if (task) w.postMessage(task)
    }
    for (let i = 0; i < Math.min(workers, tasks.length); i++) {
      const w = new Worker(boot, { eval: true })
      pool.push(w)
      w.on('message', (msg: { id: number; results: RunResult[] }) => {
        byId[msg.id] = msg.results
        onProgress(++done, tasks.length)
        if (done === tasks.length) finish()
        else feed(w)
      })
      w.on('error', (err) => finish(err))
      w.once('online', () => feed(w))
    }
  })
}
