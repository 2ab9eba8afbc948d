/**
 * @module services/coordinator/registry-guard
 * What a registry command may do while the model has an active rollout. The rollout owns routing
 * until it ends: routing, champion and rollback commands wait for it (a rollback ends it through
 * its own runbook), and the backends of its champion and challenger cannot change under it. Nor can
 * the model's risk tier or metric definitions: the rollout's approvals and gates were decided on
 * them, so a change mid-rollout would judge the evidence by rules nobody agreed to.
 */
import { DomainError } from '../../core/errors'
import { canonicalJson } from '../../core/rollout/canonical'
import type { RegistryCommand } from '../../core/registry/commands'
import type { BusinessMetric } from '../../core/registry/types'
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
    case 'upsert_model': {
      const frozen: string[] = []
      if (state !== null && cmd.input.risk !== state.risk) frozen.push(`risk tier (${state.risk})`)
      if (state !== null && !sameMetrics(state.metrics, cmd.input.metrics)) frozen.push('metric definitions')
      if (frozen.length > 0) {
        throw new DomainError(
          'conflict',
          `rollout ${id} is ${phase}; its ${frozen.join(' and ')} cannot change until it ends (abort it first)`,
          { extra: { active_rollout: { id, phase }, risk: state?.risk, metrics: state?.metrics } },
        )
      }
      return 'commit'
    }
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

/** The same definitions, whatever their order. */
function sameMetrics(a: readonly BusinessMetric[], b: readonly BusinessMetric[]): boolean {
  const byName = (ms: readonly BusinessMetric[]) => canonicalJson([...ms].sort((x, y) => x.name.localeCompare(y.name)))
  return byName(a) === byName(b)
}
