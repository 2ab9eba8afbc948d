/**
 * @module durable-objects/model-coordinator
 * One Durable Object per model: the only writer of that model's registry state, routing table,
 * rollout state and audit stream. Commands are serialized by one lock, so an operator action and a
 * gate tick never race. The decisions live in use-case modules (services/coordinator/*) written
 * against `CoordinatorPort`; this class holds the storage, the lock, the alarm and the RPC methods
 * of the contract in adapters/do/coordinator-client. docs/architecture.md shows where it sits.
 *
 * A registry change runs in three steps:
 * 1. decide: the pure transition (core/registry/commands) throws DomainError on refusal;
 * 2. commit: new state, audit entry and outbox record in one atomic put (./journal);
 * 3. propagate: the outbox goes to D1 and the snapshot to KV (./publisher); both are retried from
 *    `alarm()` when they fail, so D1 or KV trouble delays history or propagation but never loses a
 *    committed change. Registry commands propagate outside the lock, so a burst of commands
 *    coalesces into one KV write per interval; a change no request can see yet answers before
 *    its KV write (core/registry/publish-wait).
 */
import { DurableObject } from 'cloudflare:workers'
import type {
  ApprovedOutcome,
  AuditHeadView,
  CommandOutcome,
  CoordinatorRpc,
  RolloutCommand,
  RolloutOutcome,
  TickResult,
} from '../../adapters/do/coordinator-client'
import type { IncidentRow, WebhookRow } from '../../adapters/d1/outbox'
import type { Result } from '../../core/errors'
import type { CommandMeta, RegistryCommand } from '../../core/registry/commands'
import { toSnapshot } from '../../core/registry/model-state'
import type { PendingChange } from '../../core/registry/two-person'
import { buildServices, type Services } from '../../compose'
import type { RetrospectiveInput, StartRolloutInput, WebhookInput } from '../../schemas/rollout'
import type { RolloutView } from '../../schemas/rollout-view'
import type { RoutingSnapshot } from '../../schemas/routing'
import type { ModelView } from '../../schemas/views'
import { closeActionItem, recordRetrospective } from '../../services/coordinator/incidents'
import { runRolloutCommand } from '../../services/coordinator/rollout-commands'
import { RolloutRunner, type StoredRollout } from '../../services/coordinator/rollout-runner'
import { startRollout } from '../../services/coordinator/start-rollout'
import { WebhookDeliverer } from '../../services/coordinator/webhook-deliverer'
import { replaceWebhooks } from '../../services/coordinator/webhooks'
import { resultOf } from '../rpc'
import { Coordination } from './coordination'
import { liveChanges } from './held-changes'
import { approveUnderLock, commandOutcome, commandUnderLock, type LockedCommand } from './registry-command'
import { RolloutTicks, TickSchedule } from './tick-schedule'

const ALARM_RETRY_MS = 5_000

export class ModelCoordinator extends DurableObject<Env> implements CoordinatorRpc {
  private readonly parts: Coordination
  private readonly runner: RolloutRunner
  private readonly deliverer: WebhookDeliverer
  private readonly ticks: RolloutTicks
  private lock: Promise<unknown> = Promise.resolve()

  /**
   * The runtime passes `ctx` and `env`; `services` is built from them. Integration tests pass their
   * own (a fake webhook poster, a publication that counts KV writes) to drive the alarm and the
   * publish pacer on a fake clock.
   */
  constructor(ctx: DurableObjectState, env: Env, services: Services = buildServices(env)) {
    super(ctx, env)
    this.parts = new Coordination(ctx.storage, services, () => void this.deliverer.deliverDue(Date.now()))
    this.deliverer = new WebhookDeliverer({
      store: this.parts.store.deliveries(),
      outbox: (records) => this.parts.journal.outbox(records),
      armAlarm: (at) => this.parts.store.armAlarm(at),
      post: services.webhookPoster,
      now: () => Date.now(),
    })
    this.runner = new RolloutRunner(this.parts.port)
    this.ticks = new RolloutTicks(
      this.parts,
      this.runner,
      new TickSchedule({
        intervalMs: services.settings.rolloutTickMs,
        armAlarm: (at) => this.parts.store.armAlarm(at),
        index: services.tickIndex,
      }),
      (fn) => this.serialize(fn),
    )
  }

