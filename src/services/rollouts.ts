/**
 * @module services/rollouts
 * Rollout verbs for the HTTP layer and cron: find the model's coordinator, call it, turn error
 * values back into DomainErrors.
 */
import type { RolloutCommand, RolloutResult } from '../adapters/do/model-coordinator'
import type { RolloutView } from '../adapters/do/rollout-runner'
import { openDb } from '../adapters/d1/registry-store'
import { incidentModel, modelsToTick, rolloutModel } from '../adapters/d1/rollout-store'
import { DomainError, deserializeDomainError, isSerializedDomainError } from '../core/errors'
import type { Env } from '../env'
import type { StartRolloutInput } from '../schemas/rollout'
import { snapshotCacheFor } from '../gateway/isolate-cache'
import { coordinatorOf } from './registry'

/** Unwraps a coordinator answer and installs its snapshot in this isolate's routing cache. */
function unwrap(env: Env, r: RolloutResult): RolloutView {
  if (!r.ok) throw deserializeDomainError(r.error)
  snapshotCacheFor(env).put(r.snapshot)
  return r.rollout
}

export async function startRollout(
  env: Env,
  model: string,
  input: StartRolloutInput,
  actor: string,
): Promise<RolloutView> {
  return unwrap(env, (await coordinatorOf(env, model).startRollout(input, actor)) as RolloutResult)
}

/** The model owning a rollout id (rollout ids are global; their state lives with the model). */
export async function modelOfRollout(env: Env, id: string): Promise<string> {
  const model = await rolloutModel(openDb(env.DB), id)
  if (model === null) throw new DomainError('rollout_not_found', `rollout ${id} not found`)
  return model
}

export async function rolloutCommand(env: Env, id: string, cmd: RolloutCommand, actor: string): Promise<RolloutView> {
  const model = await modelOfRollout(env, id)
  return unwrap(env, (await coordinatorOf(env, model).rolloutCommand(id, cmd, actor)) as RolloutResult)
}

export async function getRollout(env: Env, id: string): Promise<RolloutView> {
  const model = await modelOfRollout(env, id)
  const view = (await coordinatorOf(env, model).rolloutView(id)) as RolloutView | null
  if (view === null) throw new DomainError('rollout_not_found', `rollout ${id} not found`)
  return view
}

export async function modelOfIncident(env: Env, id: string): Promise<string> {
  const model = await incidentModel(openDb(env.DB), id)
  if (model === null) throw new DomainError('not_found', `incident ${id} not found`)
  return model
}

export function unwrapIncident<T extends object>(r: T | { error: import('../core/errors').SerializedDomainError }): T {
  if ('error' in r && isSerializedDomainError(r.error)) throw deserializeDomainError(r.error)
  return r as T
}

export interface TickSummary {
  models: number
  acted: number
  failures: Array<{ model: string; error: string }>
  durationMs: number
}

/**
 * One gate tick over every model with an active (or recently rolled back) rollout, at most
 * `concurrency` coordinators at a time; a failure of one never stops the others.
 */
export async function tickRollouts(env: Env, now: number, concurrency = 50): Promise<TickSummary> {
  const started = Date.now()
  const models = await modelsToTick(openDb(env.DB), new Date(now - 3_600_000).toISOString())
  const failures: TickSummary['failures'] = []
  let acted = 0
  let next = 0
  const worker = async () => {
    while (next < models.length) {
      const model = models[next++] as string
      try {
        const r = await coordinatorOf(env, model).tick(now)
        if (r.rollout) acted++
        if (r.snapshot) snapshotCacheFor(env).put(r.snapshot)
      } catch (err) {
        failures.push({ model, error: (err as Error).message })
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, models.length) }, worker))
  return { models: models.length, acted, failures, durationMs: Date.now() - started }
}
