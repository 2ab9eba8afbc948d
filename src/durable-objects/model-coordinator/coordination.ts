/**
 * @module durable-objects/model-coordinator/coordination
 * The coordinator's parts wired together: its store, journal and publisher, the rollout clock, the
 * registry commit, and the `CoordinatorPort` the use cases run against.
 */
import type { OutboxRecord } from '../../adapters/d1/outbox'
import type { AuditHeadView } from '../../adapters/do/coordinator-client'
import type { Services } from '../../compose'
import { DomainError } from '../../core/errors'
import { newId, newSalt } from '../../core/ids'
import { decideCommand, type CommandMeta, type RegistryCommand } from '../../core/registry/commands'
import { modelWarnings } from '../../core/registry/bounds'
import { toSnapshot, type ModelState } from '../../core/registry/model-state'
import { rollbackTargetOf, type RollbackTargetInfo } from '../../core/registry/rollback-target'
import { policyOf } from '../../core/registry/two-person'
import { isTerminal } from '../../core/rollout/index'
import { bucketRanges } from '../../core/routing/select'
import type { RoutingSnapshot } from '../../schemas/routing'
import type { ModelView } from '../../schemas/views'
import type { AuditFacts, CoordinatorPort } from '../../services/coordinator/ports'
import { Journal } from './journal'
import { Publisher } from './publisher'
import { CoordinatorStore, keys } from './storage'

/** The rollback target as the model view shows it: only while a rollback may still go there. */
function targetView(t: RollbackTargetInfo | null): ModelView['rollback_target'] {
  return t?.live ? { version: t.version, promoted_at: t.promotedAt, expires_at: t.expiresAt } : null
}

/** How soon the alarm runs an intent that a throw or a reset left half done. */
const INTENT_RETRY_MS = 2_000
/** After the paced write's slot: when the alarm checks that a publish made without waiting landed. */
const PUBLISH_BACKSTOP_MS = 5_000

export interface Committed {
  record: { state: ModelState; snapshot: RoutingSnapshot } | null
  /** The command brought a model or version into existence (HTTP 201). */
  created: boolean
}

export class Coordination {
  readonly store: CoordinatorStore
  readonly journal: Journal
  readonly publisher: Publisher
  readonly port: CoordinatorPort
  private loaded: Promise<void> | null = null
  /**
   * The rollout clock never runs backwards: ticks carry the scheduler's time, and anything after a
   * tick is stamped no earlier than it (tests drive ticks with an explicit clock).
   */
  private clockFloor = 0

  constructor(
    storage: DurableObjectStorage,
    private readonly services: Services,
    /** Called after a write that stored webhook deliveries: they go out now, not at the next alarm. */
    onDeliveries: () => void,
  ) {
    this.store = new CoordinatorStore(storage)
    const armAlarm = (at: number) => this.store.armAlarm(at)
    this.journal = new Journal({
      storage,
      writeHistory: (records) => services.history.write(records),
      armAlarm,
      label: () => this.store.state?.model ?? 'unregistered model',
    })
    this.publisher = new Publisher(services.publication, services.settings.kvMinWriteIntervalMs, armAlarm)
    this.port = this.buildPort(onDeliveries)
  }

  load(): Promise<void> {
    this.loaded ??= this.store.load().then(({ head, outboxSeq }) => this.journal.restore(head, outboxSeq))
    return this.loaded
  }

  now(): number {
    return Math.max(Date.now(), this.clockFloor)
  }

  /** Moves the rollout clock forward to `at` (a tick's scheduled time); never back. */
  pinClock(at: number): void {
    this.clockFloor = Math.max(this.clockFloor, at)
  }

  /** How long a previous champion stays the rollback target (core/registry/rollback-target). */
  get retentionMs(): number {
    return this.services.settings.previousChampionRetentionMs
  }

  requireModel(): ModelState {
    if (this.store.state === null) throw new DomainError('model_not_found', 'model is not registered')
    return this.store.state
  }