  // ───────────────────────────── registry ─────────────────────────────

  auditHead(): Promise<Result<AuditHeadView | null>> {
    return this.rpc('auditHead', () => this.parts.auditHead())
  }

  view(): Promise<Result<ModelView | null>> {
    return this.rpc('view', async () =>
      this.parts.store.state === null ? null : this.parts.view(this.parts.store.state),
    )
  }

  snapshot(): Promise<Result<RoutingSnapshot | null>> {
    return this.rpc('snapshot', async () => {
      const s = this.parts.store.state
      return s === null ? null : toSnapshot(s, { actor: 'system', reason: 'read', now: s.updated_at })
    })
  }

  /** A registry command; its preconditions are checked under the lock (./registry-command). */
  command(cmd: RegistryCommand, meta: CommandMeta): Promise<Result<CommandOutcome>> {
    return this.rpc('command', async () =>
      this.afterLock(await this.serialize(() => commandUnderLock(this.parts, this.runner, cmd, meta)), meta.actor),
    )
  }

  approveChange(id: string, actor: string, requestId: string): Promise<Result<ApprovedOutcome>> {
    return this.rpc('approveChange', async () => {
      const { done, change } = await this.serialize(() =>
        approveUnderLock(this.parts, this.runner, id, { actor, requestId }),
      )
      const out = await this.afterLock(done, actor)
      return { ...out, change: { ...change, approved_by: actor, approved_at: new Date().toISOString() } }
    })
  }

  pendingChanges(): Promise<Result<PendingChange[]>> {
    return this.rpc('pendingChanges', () => liveChanges(this.parts))
  }

  // ───────────────────────────── rollouts ─────────────────────────────

  /** `ifMatch`: the model epoch the operator saw (If-Match), checked under the lock; null: unconditional. */
  startRollout(req: StartRolloutInput, actor: string, ifMatch: number | null = null): Promise<Result<RolloutOutcome>> {
    return this.rpc('startRollout', () =>
      this.rolloutStep(() => {
        this.parts.checkIfMatch(ifMatch)
        return startRollout(this.parts.port, this.runner, req, actor)
      }),
    )
  }

  rolloutCommand(id: string, cmd: RolloutCommand, actor: string, at?: number): Promise<Result<RolloutOutcome>> {
    return this.rpc('rolloutCommand', () =>
      this.rolloutStep(async () => {
        if (at !== undefined) this.parts.pinClock(at)
        return runRolloutCommand(this.parts.port, this.runner, id, cmd, actor)
      }),
    )
  }

  rolloutView(id: string): Promise<Result<RolloutView | null>> {
    return this.rpc('rolloutView', async () => {
      const stored = await this.parts.store.rollout(id)
      return stored ? this.runner.view(stored) : null
    })
  }

  activeRolloutId(): Promise<Result<string | null>> {
    return this.rpc('activeRolloutId', async () => this.parts.store.active?.state.id ?? null)
  }

  /** The cron's gate tick for the minute `at` (the coordinator's own alarm runs the same one). */
  tick(at: number): Promise<Result<TickResult>> {
    return this.rpc('tick', () => this.ticks.tickAt(at))
  }

  // ─────────────────────── incidents and webhooks ───────────────────────

  setWebhooks(list: WebhookInput[], actor: string): Promise<Result<WebhookRow[]>> {
    return this.recordedRpc('setWebhooks', () => replaceWebhooks(this.parts.port, list, actor))
  }

  retrospective(incidentId: string, input: RetrospectiveInput, actor: string): Promise<Result<IncidentRow>> {
    return this.recordedRpc('retrospective', () => recordRetrospective(this.parts.port, incidentId, input, actor))
  }

  closeActionItem(incidentId: string, index: number, actor: string): Promise<Result<IncidentRow>> {
    return this.recordedRpc('closeActionItem', () => closeActionItem(this.parts.port, incidentId, index, actor))
  }

