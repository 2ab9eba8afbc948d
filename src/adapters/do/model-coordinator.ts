/**
 * @module adapters/do/model-coordinator
 * One Durable Object per model: the only writer of that model's state, routing table and audit
 * stream. Commands are serialized here, so an operator action and a cron tick never race.
 *
 * A command runs in three steps:
 * 1. decide: the pure transition from `core/registry/model-state` (throws DomainError on refusal);
 * 2. commit: new state, audit head and an outbox record are written to DO storage in one atomic
 *    `put` (the point of no return);
 * 3. propagate: the outbox is flushed to D1 (history + audit) and the snapshot is published to KV.
 *    Both are retried from `alarm()` if they fail, so D1 or KV trouble delays history or
 *    propagation but never loses a committed change. Step 3 runs outside the command lock, so a
 *    burst of commands coalesces into one KV write per interval.
 */
import { DurableObject } from 'cloudflare:workers'
import { GENESIS_HASH, sealEntry } from '../../core/audit/chain'
import { DomainError, isDomainError, serializeDomainError, type SerializedDomainError } from '../../core/errors'
import { newId, newSalt } from '../../core/ids'
import {
  putVersion,
  rollback,
  setChampion,
  setRouting,
  toSnapshot,
  upsertModel,
  type ModelState,
  type RollbackTarget,
  type Transition,
} from '../../core/registry/model-state'
import { PublishPacer } from '../../core/routing/publish-pacer'
import { weightRanges } from '../../core/routing/select'
import type { Backend, ChampionInput, ModelInput } from '../../schemas/model'
import type { RoutingInput, RoutingSnapshot } from '../../schemas/routing'
import type { ModelView } from '../../schemas/views'
import { settingsOf, type Env } from '../../env'
import { openDb, writeHistory, type HistoryRecord } from '../d1/registry-store'
import { currentKey, writeCurrentSnapshot, writeEpochSnapshot } from '../kv/routing-snapshot-store'

export type RegistryCommand =
  | { type: 'upsert_model'; input: ModelInput }
  | { type: 'put_version'; version: string; backend: Backend }
  | { type: 'set_champion'; input: ChampionInput }
  | { type: 'set_routing'; input: RoutingInput }
  | { type: 'rollback'; target: RollbackTarget; reason: string }

export interface CommandMeta {
  model: string
  actor: string
  requestId: string
  /** Expected current epoch (If-Match), or null for an unconditional command. */
  ifMatch: number | null
}

export type CommandResult =
  | { ok: true; changed: boolean; created: boolean; snapshot: RoutingSnapshot; view: ModelView }
  | { ok: false; error: SerializedDomainError }

interface AuditHead {
  seq: number
  hash: string
}

const OUTBOX_PREFIX = 'outbox:'
const RETRY_DELAY_MS = 2_000
const PUBLISH_WAIT_MS = 10_000

