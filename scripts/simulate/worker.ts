/**
 * Worker-thread entry of the simulation: runs chunks of runs on request and posts them back.
 * Each run uses its own seeded stream, so results do not depend on which worker ran them.
 */

import { parentPort } from 'node:worker_threads'
import { SCENARIOS } from './model'
import { simulateRuns } from './run'

/** A chunk of runs of one scenario. */
export interface Task {
  id: number
  scenario: string
  seed: number
  from: number
  to: number
}

parentPort?.on('message', (task: Task) => {
  const s = SCENARIOS.find((x) => x.name === task.scenario)
  if (!s) throw new Error(`unknown scenario ${task.scenario}`)
  parentPort?.postMessage({ id: task.id, results: simulateRuns(s, task.seed, task.from, task.to) })
})
