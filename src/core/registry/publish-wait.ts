/**
 * @module core/registry/publish-wait
 * Whether an admin command's answer waits for its snapshot to reach the edge (KV's `current` key,
 * written at most once per second: core/routing/publish-pacer) or only for its own commit and D1
 * history, the publish following on its own (README, "Admin API").
 *
 * A change that can alter how a request is served waits, so that "the call returns after the new
 * epoch is published" holds (README, "Rollback runbook"). Two changes cannot: creating a model
 * (no routing table yet, so nothing routes to it) and registering a version that the routing
 * table does not name (champion, weights, cohort rules, shadow). Those answer at once.
 */
import type { RoutingTable } from '../routing/types'
import type { RegistryCommand } from './commands'
import type { ModelState } from './model-state'

export interface PublishWait {
  wait: boolean
  reason: string
}

/** Whether `routing` can send any request (or a shadow copy) to `version`. */
export function routesTo(routing: RoutingTable | null, version: string): boolean {
  if (routing === null) return false
  return (
    routing.champion === version ||
    version in routing.weights ||
    routing.rules.some((r) => r.version === version) ||
    routing.shadow?.version === version
  )
}

/** The decision for `cmd`, which produced `after`. */
export function publishWait(cmd: RegistryCommand, after: ModelState): PublishWait {
  if (cmd.type === 'put_version' && !routesTo(after.routing, cmd.version)) {
    return { wait: false, reason: `version ${cmd.version} gets no traffic until the routing table names it` }
  }
  if (cmd.type === 'upsert_model' && after.routing === null) {
    return { wait: false, reason: 'the model has no routing table yet: no request reaches it' }
  }
  return { wait: true, reason: `${cmd.type} changes how requests are served` }
}