export class ModelCoordinator extends DurableObject<Env> {
  private state: ModelState | null = null
  private head: AuditHead = { seq: 0, hash: GENESIS_HASH }
  private loaded: Promise<void> | null = null
  private lock: Promise<unknown> = Promise.resolve()
  private flushing: Promise<void> | null = null
  private readonly pacer: PublishPacer<RoutingSnapshot>

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.pacer = new PublishPacer<RoutingSnapshot>({
      minIntervalMs: settingsOf(env).kvMinWriteIntervalMs,
      now: () => Date.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      write: (snapshot) => writeCurrentSnapshot(this.env.ROUTING, snapshot),
    })
  }

  /** Current view of the model, or null if it is not registered. */
  async view(): Promise<ModelView | null> {
    await this.load()
    return this.state === null ? null : this.toView(this.state)
  }

  async snapshot(): Promise<RoutingSnapshot | null> {
    await this.load()
    const s = this.state
    return s === null ? null : toSnapshot(s, { actor: 'system', reason: 'read', now: s.updated_at })
  }

  /** Apply one registry command; errors come back as values (RPC drops error classes). */
  async command(cmd: RegistryCommand, meta: CommandMeta): Promise<CommandResult> {
    try {
      const committed = await this.serialize(() => this.commit(cmd, meta))
      if (committed.record !== null) await this.propagate(committed.record)
      const state = this.state as ModelState
      return {
        ok: true,
        changed: committed.record !== null,
        created: committed.created,
        snapshot: committed.record?.snapshot ?? toSnapshot(state, { actor: meta.actor, reason: 'unchanged', now: state.updated_at }),
        view: this.toView(state),
      }
    } catch (err) {
      if (isDomainError(err)) return { ok: false, error: serializeDomainError(err) }
      throw err
    }
  }

  override async alarm(): Promise<void> {
    await this.reconcile(Date.now())
  }

  /** Retry whatever did not propagate: outbox records to D1 and the latest snapshot to KV. */
  async reconcile(_now: number): Promise<void> {
    await this.load()
    await this.flushOutbox()
    const s = this.state
    if (s !== null && this.pacer.published < s.epoch) {
      // After a restart the pacer knows nothing; ask KV before writing again.
      const live = await this.env.ROUTING.getWithMetadata<{ epoch?: number }>(currentKey(s.model))
      if (live.metadata?.epoch === s.epoch) {
        this.pacer.markPublished(s.epoch)
        return
      }
      const snapshot = toSnapshot(s, { actor: 'system', reason: 'republish after failure', now: new Date().toISOString() })
      await writeEpochSnapshot(this.env.ROUTING, snapshot)
      await this.pacer.publish(snapshot)
    }
  }

  /** `created` is true when the command brought a model or version into existence (HTTP 201). */
  private async commit(cmd: RegistryCommand, meta: CommandMeta): Promise<{ record: HistoryRecord | null; created: boolean }> {
    await this.load()
    const current = this.state
    if (current !== null && current.model !== meta.model) {
      throw new DomainError('internal', 'coordinator addressed with a different model name')
    }
    if (meta.ifMatch !== null && (current === null || current.epoch !== meta.ifMatch)) {
      throw new DomainError('precondition_failed', `If-Match epoch ${meta.ifMatch} is stale; the current epoch is ${current?.epoch ?? 'none (model not registered)'}`, {
        extra: { current_epoch: current?.epoch ?? null },
      })
    }
    const now = new Date().toISOString()
    const transition = this.decide(cmd, current, meta.model, now)
    if (transition === null) return { record: null, created: false }

    const next = transition.state
    const snapshot = toSnapshot(next, { actor: meta.actor, reason: transition.change.reason, now })
    const audit = await sealEntry({
      id: newId('aud'),
      stream: next.model,
      seq: this.head.seq + 1,
      at: now,
      actor: meta.actor,
      action: transition.change.action,
      target: transition.change.target,
      before: transition.change.before ?? null,
      after: { ...(transition.change.after as object | null ?? {}), epoch: next.epoch },
      reason: transition.change.reason,
      prev_hash: this.head.hash,
    })
    const record: HistoryRecord = { state: next, snapshot, audit }
    const head: AuditHead = { seq: audit.seq, hash: audit.hash }
    // The atomic commit: state, audit head and outbox record land together or not at all.
    await this.ctx.storage.put({ state: next, head, [`${OUTBOX_PREFIX}${String(audit.seq).padStart(12, '0')}`]: record })
    this.state = next
    this.head = head
    const action = transition.change.action
    return { record, created: action === 'model.create' || action === 'version.register' }
  }

  private decide(cmd: RegistryCommand, current: ModelState | null, model: string, now: string): Transition | null {
    if (cmd.type === 'upsert_model') return upsertModel(current, model, cmd.input, { now, salt: newSalt() })
    if (current === null) throw new DomainError('model_not_found', `model ${model} is not registered`)
    switch (cmd.type) {
      case 'put_version':
        return putVersion(current, cmd.version, cmd.backend, { now })
      case 'set_champion':
        return setChampion(current, cmd.input, { now })
      case 'set_routing':
        return setRouting(current, cmd.input, { now })
      case 'rollback':
        return rollback(current, cmd.target, { now, reason: cmd.reason })
      default: {
        const unknown: never = cmd
        throw new DomainError('internal', `unknown command ${JSON.stringify(unknown)}`)
      }
    }
  }

  /** D1 history first, then KV; a failure of either schedules a retry and is reported. */
  private async propagate(record: HistoryRecord): Promise<void> {
    await this.flushOutbox()
    try {
      await writeEpochSnapshot(this.env.ROUTING, record.snapshot)
      await withTimeout(this.pacer.publish(record.snapshot), PUBLISH_WAIT_MS)
    } catch (err) {
      await this.scheduleRetry()
      throw new DomainError('publish_pending', `change recorded at epoch ${record.snapshot.epoch} but not yet published to the edge (${(err as Error).message}); it will be retried`, {
        extra: { epoch: record.snapshot.epoch },
      })
    }
  }

  private flushOutbox(): Promise<void> {
    // Single-flight: concurrent callers share one flush, which drains everything committed so far.
    if (this.flushing === null) {
      this.flushing = this.drainOutbox().finally(() => (this.flushing = null))
    }
    return this.flushing
  }

  /**
   * Writes outbox records to D1 until none are left. It loops because a command may commit while a
   * round is in flight; that caller joined this flush and must not return before its record is in.
   */
  private async drainOutbox(): Promise<void> {
    for (;;) {
      const pending = await this.ctx.storage.list<HistoryRecord>({ prefix: OUTBOX_PREFIX, limit: 50 })
      if (pending.size === 0) return
      try {
        await writeHistory(openDb(this.env.DB), [...pending.values()])
        await this.ctx.storage.delete([...pending.keys()])
      } catch (err) {
        console.error(`D1 history write failed for ${this.state?.model}: ${(err as Error).message}`)
        await this.scheduleRetry()
        return
      }
    }
  }

  private async scheduleRetry(): Promise<void> {
    const existing = await this.ctx.storage.getAlarm()
    if (existing === null) await this.ctx.storage.setAlarm(Date.now() + RETRY_DELAY_MS)
  }

  private load(): Promise<void> {
    if (this.loaded === null) {
      this.loaded = (async () => {
        const stored = await this.ctx.storage.get<[ModelState | undefined, AuditHead | undefined]>(['state', 'head'])
        this.state = (stored.get('state') as ModelState | undefined) ?? null
        this.head = (stored.get('head') as AuditHead | undefined) ?? { seq: 0, hash: GENESIS_HASH }
      })()
    }
    return this.loaded
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn)
    this.lock = run.catch(() => undefined)
    return run
  }

  private toView(s: ModelState): ModelView {
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
        created_at: s.created_at,
        updated_at: s.updated_at,
      },
      versions: Object.entries(s.versions)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, v]) => ({ name, backend: v.backend, registered_at: v.registered_at, first_exposed_epoch: v.first_exposed_epoch })),
      champion: s.routing?.champion ?? null,
      previous_champion: s.previous_champion,
      routing: s.routing,
      epoch: s.epoch,
      published_epoch: this.pacer.published,
      bucket_ranges: s.routing ? weightRanges(s.routing) : [],
    }
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
    p.then(
      (v) => {
        clearTimeout(t)
        resolve(v)
      },
      (e) => {
        clearTimeout(t)
        reject(e)
      }
    )
  })
}
