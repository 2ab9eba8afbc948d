/**
 * @module services/coordinator/ports
 * What the coordinator's use cases (starting a rollout, running its steps, registry commands,
 * incidents, webhooks) need from the Durable Object that runs them. The object implements this
 * port over its storage, lock and bindings; unit tests implement it with fakes
 * (test/unit/services/coordinator/fake-port.ts).
 *
 * Every method is called under the object's lock, so use cases never interleave.
 */
import type { IncidentRow, OutboxRecord, WebhookRow } from '../../adapters/d1/outbox'
import type { IdPrefix } from '../../core/ids'
import type { ModelState } from '../../core/registry/model-state'
import type { RegistryCommand } from '../../core/registry/commands'
import type { MergedSummary } from '../../core/metrics/summary'
import type { StageQuery } from '../../core/metrics/shard-data'
import type { RollbackTarget } from '../../core/registry/model-state'
import type { RoutingSnapshot } from '../../schemas/routing'
import type { RolloutState } from '../../core/rollout/index'

/** Extra facts the runner keeps beside the machine state. */
export interface RolloutMeta {
  /** Epoch when the rollout started (impact is counted from here). */
  startEpoch: number
  /** Epoch of the final step to 100% (the watch baseline is everything before it). */
  finalEpoch: number | null
  /** Epoch of the rollback publish, when there was one. */
  rollbackEpoch: number | null
  /** Epoch range of the step that was live when the rollback happened (its champion = baseline). */
  failedStep: { fromEpoch: number; toEpoch: number } | null
  incidentId: string | null
}

export interface StoredRollout {
  state: RolloutState
  meta: RolloutMeta
}

/** One audit entry to seal into the model's hash chain. */
export interface AuditFacts {
  action: string
  target: string
  before: unknown
  after: unknown
  reason: string
  actor: string
}

export interface CoordinatorPort {
  /** The rollout clock (never runs backwards; see the coordinator). */
  now(): number
  newId(prefix: IdPrefix): string
  /** The registered model; throws model_not_found before registration. */
  model(): ModelState
  /** Commit a registry change and publish it (a publish still pending does not throw). */
  registry(cmd: RegistryCommand, actor: string): Promise<RoutingSnapshot>
  audit(facts: AuditFacts): Promise<void>
  outbox(records: OutboxRecord[]): Promise<void>
  summary(q: StageQuery): Promise<MergedSummary>

  /** The model's active (or last) rollout, or null. */
  active(): StoredRollout | null
  rollout(id: string): Promise<StoredRollout | null>
  saveRollout(r: StoredRollout): Promise<void>

  lastRollbackAt(): number | null
  noteRollback(at: number): Promise<void>

  incident(id: string): Promise<IncidentRow | null>
  incidents(): Promise<IncidentRow[]>
  saveIncident(row: IncidentRow): Promise<void>

  webhooks(): WebhookRow[]
  saveWebhooks(rows: WebhookRow[]): Promise<void>
  enqueueDelivery(webhook: WebhookRow, event: string, body: unknown): Promise<void>
}

export type { RollbackTarget }