  currentSnapshot(reason: string): RoutingSnapshot {
    const s = this.requireModel()
    return toSnapshot(s, { actor: 'system', reason, now: s.updated_at })
  }

  checkIfMatch(ifMatch: number | null): void {
    const current = this.store.state
    if (ifMatch !== null && (current === null || current.epoch !== ifMatch)) {
      throw new DomainError(
        'precondition_failed',
        `If-Match epoch ${ifMatch} is stale; the current epoch is ${current?.epoch ?? 'none (model not registered)'}`,
        { extra: { current_epoch: current?.epoch ?? null } },
      )
    }
  }

  /**
   * The audit head this object had sealed up to when asked, and whether D1 holds everything up to
   * it (its outbox flushed); null for a model that was never registered here.
   */
  async auditHead(): Promise<AuditHeadView | null> {
    if (this.store.state === null) return null
    const head = { ...this.journal.head }
    await this.journal.flush()
    // A failed D1 write leaves records in the outbox (the alarm retries them): D1 may lag the head.
    return { ...head, inD1: !(await this.journal.pending()) }
  }

  /** Decides and commits a registry command (under the caller's lock); publishing is the caller's. */
  async commit(cmd: RegistryCommand, meta: CommandMeta): Promise<Committed> {
    const current = this.store.state
    if (current !== null && current.model !== meta.model) {
      throw new DomainError('internal', 'coordinator addressed with a different model name')
    }
    this.checkIfMatch(meta.ifMatch)
    const now = new Date().toISOString()
    const transition = decideCommand(cmd, current, meta.model, { now, salt: () => newSalt() })
    if (transition === null) return { record: null, created: false }
    const next = transition.state
    const change = transition.change
    const snapshot = toSnapshot(next, { actor: meta.actor, reason: change.reason, now })
    const facts: AuditFacts = {
      action: change.action,
      target: change.target,
      before: change.before ?? null,
      after: {
        ...((change.after as object | null) ?? {}),
        epoch: next.epoch,
        // A change that needed a second person names both (core/registry/two-person).
        ...(meta.approval ? { ...meta.approval, approved_by: meta.actor } : {}),
      },
      reason: change.reason,
      actor: meta.actor,
    }
    const records = (entry: Parameters<Parameters<Journal['commit']>[3]>[0]): OutboxRecord[] => [
      { kind: 'registry', state: next, snapshot },
      { kind: 'audit', entry },
    ]
    // The atomic commit: state, audit head and outbox record land together or not at all.
    await this.journal.commit(facts, next.model, now, records, { state: next })
    this.store.state = next
    return {
      record: { state: next, snapshot },
      created: change.action === 'model.create' || change.action === 'version.register',
    }
  }

