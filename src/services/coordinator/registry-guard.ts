/**
 * @module services/coordinator/registry-guard
 * What a registry command may do while the model has an active rollout. The rollout owns routing
 * until it ends: routing, champion and rollback commands wait for it (a rollback ends it through
 * its own runbook), and the backends of its champion and challenger cannot change under it.
 */
import { DomainError } from '../../core/errors'
import type { RegistryCommand } from '../../core/registry/commands'
import { sameBackend, type ModelState } from '../../core/registry/model-state'
import { isTerminal } from '../../core/rollout/index'
import type { StoredRollout } from './rollout-runner'

/** 'commit': apply the command; 'end_rollout': the command is a rollback that ends the rollout. */
export type GuardDecision = 'commit' | 'end_rollout'

export function guardDuringRollout(
  active: StoredRollout | null,
  state: ModelState | null,
  cmd: RegistryCommand,
): GuardDecision {
  if (active === null || isTerminal(active.state.phase)) return 'commit'
  const { id, phase, config } = active.state
  switch (cmd.type) {
    case 'upsert_model':
      return 'commit'
    case 'put_version': {
      // The evidence (offline evaluation, stages passed) is about the backends the rollout started
      // with: swapping the champion's or the challenger's mid-rollout would carry it over to a
      // binary nobody evaluated. Other versions may change.
      const existing = state?.versions[cmd.version]
      const inRollout = cmd.version === config.champion || cmd.version === config.challenger
      if (inRollout && existing !== undefined && !sameBackend(existing.backend, cmd.backend)) {
        throw new DomainError(
          'conflict',
          `rollout ${id} is ${phase} with ${cmd.version}; abort it before changing ${cmd.version}'s backend, then start a new rollout`,
        )
      }
      return 'commit'
    }
    case 'rollback':
      return 'end_rollout'
    case 'set_champion':
    case 'set_routing':
      throw new DomainError('conflict', `rollout ${id} is ${phase}; pause or abort it before changing routing by hand`)
    default: {
      const unknown: never = cmd
      return unknown
    }
  }
}
