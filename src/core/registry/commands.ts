/**
 * @module core/registry/commands
 * The commands a model's coordinator accepts for its registry and routing, and the pure choice of
 * the transition each one makes (core/registry/model-state).
 */
import { DomainError } from '../errors'
import {
  putVersion,
  rollback,
  setChampion,
  setRouting,
  upsertModel,
  type ModelState,
  type RollbackTarget,
  type Transition,
} from './model-state'
import type { RoutingInput } from '../routing/types'
import { sameRouting } from './routing-table'
import type { Backend, ChampionInput, ModelInput } from './types'

export type RegistryCommand =
  | { type: 'upsert_model'; input: ModelInput }
  | { type: 'put_version'; version: string; backend: Backend }
  | { type: 'set_champion'; input: ChampionInput; reason?: string }
  | { type: 'set_routing'; input: RoutingInput }
  /** No target: the coordinator picks one (core/registry/rollback-target) before deciding. */
  | { type: 'rollback'; target?: RollbackTarget | undefined; reason: string }

export interface CommandMeta {
  model: string
  actor: string
  requestId: string
  /** Expected current epoch (If-Match), or null for an unconditional command. */
  ifMatch: number | null
  /** Who sends it: an operator's guarded change waits for an approver (core/registry/two-person). */
  role: 'operator' | 'approver' | 'system'
  /** Set when the change had a second person: the audit entry names both. */
  approval?: { change_id: string | null; requested_by: string } | undefined
}

/**
 * The transition `cmd` makes from `current`, or null when it changes nothing. Throws DomainError
 * on refusal (unknown model, invalid routing, immutable version...).
 */
export function decideCommand(
  cmd: RegistryCommand,
  current: ModelState | null,
  model: string,
  ctx: { now: string; salt: () => string },
): Transition | null {
  if (cmd.type === 'upsert_model') return upsertModel(current, model, cmd.input, { now: ctx.now, salt: ctx.salt() })
  if (current === null) throw new DomainError('model_not_found', `model ${model} is not registered`)
  switch (cmd.type) {
    case 'put_version':
      return putVersion(current, cmd.version, cmd.backend, { now: ctx.now })
    case 'set_champion':
      return setChampion(current, cmd.input, { now: ctx.now, ...(cmd.reason ? { actorReason: cmd.reason } : {}) })
    case 'set_routing':
      return setRouting(current, cmd.input, { now: ctx.now })
    case 'rollback': {
      // Already there: nothing to publish (a repeated rollback, or one that raced the change it
      // meant to undo and found the traffic already on the stable version).
      const t = rollback(current, cmd.target ?? 'champion', { now: ctx.now, reason: cmd.reason })
      const unchanged =
        sameRouting(current.routing, t.state.routing) && current.previous_champion === t.state.previous_champion
      return unchanged ? null : t
    }
    default: {
      const unknown: never = cmd
      throw new DomainError('internal', `unknown command ${JSON.stringify(unknown)}`)
    }
  }
}