  view(s: ModelState): ModelView {
    const active = this.store.active
    return {
      model: {
        name: s.model,
        risk: s.risk,
        unit_header: s.unit_header,
        sla: s.sla,
        fallback_to_champion: s.fallback_to_champion,
        metrics: s.metrics,
        shadow_compare: s.shadow_compare,
        metric_shards: s.metric_shards,
        approval_policy: policyOf(s),
        created_at: s.created_at,
        updated_at: s.updated_at,
      },
      versions: Object.entries(s.versions)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, v]) => ({
          name,
          backend: v.backend,
          registered_at: v.registered_at,
          first_exposed_epoch: v.first_exposed_epoch,
        })),
      champion: s.routing?.champion ?? null,
      previous_champion: s.previous_champion,
      rollback_target: targetView(rollbackTargetOf(s, this.now(), this.retentionMs)),
      routing: s.routing,
      epoch: s.epoch,
      published_epoch: this.publisher.published,
      bucket_ranges: bucketRanges(s),
      active_rollout:
        active && !isTerminal(active.state.phase) ? { id: active.state.id, phase: active.state.phase } : null,
      warnings: modelWarnings(s.metrics),
    }
  }

  /** D1 history first, then the edge; a failure of either schedules a retry (publish_pending for KV). */
  async propagate(snapshot: RoutingSnapshot): Promise<void> {
    await this.journal.flush()
    await this.publisher.publish(snapshot)
  }

  /**
   * D1 history now, the edge without waiting: for a change no request can see yet
   * (core/registry/publish-wait), so that it does not wait for KV's next write slot. The alarm is
   * armed first: if this instance does not live to make the paced write, `reconcile` makes it.
   */
  async propagateLater(snapshot: RoutingSnapshot): Promise<void> {
    await this.journal.flush()
    await this.store.armAlarm(Date.now() + this.services.settings.kvMinWriteIntervalMs + PUBLISH_BACKSTOP_MS)
    void this.publisher.publish(snapshot).catch((err: unknown) => {
      // publish_pending: the publisher armed its retry already.
      console.warn(`${snapshot.model}: ${err instanceof DomainError ? err.detail : (err as Error).message}`)
    })
  }

  /** Commit and publish a registry change while already holding the lock (rollout actions). */
  private async registryUnderLock(cmd: RegistryCommand, actor: string): Promise<RoutingSnapshot> {
    const meta: CommandMeta = {
      model: this.requireModel().model,
      actor,
      requestId: 'controller',
      ifMatch: null,
      role: 'system',
    }
    const { record } = await this.commit(cmd, meta)
    if (record === null) return this.currentSnapshot('unchanged')
    try {
      await this.propagate(record.snapshot)
    } catch (err) {
      // The change is committed and the alarm retries its edge publish. The runbook must go on
      // with the committed epoch: a throw here would skip the rest of a rollback (its verdict,
      // alerts, incident and confirmation) or leave a promoted step without its epoch, ungated.
      if (!(err instanceof DomainError && err.code === 'publish_pending')) throw err
      console.warn(`${record.snapshot.model}: ${err.detail}`)
    }
    return record.snapshot
  }

  private buildPort(onDeliveries: () => void): CoordinatorPort {
    const stream = () => this.requireModel().model
    return {
      now: () => this.now(),
      newId: (prefix) => newId(prefix),
      model: () => this.requireModel(),
      registry: (cmd, actor) => this.registryUnderLock(cmd, actor),
      audit: (facts) => this.journal.audit(facts, stream(), new Date().toISOString()),
      outbox: (records) => this.journal.outbox(records),
      summary: (q) => this.services.measurement.summary(stream(), this.requireModel().metric_shards, q),
      active: () => this.store.active,
      rollout: (id) => this.store.rollout(id),
      saveRollout: (r) => this.store.saveRollout(r),
      persist: async (r, effects) => {
        const extra: Record<string, unknown> = { [keys.rollout(r.state.id)]: r, active: r.state.id }
        if (effects.incident) extra[keys.incident(effects.incident.id)] = effects.incident
        for (const d of effects.deliveries ?? []) extra[keys.delivery(d.id)] = d
        const records = effects.records ?? []
        await this.journal.write({
          audit: effects.audit,
          stream: stream(),
          at: new Date().toISOString(),
          records: (entry) => (entry ? [...records, { kind: 'audit', entry }] : records),
          extra,
        })
        this.store.active = r
        // If the rest of the intent never runs here (a throw, a reset), the alarm runs it.
        if (r.intent) await this.store.armAlarm(Date.now() + INTENT_RETRY_MS)
        void this.journal.flush()
        if ((effects.deliveries ?? []).length > 0) onDeliveries()
      },
      lastRollbackAt: () => this.store.lastRollbackAt,
      noteRollback: (at) => this.store.noteRollback(at),
      incident: (id) => this.store.incident(id),
      incidents: () => this.store.incidents(),
      saveIncident: async (row) => {
        await this.store.saveIncident(row)
        await this.journal.outbox([{ kind: 'incident', row }])
      },
      webhooks: () => this.store.hooks,
      saveWebhooks: (rows) => this.store.saveHooks(rows),
    }
  }
}
