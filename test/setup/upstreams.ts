/**
 * Vitest global setup (Node): starts the model backends the integration tests route to, and hands
 * their URLs to the tests running inside workerd through `inject()`.
 */
import type { TestProject } from 'vitest/node'
import { deadPort, startUpstream } from '../support/upstream-server'

declare module 'vitest' {
  export interface ProvidedContext {
    upstreamA: string
    upstreamB: string
    deadUrl: string
  }
}

export default async function setup(project: TestProject) {
  const a = await startUpstream('A')
  const b = await startUpstream('B')
  project.provide('upstreamA', a.url)
  project.provide('upstreamB', b.url)
  project.provide('deadUrl', `http://127.0.0.1:${await deadPort()}`)
  return async () => {
    await a.close()
    await b.close()
  }
}
