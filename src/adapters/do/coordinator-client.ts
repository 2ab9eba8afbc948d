/**
 * @module adapters/do/coordinator-client
 * The RPC contract of a model's coordinator (`durable-objects/model-coordinator` implements it) and
 * the one way to reach it: by model name. Callers get the unwrapped client (adapters/do/unwrapped).
 */
import type { Result } from '../../core/errors'
import type { CommandMeta, RegistryCommand } from '../../core/registry/commands'
import type { PendingChange } from '../../core/registry/two-person'
import type { EvaluationReport } from '../../schemas/evaluation'
import type { RetrospectiveInput, StartRolloutInput, WebhookInput } from '../../schemas/rollout'
import type { RoutingSnapshot, RoutingTable } from '../../schemas/routing'
import type { ModelView } from '../../schemas/views'
import type { OperatorAction } from '../../core/rollout/index'
import type { IncidentRow, WebhookRow } from '../d1/outbox'
import { DEFAULT_DEADLINE_MS, unwrapped, type StubSource, type Unwrapped } from './unwrapped'
import type { RolloutView } from '../../schemas/rollout-view'

export type { RolloutView }

/** The outcome of a registry command; `snapshot` lets the caller's isolate route by it at once. */
export interface CommandOutcome {
  changed: boolean
  created: boolean
  snapshot: RoutingSnapshot
  view: ModelView
  /** The routing table the command replaced (read under the coordinator's lock). */
  before: RoutingTable | null
  /** The active rollout a one-command rollback ended through its runbook, or null. */
  ended_rollout: string | null
  /** Set when the change waits for an approver (nothing changed yet): core/registry/two-person. */
  held: PendingChange | null
}

/** A held change an approver confirmed, and the outcome of applying it. */
export interface ApprovedOutcome extends CommandOutcome {
  change: PendingChange & { approved_by: string; approved_at: string }
}

/** A rollout after a command, with the model's current snapshot. */
export interface RolloutOutcome {
  rollout: RolloutView
  snapshot: RoutingSnapshot
}

/** Operator inputs on a rollout, as the HTTP layer sends them. */
export type RolloutCommand =
  | { type: OperatorAction; reason?: string | undefined }
  | { type: 'approve'; evidenceHash: string; step?: number | undefined; comment?: string | undefined }
  | { type: 'evaluation'; report: EvaluationReport }

export interface TickResult {
  rollout: string | null
  phase: string | null
  decision: string | null
  snapshot: RoutingSnapshot | null
}

/** The audit head the coordinator sealed, and whether D1 holds everything up to it. */
export interface AuditHeadView {
  seq: number
  hash: string
  inD1: boolean
}

export interface CoordinatorRpc {
  view(): Promise<Result<ModelView | null>>
  snapshot(): Promise<Result<RoutingSnapshot | null>>
  auditHead(): Promise<Result<AuditHeadView | null>>
  command(cmd: RegistryCommand, meta: CommandMeta): Promise<Result<CommandOutcome>>
  /** Applies a held change as `actor` (an approver), if it still may be: core/registry/two-person. */
  approveChange(id: string, actor: string, requestId: string): Promise<Result<ApprovedOutcome>>
  /** Held changes that can still be approved. */
  pendingChanges(): Promise<Result<PendingChange[]>>
  /** `ifMatch`: the model epoch the caller saw (412 `precondition_failed` when it moved); null: unconditional. */
  startRollout(req: StartRolloutInput, actor: string, ifMatch?: number | null): Promise<Result<RolloutOutcome>>
  /** `at` pins the clock for this command (tests); it can only move the clock forward. */
  rolloutCommand(id: string, cmd: RolloutCommand, actor: string, at?: number): Promise<Result<RolloutOutcome>>
  rolloutView(id: string): Promise<Result<RolloutView | null>>
  activeRolloutId(): Promise<Result<string | null>>
  tick(at: number): Promise<Result<TickResult>>
  setWebhooks(list: WebhookInput[], actor: string): Promise<Result<WebhookRow[]>>
  retrospective(incidentId: string, input: RetrospectiveInput, actor: string): Promise<Result<IncidentRow>>
  closeActionItem(incidentId: string, index: number, actor: string): Promise<Result<IncidentRow>>
  incidentById(id: string): Promise<Result<IncidentRow | null>>
  reconcile(now: number): Promise<Result<void>>
}

export type CoordinatorClient = Unwrapped<CoordinatorRpc>

export function coordinatorClient(ns: StubSource, model: string, deadlineMs = DEFAULT_DEADLINE_MS): CoordinatorClient {
  const what = `the coordinator of ${model}`
  return unwrapped(ns.get(ns.idFromName(model)) as unknown as CoordinatorRpc, { what, deadlineMs })
}