  incidentById(id: string): Promise<Result<IncidentRow | null>> {
    return this.rpc('incidentById', () => this.parts.store.incident(id))
  }

  // ───────────────────────────── upkeep ─────────────────────────────

  /**
   * Finishes an interrupted decision, runs the gate tick it owes (./tick-schedule), retries what
   * did not propagate and arms the next tick. Every step runs even when an earlier one throws; a
   * failed step brings the alarm back after ALARM_RETRY_MS.
   */
  override async alarm(): Promise<void> {
    await this.parts.load()
    const { ticks } = this
    for (const step of [() => this.settle(), () => ticks.selfTick(), () => this.upkeep(), () => ticks.sync()]) {
      await step().catch(async (err: unknown) => {
        console.error(`${this.parts.store.state?.model ?? 'coordinator'}: alarm step failed:`, err)
        await this.parts.store.armAlarm(Date.now() + ALARM_RETRY_MS)
      })
    }
  }

  /** Retry whatever did not propagate: outbox records to D1, the latest snapshot to KV, webhooks. */
  reconcile(_now: number): Promise<Result<void>> {
    return this.rpc('reconcile', () => this.upkeep())
  }

  private async upkeep(): Promise<void> {
    await this.parts.journal.flush()
    if (this.parts.store.state !== null) await this.parts.publisher.reconcile(this.parts.store.state)
    await this.deliverer.deliverDue(Date.now())
  }

  // ───────────────────────────── internals ─────────────────────────────

  /** After a registry command left the lock: D1 and the edge follow (a burst shares their writes). */
  private async afterLock(done: LockedCommand, actor: string): Promise<CommandOutcome> {
    const record = done.committed?.record
    if (record && done.waitForEdge) await this.parts.propagate(record.snapshot)
    else if (record) await this.parts.propagateLater(record.snapshot)
    else await this.parts.journal.flush()
    if (done.endedRollout !== null) {
      void this.deliverer.deliverDue(Date.now())
      await this.ticks.sync()
    }
    return commandOutcome(this.parts, done, actor)
  }

  /** Every RPC method: load once, run, answer a Result. */
  private rpc<T>(name: string, fn: () => Promise<T>): Promise<Result<T>> {
    return resultOf(`coordinator.${name}`, async () => {
      await this.parts.load()
      await this.settle()
      return fn()
    })
  }

  private recordedRpc<T>(name: string, fn: () => Promise<T>): Promise<Result<T>> {
    return this.rpc(name, () => this.recorded(fn))
  }

  /** Runs what a crash left of the last decision (see `serialize`) before anything reads the state. */
  private async settle(): Promise<void> {
    if (this.parts.store.active?.intent) await this.recorded(async () => undefined)
  }

  /** A rollout step under the lock, recorded in D1 before the answer, with the current snapshot. */
  private async rolloutStep(fn: () => Promise<StoredRollout>): Promise<RolloutOutcome> {
    const stored = await this.recorded(fn)
    void this.deliverer.deliverDue(Date.now())
    await this.ticks.sync()
    return { rollout: await this.runner.view(stored), snapshot: this.parts.currentSnapshot('current') }
  }

  /**
   * The lock. Whatever holds it first runs the rest of an intent a throw, a reset or a deploy left
   * (RolloutRunner.resume), so nothing changes the registry or the rollout before the last
   * decision's effects have all run, and reads after an RPC see them.
   */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const next = async () => {
      const active = this.parts.store.active
      if (active?.intent) await this.runner.resume(active)
      return fn()
    }
    const run = this.lock.then(next, next)
    this.lock = run.catch(() => undefined)
    return run
  }

  /**
   * Runs an operator's command under the lock, then waits until D1 holds the history and audit it
   * committed, so whoever reads the audit log or the dashboard after the answer sees the change.
   * The wait is outside the lock, so a burst of commands shares one D1 batch. A D1 failure does not
   * fail the command: the outbox keeps the records and the alarm retries them.
   */
  private async recorded<T>(fn: () => Promise<T>): Promise<T> {
    const out = await this.serialize(fn)
    await this.parts.journal.flush()
    return out
  }
}
