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
 *    coalesces into one KV write per interval.
 */
import { DurableObject } from 'cloudflare:workers'
import type {
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
import { buildServices } from '../../compose'
import type { RetrospectiveInput, StartRolloutInput, WebhookInput } from '../../schemas/rollout'
import type { RolloutView } from '../../schemas/rollout-view'
import type { RoutingSnapshot } from '../../schemas/routing'
import type { ModelView } from '../../schemas/views'
import { closeActionItem, recordRetrospective } from '../../services/coordinator/incidents'
import { guardDuringRollout } from '../../services/coordinator/registry-guard'
import { runRolloutCommand, tickRollout } from '../../services/coordinator/rollout-commands'
import { RolloutRunner, type StoredRollout } from '../../services/coordinator/rollout-runner'
import { startRollout } from '../../services/coordinator/start-rollout'
import { WebhookDeliverer } from '../../services/coordinator/webhook-deliverer'
import { replaceWebhooks } from '../../services/coordinator/webhooks'
import { resultOf } from '../rpc'
import { Coordination } from './coordination'

export class ModelCoordinator extends DurableObject<Env> implements CoordinatorRpc {
  private readonly parts: Coordination
  private readonly runner: RolloutRunner
  private readonly deliverer: WebhookDeliverer
  private lock: Promise<unknown> = Promise.resolve()

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    const services = buildServices(env)
    this.parts = new Coordination(ctx.storage, services, (d) => this.deliverer.enqueue(d.webhook, d.event, d.body))
    this.deliverer = new WebhookDeliverer({
      store: this.parts.store.deliveries(),
      outbox: (records) => this.parts.journal.outbox(records),
      armAlarm: (at) => this.parts.store.armAlarm(at),
      post: services.webhookPoster,
      now: () => Date.now(),
    })
    this.runner = new RolloutRunner(this.parts.port)
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

  command(cmd: RegistryCommand, meta: CommandMeta): Promise<Result<CommandOutcome>> {
    return this.rpc('command', async () => {
      if (guardDuringRollout(this.parts.store.active, this.parts.store.state, cmd) === 'end_rollout') {
        // The one-command rollback also ends the active rollout, through its own runbook. Its
        // If-Match still holds: a stale epoch means the caller decided on a routing that changed.
        this.parts.checkIfMatch(meta.ifMatch)
        const id = (this.parts.store.active as StoredRollout).state.id
        const reason = cmd.type === 'rollback' ? cmd.reason : undefined
        await this.rolloutStep(() =>
          runRolloutCommand(this.parts.port, this.runner, id, { type: 'rollback', reason }, meta.actor),
        )
        const view = this.parts.view(this.parts.requireModel())
        return { changed: true, created: false, snapshot: this.parts.currentSnapshot('rollback'), view }
      }
      const committed = await this.serialize(() => this.parts.commit(cmd, meta))
      // A rollback by hand counts as a recent rollback for the approval policy, like the runner's.
      if (cmd.type === 'rollback' && committed.record !== null) await this.parts.store.noteRollback(this.parts.now())
      if (committed.record !== null) await this.parts.propagate(committed.record.snapshot)
      const state = this.parts.requireModel()
      return {
        changed: committed.record !== null,
        created: committed.created,
        snapshot:
          committed.record?.snapshot ??
          toSnapshot(state, { actor: meta.actor, reason: 'unchanged', now: state.updated_at }),
        view: this.parts.view(state),
      }
    })
  }

  // ───────────────────────────── rollouts ─────────────────────────────

  startRollout(req: StartRolloutInput, actor: string): Promise<Result<RolloutOutcome>> {
    return this.rpc('startRollout', () =>
      this.rolloutStep(() => startRollout(this.parts.port, this.runner, req, actor)),
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

  /** One gate tick: evaluate the active rollout's gates and act; confirm a pending rollback. */
  tick(at: number): Promise<Result<TickResult>> {
    // Not rolloutStep: the tick's D1 writes follow on their own. Waiting for them would hold the
    // cron's fan-out on D1's single writer, and no decision depends on them.
    return this.rpc('tick', () =>
      this.serialize(async () => {
        this.parts.pinClock(at)
        const out = await tickRollout(this.parts.port, this.runner, this.parts.now())
        const snapshot = out.routed ? this.parts.currentSnapshot('current') : null
        return { rollout: out.rollout, phase: out.phase, decision: out.decision, snapshot }
      }),
    )
  }

  // ─────────────────────── incidents and webhooks ───────────────────────

  setWebhooks(list: WebhookInput[], actor: string): Promise<Result<WebhookRow[]>> {
    return this.rpc('setWebhooks', () => this.recorded(() => replaceWebhooks(this.parts.port, list, actor)))
  }

  retrospective(incidentId: string, input: RetrospectiveInput, actor: string): Promise<Result<IncidentRow>> {
    return this.rpc('retrospective', () =>
      this.recorded(() => recordRetrospective(this.parts.port, incidentId, input, actor)),
    )
  }

  closeActionItem(incidentId: string, index: number, actor: string): Promise<Result<IncidentRow>> {
    return this.rpc('closeActionItem', () =>
      this.recorded(() => closeActionItem(this.parts.port, incidentId, index, actor)),
    )
  }

  incidentById(id: string): Promise<Result<IncidentRow | null>> {
    return this.rpc('incidentById', () => this.parts.store.incident(id))
  }

  // ───────────────────────────── upkeep ─────────────────────────────

  override async alarm(): Promise<void> {
    await this.parts.load()
    await this.upkeep()
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

  /** Every RPC method: load once, run, answer a Result. */
  private rpc<T>(name: string, fn: () => Promise<T>): Promise<Result<T>> {
    return resultOf(`coordinator.${name}`, async () => {
      await this.parts.load()
      return fn()
    })
  }

  /** A rollout step under the lock, recorded in D1 before the answer, with the current snapshot. */
  private async rolloutStep(fn: () => Promise<StoredRollout>): Promise<RolloutOutcome> {
    const stored = await this.recorded(fn)
    void this.deliverer.deliverDue(Date.now())
    return { rollout: await this.runner.view(stored), snapshot: this.parts.currentSnapshot('current') }
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn)
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
