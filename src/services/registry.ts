/**
 * @module services/registry
 * Registry verbs used by the admin API (and later the rollout controller): each one sends a
 * command to the model's coordinator and, once it has published, installs the new snapshot in
 * this isolate's cache so the very next request here routes by it.
 */
import type { CommandMeta, CommandResult, RegistryCommand } from '../adapters/do/model-coordinator'
import { DomainError, deserializeDomainError } from '../core/errors'
import type { Env } from '../env'
import { snapshotCacheFor } from '../gateway/isolate-cache'
import type { RoutingSnapshot } from '../schemas/routing'
import type { ModelView } from '../schemas/views'

export function coordinatorOf(env: Env, model: string) {
  return env.MODEL_COORDINATOR.get(env.MODEL_COORDINATOR.idFromName(model))
}

export interface CommandOutcome {
  view: ModelView
  snapshot: RoutingSnapshot
  created: boolean
  changed: boolean
}

export async function runRegistryCommand(env: Env, cmd: RegistryCommand, meta: CommandMeta): Promise<CommandOutcome> {
  const result = (await coordinatorOf(env, meta.model).command(cmd, meta)) as CommandResult
  if (!result.ok) throw deserializeDomainError(result.error)
  snapshotCacheFor(env).put(result.snapshot)
  return { view: result.view, snapshot: result.snapshot, created: result.created, changed: result.changed }
}

export async function getModelView(env: Env, model: string): Promise<ModelView> {
  const view = await coordinatorOf(env, model).view()
  if (view === null) throw new DomainError('model_not_found', `model ${model} is not registered`)
  return view
}
