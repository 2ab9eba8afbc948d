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
import type { Action, RolloutState } from '../../core/rollout/index'
import type { LookSide, PlannedLook } from '../../core/gates/types'
import type { PendingDelivery } from './webhook-deliverer'

/** Extra facts the runner keeps beside the machine state. */
export interface RolloutMeta {
  /** The model's epoch when the rollout started: the rollout's own epochs are the ones after it. */
  startEpoch: number
  /** Epoch of the final step to 100% (the watch baseline is everything before it). */
  finalEpoch: number | null
  /** Epoch of the rollback publish, when there was one. */
  rollbackEpoch: number | null
  /** Epoch range of the step that was live when the rollback happened (its champion = baseline). */
  failedStep: { fromEpoch: number; toEpoch: number } | null
  incidentId: string | null
}

/** One action still to run, and on whose behalf (the audit log and incidents name them). */
export interface PendingAction {
  action: Action
  actor: string
}

/**
 * A decision's effects still to run, written together with the decision before any of them runs
 * (see RolloutRunner). A throw, an object reset or a deploy leaves it in storage, and the next
 * call to the object (or its alarm) runs the rest.
 */
export interface Intent {
  /** In order; the head runs next. */
  pending: PendingAction[]
  /** The model's epoch when the head became due: a registry action whose epoch moved on is done. */
  epoch: number
  /** Counts decisions over the rollout's life; with `done`, it names what an action creates. */
  seq: number
  /** Actions of this intent already run. */
  done: number
}

export interface StoredRollout {
  state: RolloutState
  meta: RolloutMeta
  /** Effects of the last decision that have not all run; null when none are pending. */
  intent?: Intent | null
  /** Decisions recorded over the rollout's life (the intent's `seq` of the last one). */
  decisions?: number
  /**
   * The planned looks taken in the current step (docs/statistics.md §5.6, §5.7, §9.4): saved before
   * any verdict that used them is acted on, and passed back to the gates so a look is never taken
   * twice. Looks of another step or epoch do not apply: a new step starts with none.
   */
  looks?: LooksRecord | null
}

/**
 * The looks of one step. `step` and `sides` are written when the step begins (records from before
 * they existed have neither): `sides` lists the look sides the step was planned with, so a step
 * that began before the PASS and SRM looks existed never takes them mid-stage.
 */
export interface LooksRecord {
  epoch: number
  step?: number
  sides?: LookSide[]
  looks: PlannedLook[]
}

/** What one atomic write stores together with a rollout (all or nothing). */
export interface RolloutEffects {
  audit?: AuditFacts
  records?: OutboxRecord[]
  incident?: IncidentRow
  deliveries?: PendingDelivery[]
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
  /** Saves the rollout with these effects in one atomic write; deliveries then go out at once. */
  persist(r: StoredRollout, effects: RolloutEffects): Promise<void>

  lastRollbackAt(): number | null
  noteRollback(at: number): Promise<void>

  incident(id: string): Promise<IncidentRow | null>
  incidents(): Promise<IncidentRow[]>
  saveIncident(row: IncidentRow): Promise<void>

  webhooks(): WebhookRow[]
  saveWebhooks(rows: WebhookRow[]): Promise<void>
}

export type { RollbackTarget }
