/**
 * @module adapters/do/registry-commands
 * The commands a model's coordinator accepts for its registry and routing.
 */
import type { RollbackTarget } from '../../core/registry/model-state'
import type { Backend, ChampionInput, ModelInput } from '../../schemas/model'
import type { RoutingInput } from '../../schemas/routing'

export type RegistryCommand =
  | { type: 'upsert_model'; input: ModelInput }
  | { type: 'put_version'; version: string; backend: Backend }
  | { type: 'set_champion'; input: ChampionInput; reason?: string }
  | { type: 'set_routing'; input: RoutingInput }
  | { type: 'rollback'; target: RollbackTarget; reason: string }

export interface CommandMeta {
  model: string
  actor: string
  requestId: string
  /** Expected current epoch (If-Match), or null for an unconditional command. */
  ifMatch: number | null
}
