/**
 * Runs the fuzz suite's properties (test/integration/fuzz.test.ts): sends each generated request to
 * the Worker's fetch handler, checks the answer (never a 5xx; an error is problem+json carrying the
 * request id of its x-request-id header) and that a rejected request (4xx) left the state as it
 * found it.
 */
import { env } from 'cloudflare:workers'
import fc from 'fast-check'
import { expect, inject } from 'vitest'
import { coordinatorClient } from '../../../src/adapters/do/coordinator-client'
import { call, settle } from './harness'
import { toRequest, type FuzzRequest } from './fuzz-requests'

declare module 'vitest' {
  export interface ProvidedContext {
    /** FUZZ_SEED of the environment that started vitest (vitest.config.ts), or ''. */
    fuzzSeed: string
  }
}

let chosen: number | null = null

/** The seed of every property: FUZZ_SEED when set (to replay a run), else one per run of the file. */
export function fuzzSeed(): number {
  if (chosen === null) {
    const given = inject('fuzzSeed')
    chosen = given ? Number(given) : (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0
    console.log(`fuzz seed ${chosen}: FUZZ_SEED=${chosen} replays this run`)
  }
  return chosen
}

/** A fingerprint of the state a rejected request must not change. */
export type Probe = () => Promise<string>

/** Each model's routing epoch and audit head, as its coordinator holds them. */
export function modelState(...models: string[]): Probe {
  return async () => {
    const states = await Promise.all(
      models.map(async (model) => {
        const c = coordinatorClient(env.MODEL_COORDINATOR, model)
        const [view, head] = await Promise.all([c.view(), c.auditHead()])
        // Not `inD1`: the outbox copies entries to D1 on its own time, after the request.
        return { model, epoch: view?.epoch ?? null, seq: head?.seq ?? null, hash: head?.hash ?? null }
      }),
    )
    return JSON.stringify(states)
  }
}

export interface Family {
  requests: fc.Arbitrary<FuzzRequest>
  probe: Probe
  /**
   * `case`: the state is compared before and after every rejected request; `run`: before and after
   * the whole run, for families that only read (nothing may change, whatever the answers).
   */
  compare: 'case' | 'run'
  /** The data plane: an answer carrying x-model-version is the upstream's, passed through as it is. */
  dataPlane?: boolean
  /** After a request that was not rejected (e.g. to clear the fault plan it set). */
  accepted?: (r: FuzzRequest) => Promise<void>
}

export interface FuzzStats {
  cases: number
  compared: number
  statuses: Record<number, number>
  /** Time spent waiting for answers, and for state probes. */
  requestMs: number
  probeMs: number
}

function where(r: FuzzRequest, status: number): string {
  const target = r.path.length > 120 ? `${r.path.slice(0, 120)}… (${r.path.length} chars)` : r.path
  return `${r.method} ${target} → ${status}`
}

/**
 * The data plane's one documented 5xx that a client can cause: 508 when its x-modelgate-hops says
 * the request went round the gateway too often (README "Data plane"; a loop looks just like that).
 */
const LOOP = 'loop_detected'

/** The checks every answer passes; reads its body. */
export async function checkAnswer(r: FuzzRequest, res: Response, dataPlane = false): Promise<void> {
  const at = where(r, res.status)
  const text = await res.text()
  const id = res.headers.get('x-request-id')
  expect(id, `${at}: x-request-id`).toBeTruthy()
  if (res.status < 400 || (dataPlane && res.headers.has('x-model-version'))) return
  expect(res.headers.get('content-type'), `${at}: ${text.slice(0, 300)}`).toContain('application/problem+json')
  const problem = (r.method === 'HEAD' && text === '' ? {} : JSON.parse(text)) as Record<string, unknown>
  const loop = dataPlane && res.status === 508 && problem.code === LOOP
  if (!loop) expect(res.status, `${at}: ${text.slice(0, 300)}`).toBeLessThan(500)
  if (r.method === 'HEAD' && text === '') return
  expect(problem.request_id, `${at}: request_id`).toBe(id)
  expect(problem.status, `${at}: status`).toBe(res.status)
}

/** Runs `numRuns` requests of a family under the file's seed; answers with what it saw. */
export async function fuzz(family: Family, numRuns: number): Promise<FuzzStats> {
  const stats: FuzzStats = { cases: 0, compared: 0, statuses: {}, requestMs: 0, probeMs: 0 }
  const probe = async () => {
    const t = performance.now()
    const state = await family.probe()
    stats.probeMs += performance.now() - t
    return state
  }
  const before = family.compare === 'run' ? await family.probe() : null
  let known: string | null = null
  const property = fc.asyncProperty(family.requests, async (r) => {
    if (family.compare === 'case' && known === null) known = await probe()
    const t = performance.now()
    const res = await call(toRequest(r))
    const status = res.status
    stats.cases++
    stats.statuses[status] = (stats.statuses[status] ?? 0) + 1
    await checkAnswer(r, res, family.dataPlane)
    stats.requestMs += performance.now() - t
    if (status >= 400 && status < 500) {
      if (family.compare === 'case') {
        const now = await probe()
        expect(now, `${where(r, status)}: a rejected request changed the state from ${known} to ${now}`).toBe(known)
        stats.compared++
      }
    } else {
      known = null
      await family.accepted?.(r)
    }
    if (stats.cases % 50 === 0) await settle()
  })
  await fc.assert(property, { seed: fuzzSeed(), numRuns })
  await settle()
  if (before !== null) expect(await family.probe(), 'requests that only read changed the state').toBe(before)
  return stats
}
