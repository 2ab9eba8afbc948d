/**
 * @module services/registry
 * Registry verbs of the admin API: each command goes to the model's coordinator and, once it has
 * published, the new snapshot is installed in this isolate's cache so the very next request here
 * routes by it.
 */
import {
  listModelOverviews,
  listModels,
  type Db,
  type ModelOverview,
  type ModelSummary,
} from '../adapters/d1/registry-store'
import type { ApprovedOutcome, CommandOutcome, CoordinatorClient } from '../adapters/do/coordinator-client'
import { DomainError } from '../core/errors'
import type { CommandMeta, RegistryCommand } from '../core/registry/commands'
import type { PendingChange } from '../core/registry/two-person'
import type { ModelView } from '../schemas/views'
import { assertEgress, type EgressCheck } from './egress'
import type { SnapshotSink } from './snapshot-sink'

export type { ApprovedOutcome, CommandOutcome }

export interface RegistryDeps {
  db: Db
  coordinator: (model: string) => CoordinatorClient
  snapshots: SnapshotSink
  /** Whether the Worker has a binding of this name (a version reached through a service binding). */
  hasBinding: (name: string) => boolean
  /** The egress policy (services/egress): a backend URL it refuses is not stored. */
  egress: EgressCheck
}

export class RegistryService {
  constructor(private readonly deps: RegistryDeps) {}

  async command(cmd: RegistryCommand, meta: CommandMeta): Promise<CommandOutcome> {
    if (cmd.type === 'put_version' && 'service' in cmd.backend && !this.deps.hasBinding(cmd.backend.service)) {
      throw new DomainError('validation_failed', `service binding ${cmd.backend.service} is not bound to this Worker`, {
        fields: [
          {
            field: 'backend.service',
            message: `add a [[services]] binding named ${cmd.backend.service} to wrangler.toml`,
          },
        ],
      })
    }
    if (cmd.type === 'put_version' && 'url' in cmd.backend) {
      assertEgress(this.deps.egress, [{ field: 'backend.url', url: cmd.backend.url }])
    }
    const out = await this.deps.coordinator(meta.model).command(cmd, meta)
    this.deps.snapshots.put(out.snapshot)
    return out
  }

  /** Applies a change held for a second person, as `actor` (an approver). */
  async approveChange(model: string, id: string, actor: string, requestId: string): Promise<ApprovedOutcome> {
    const out = await this.deps.coordinator(model).approveChange(id, actor, requestId)
    this.deps.snapshots.put(out.snapshot)
    return out
  }

  /** Changes held for a second person that can still be approved; 404 for an unknown model. */
  async pendingChanges(model: string): Promise<PendingChange[]> {
    await this.view(model)
    return this.deps.coordinator(model).pendingChanges()
  }

  /** The model's view; 404 for a model that is not registered. */
  async view(model: string): Promise<ModelView> {
    const view = await this.deps.coordinator(model).view()
    if (view === null) throw new DomainError('model_not_found', `model ${model} is not registered`)
    return view
  }

  /** Every model with its weights and active rollout (from D1). */
  overviews(): Promise<ModelOverview[]> {
    return listModelOverviews(this.deps.db)
  }

  models(): Promise<ModelSummary[]> {
    return listModels(this.deps.db)
  }
}
