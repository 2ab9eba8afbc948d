/**
 * @module adapters/do/model-coordinator
 * One Durable Object per model: the only writer of that model's registry state, routing table,
 * rollout state and audit stream. Commands are serialized here, so an operator action and a cron
 * tick never race.
 *
 * A registry change runs in three steps:
 * 1. decide: the pure transition from `core/registry/model-state` (throws DomainError on refusal);
 * 2. commit: new state, audit head and an outbox record land in DO storage in one atomic `put`;
 * 3. propagate: the outbox goes to D1 (history, audit) and the snapshot to KV. Both are retried
 *    from `alarm()` if they fail, so D1 or KV trouble delays history or propagation but never
 *    loses a committed change. Registry commands propagate outside the lock, so a burst of
 *    commands coalesces into one KV write per interval.
 * Rollouts (issue 4) run through `RolloutRunner` under the same lock.
 */
import { DurableObject } from 'cloudflare:workers'
import { GENESIS_HASH, sealEntry } from '../../core/audit/chain'
import { judgeOfflineReport } from '../../core/evaluation/offline'
import { DomainError, isDomainError, serializeDomainError, type SerializedDomainError } from '../../core/errors'
import { newId, newSalt } from '../../core/ids'
import { sumWhere } from '../../core/metrics/summary'
import {
  putVersion,
  rollback,
  sameBackend,
  setChampion,
  setRouting,
  toSnapshot,
  upsertModel,
  type ModelState,
  type Transition,
} from '../../core/registry/model-state'
import { isTerminal, start, type Input, type OperatorAction } from '../../core/rollout'
import { buildRolloutConfig } from '../../core/rollout/request'
import { PublishPacer } from '../../core/routing/publish-pacer'
import { weightRanges } from '../../core/routing/select'
import { quantile } from '../../core/stats/histogram'
import type { EvaluationReport } from '../../schemas/evaluation'
import type { RetrospectiveInput, StartRolloutInput, WebhookInput } from '../../schemas/rollout'
import type { RoutingSnapshot } from '../../schemas/routing'
import type { ModelView } from '../../schemas/views'
import { settingsOf, type Env } from '../../env'
import { openDb } from '../d1/registry-store'
import { writeOutbox, type IncidentRow, type OutboxRecord, type WebhookRow } from '../d1/outbox'
import { currentKey, writeCurrentSnapshot, writeEpochSnapshot } from '../kv/routing-snapshot-store'
import { collectSummary } from '../../services/summary'
import type { StageQuery } from './metrics-shard'
import type { CommandMeta, RegistryCommand } from './registry-commands'
import { RolloutRunner, type RolloutView, type StoredRollout } from './rollout-runner'
import { WebhookDeliverer, type PendingDelivery } from './webhook-deliverer'
import { redactedUrl } from '../../core/audit/redact'

export type { CommandMeta, RegistryCommand } from './registry-commands'

export type CommandResult =
  | { ok: true; changed: boolean; created: boolean; snapshot: RoutingSnapshot; view: ModelView }
  | { ok: false; error: SerializedDomainError }

/** `snapshot` is the model's current snapshot, so the caller's isolate can route by it at once. */
export type RolloutResult =
  { ok: true; rollout: RolloutView; snapshot: RoutingSnapshot } | { ok: false; error: SerializedDomainError }

/** Operator inputs on a rollout, as the HTTP layer sends them. */
export type RolloutCommand =
  | { type: OperatorAction; reason?: string | undefined }
  | { type: 'approve'; evidenceHash: string; step?: number | undefined; comment?: string | undefined }
  | { type: 'evaluation'; report: EvaluationReport }

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
  private active: StoredRollout | null = null
  private hooks: WebhookRow[] = []
  private lastRollbackAt: number | null = null
  private outboxSeq = 0
  private appendLock: Promise<unknown> = Promise.resolve()
  /**
   * The rollout clock never runs backwards: ticks carry the scheduler's time, and anything after a
   * tick is stamped no earlier than it (tests drive ticks with an explicit clock).
   */
  private clockFloor = 0
  private loaded: Promise<void> | null = null
  private lock: Promise<unknown> = Promise.resolve()
  private flushing: Promise<void> | null = null
  private readonly pacer: PublishPacer<RoutingSnapshot>
  private readonly runner: RolloutRunner
  private readonly deliverer: WebhookDeliverer

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.pacer = new PublishPacer<RoutingSnapshot>({
      minIntervalMs: settingsOf(env).kvMinWriteIntervalMs,
      now: () => Date.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      write: (snapshot) => writeCurrentSnapshot(this.env.ROUTING, snapshot),
    })
    this.deliverer = new WebhookDeliverer(
      ctx.storage,
      (records) => this.outbox(records),
      (at) => this.armAlarm(at),
    )
    this.runner = new RolloutRunner({
      now: () => this.now(),
      model: () => this.requireModel(),
      registry: (cmd, actor) => this.registryUnderLock(cmd, actor),
      audit: (action, target, before, after, reason, actor) =>
        this.audit({ action, target, before, after, reason, actor }),
      outbox: (records) => this.outbox(records),
      summary: (q) => this.summary(q),
      webhooks: () => this.hooks,
      enqueueDelivery: (wh, event, body) => this.deliverer.enqueue(wh, event, body),
      saveRollout: async (r) => {
        this.active = r
        await this.ctx.storage.put({ [`rollout:${r.state.id}`]: r, active: r.state.id })
      },
      incident: async (id) => (await this.ctx.storage.get<IncidentRow>(`incident:${id}`)) ?? null,
      saveIncident: (row) => this.saveIncident(row),
      noteRollback: (at) => this.noteRollbackAt(at),
    })
  }

  /** Remembers when this model was last rolled back (the approval policy's "recent rollback"). */
  private async noteRollbackAt(at: number): Promise<void> {
    this.lastRollbackAt = at
    await this.ctx.storage.put('last_rollback_at', at)
  }

  // ───────────────────────────── registry ─────────────────────────────

  /**
   * The audit head this object had sealed up to when asked, and whether D1 holds everything up to
   * it (its outbox flushed); null for a model that was never registered here.
   */
  async auditHead(): Promise<{ seq: number; hash: string; inD1: boolean } | null> {
    await this.load()
    if (this.state === null) return null
    const head = { ...this.head }
    await this.flushOutbox()
    // A failed D1 write leaves records in the outbox (the alarm retries them): D1 may lag the head.
    const pending = await this.ctx.storage.list({ prefix: OUTBOX_PREFIX, limit: 1 })
    return { ...head, inD1: pending.size === 0 }
  }

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
      await this.load()
      if (this.active && !isTerminal(this.active.state.phase) && cmd.type === 'put_version') {
        // The evidence (offline evaluation, stages passed) is about the backends the rollout started
        // with: swapping the champion's or the challenger's mid-rollout would carry it over to a
        // binary nobody evaluated. Other versions may change.
        const { champion, challenger } = this.active.state.config
        const existing = this.state?.versions[cmd.version]
        if (
          (cmd.version === champion || cmd.version === challenger) &&
          existing !== undefined &&
          !sameBackend(existing.backend, cmd.backend)
        ) {
          throw new DomainError(
            'conflict',
            `rollout ${this.active.state.id} is ${this.active.state.phase} with ${cmd.version}; abort it before changing ${cmd.version}'s backend, then start a new rollout`,
          )
        }
      }
      if (
        this.active &&
        !isTerminal(this.active.state.phase) &&
        cmd.type !== 'upsert_model' &&
        cmd.type !== 'put_version'
      ) {
        if (cmd.type === 'rollback') {
          // The one-command rollback also ends the active rollout, through its own runbook. Its
          // If-Match still holds: a stale epoch means the caller decided on a routing that changed.
          const current = this.requireModel()
          if (meta.ifMatch !== null && current.epoch !== meta.ifMatch) {
            throw new DomainError(
              'precondition_failed',
              `If-Match epoch ${meta.ifMatch} is stale; the current epoch is ${current.epoch}`,
              { extra: { current_epoch: current.epoch } },
            )
          }
          await this.rolloutCommand(this.active.state.id, { type: 'rollback', reason: cmd.reason }, meta.actor)
          const s = this.requireModel()
          return {
            ok: true,
            changed: true,
            created: false,
            snapshot: this.currentSnapshot('rollback'),
            view: this.toView(s),
          }
        }
        throw new DomainError(
          'conflict',
          `rollout ${this.active.state.id} is ${this.active.state.phase}; pause or abort it before changing routing by hand`,
        )
      }
      const committed = await this.serialize(() => this.commit(cmd, meta))
      // A rollback by hand counts as a recent rollback for the approval policy, like the runner's.
      if (cmd.type === 'rollback' && committed.record !== null) await this.noteRollbackAt(this.now())
      if (committed.record !== null) await this.propagate(committed.record.snapshot)
      const state = this.requireModel()
      return {
        ok: true,
        changed: committed.record !== null,
        created: committed.created,
        snapshot:
          committed.record?.snapshot ??
          toSnapshot(state, { actor: meta.actor, reason: 'unchanged', now: state.updated_at }),
        view: this.toView(state),
      }
    } catch (err) {
      if (isDomainError(err)) return { ok: false, error: serializeDomainError(err) }
      throw err
    }
  }

  // ───────────────────────────── rollouts ─────────────────────────────

  async startRollout(req: StartRolloutInput, actor: string): Promise<RolloutResult> {
    return this.rolloutCall(async () => {
      const model = this.requireModel()
      if (this.active && !isTerminal(this.active.state.phase)) {
        throw new DomainError(
          'conflict',
          `model ${model.model} already has an active rollout ${this.active.state.id} (${this.active.state.phase})`,
        )
      }
      const champion = model.routing?.champion
      if (!champion) throw new DomainError('no_champion', `model ${model.model} has no champion to compare with`)
      if (!model.versions[req.challenger]) {
        throw new DomainError('validation_failed', `unknown version ${req.challenger}`, {
          fields: [{ field: 'challenger', message: `register ${req.challenger} first` }],
        })
      }
      if (req.challenger === champion) {
        throw new DomainError('validation_failed', 'the challenger is the champion', {
          fields: [{ field: 'challenger', message: 'choose another version' }],
        })
      }
      const now = this.now()
      const history = await this.summary({ minEpoch: 0, now, metrics: [] })
      const champ = sumWhere(history, (r) => r.version === champion && r.arm !== 'shadow')
      const facts = {
        model: model.model,
        champion,
        slaP99Ms: model.sla?.p99_ms ?? null,
        metrics: model.metrics,
        // A champion p99 from fewer than 1,000 answers is too noisy to anchor a latency gate.
        championLatency: champ.latency.count >= 1_000 ? champ.latency : null,
        championP99Ms: champ.latency.count >= 1_000 ? quantile(champ.latency, 0.99) : null,
      }
      const { config, weaker } = buildRolloutConfig(req, facts)
      const openItems = (await this.incidents()).reduce((a, i) => a + (i.openActionItems ?? 0), 0)
      const t = start(config, {
        id: newId('ro'),
        now,
        risk: model.risk,
        lastRollbackAt: this.lastRollbackAt,
        gatesWeakerThanDefaults: weaker,
        openActionItems: openItems,
        evaluationWaived: req.waive_evaluation,
        actor,
        baseRules: model.routing?.rules ?? [],
      })
      let stored: StoredRollout = {
        state: t.state,
        meta: { startEpoch: model.epoch, finalEpoch: null, rollbackEpoch: null, failedStep: null, incidentId: null },
      }
      stored = await this.runner.execute(stored, t, actor)
      if (req.evaluation) stored = await this.runner.run(stored, this.evaluationInput(req.evaluation, actor), actor)
      return stored
    })
  }

  /** `at` pins the clock for this command (tests); it can only move the clock forward. */
  async rolloutCommand(id: string, cmd: RolloutCommand, actor: string, at?: number): Promise<RolloutResult> {
    return this.rolloutCall(async () => {
      if (at !== undefined) this.clockFloor = Math.max(this.clockFloor, at)
      const stored = await this.rolloutById(id)
      const now = this.now()
      let input: Input
      switch (cmd.type) {
        case 'approve':
          input = {
            type: 'approve',
            now,
            approver: actor,
            evidenceHash: cmd.evidenceHash,
            currentEvidenceHash: await this.runner.evidenceHash(stored.state),
            forStep: cmd.step,
            comment: cmd.comment,
          }
          break
        case 'evaluation':
          input = this.evaluationInput(cmd.report, actor)
          break
        default:
          input = { type: cmd.type, now, actor, reason: cmd.reason }
      }
      return this.runner.run(stored, input, actor)
    })
  }

  async rolloutView(id: string): Promise<RolloutView | null> {
    await this.load()
    const stored =
      this.active?.state.id === id ? this.active : await this.ctx.storage.get<StoredRollout>(`rollout:${id}`)
    return stored ? this.runner.view(stored) : null
  }

  async activeRolloutId(): Promise<string | null> {
    await this.load()
    return this.active?.state.id ?? null
  }

  /** One cron tick: evaluate the active rollout's gates and act; confirm a pending rollback. */
  async tick(
    at: number,
  ): Promise<{
    rollout: string | null
    phase: string | null
    decision: string | null
    snapshot: RoutingSnapshot | null
  }> {
    // Not serializeAndRecord: the tick's D1 writes follow on their own. Waiting for them would hold
    // the cron's fan-out on D1's single writer, and no decision depends on them.
    return this.serialize(async () => {
      await this.load()
      this.clockFloor = Math.max(this.clockFloor, at)
      const now = this.now()
      const stored = this.active
      if (!stored) return { rollout: null, phase: null, decision: null, snapshot: null }
      if (isTerminal(stored.state.phase)) {
        await this.runner.confirmRollback(stored, now)
        return { rollout: stored.state.id, phase: this.active?.state.phase ?? null, decision: null, snapshot: null }
      }
      const verdict = await this.runner.evaluate(stored, now)
      const r = stored.state
      const next = await this.runner.run(
        stored,
        { type: 'tick', now, stepIndex: r.stepIndex, stepEpoch: r.stepEpoch, verdict },
        'controller',
      )
      return {
        rollout: r.id,
        phase: next.state.phase,
        decision: verdict?.decision ?? null,
        snapshot: this.currentSnapshot('current'),
      }
    })
  }

  // ─────────────────────── incidents and webhooks ───────────────────────

  async setWebhooks(list: WebhookInput[], actor: string): Promise<WebhookRow[]> {
    return this.serializeAndRecord(async () => {
      const model = this.requireModel()
      const now = new Date().toISOString()
      const rows: WebhookRow[] = list.map((w) => ({
        id: newId('whd').replace('whd_', 'wh_'),
        model: model.model,
        url: w.url,
        format: w.format,
        events: w.events,
        routingKey: w.routing_key ?? null,
        createdAt: now,
      }))
      // The audit log names destinations without their secret paths (see core/audit/redact).
      const described = (hooks: WebhookRow[]) =>
        Promise.all(hooks.map(async (h) => ({ url: await redactedUrl(h.url), format: h.format, events: h.events })))
      const before = await described(this.hooks)
      this.hooks = rows
      await this.ctx.storage.put('webhooks', rows)
      await this.outbox([{ kind: 'webhooks', model: model.model, rows }])
      await this.audit({
        action: 'webhooks.set',
        target: model.model,
        before,
        after: await described(rows),
        reason: 'alert destinations replaced',
        actor,
      })
      return rows
    })
  }

  async retrospective(
    incidentId: string,
    input: RetrospectiveInput,
    actor: string,
  ): Promise<IncidentRow | { error: SerializedDomainError }> {
    try {
      return await this.serializeAndRecord(async () => {
        const inc = await this.ctx.storage.get<IncidentRow>(`incident:${incidentId}`)
        if (!inc) throw new DomainError('not_found', `incident ${incidentId} not found`)
        const items = input.action_items.map((a) => ({
          text: a.text,
          owner: a.owner ?? null,
          status: a.done ? 'closed' : 'open',
        }))
        const row: IncidentRow = {
          ...inc,
          retrospective: {
            root_cause: input.root_cause,
            action_items: items,
            recorded_by: actor,
            recorded_at: new Date().toISOString(),
          },
          openActionItems: items.filter((i) => i.status === 'open').length,
          updatedAt: new Date().toISOString(),
        }
        await this.saveIncident(row)
        await this.audit({
          action: 'incident.retrospective',
          target: incidentId,
          before: inc.retrospective ?? null,
          after: row.retrospective,
          reason: Array.from(input.root_cause).slice(0, 200).join(''),
          actor,
        })
        return row
      })
    } catch (err) {
      if (isDomainError(err)) return { error: serializeDomainError(err) }
      throw err
    }
  }

  async closeActionItem(
    incidentId: string,
    index: number,
    actor: string,
  ): Promise<IncidentRow | { error: SerializedDomainError }> {
    try {
      return await this.serializeAndRecord(async () => {
        const inc = await this.ctx.storage.get<IncidentRow>(`incident:${incidentId}`)
        const retro = inc?.retrospective as
          { action_items: Array<{ text: string; owner: string | null; status: string }> } | null | undefined
        const item = retro?.action_items[index]
        if (!inc || !retro || !item)
          throw new DomainError('not_found', `incident ${incidentId} has no action item ${index}`)
        const items = retro.action_items.map((a, i) => (i === index ? { ...a, status: 'closed' } : a))
        const row: IncidentRow = {
          ...inc,
          retrospective: { ...retro, action_items: items },
          openActionItems: items.filter((i) => i.status === 'open').length,
          updatedAt: new Date().toISOString(),
        }
        await this.saveIncident(row)
        await this.audit({
          action: 'incident.action_item.close',
          target: `${incidentId}#${index}`,
          before: item,
          after: items[index],
          reason: 'action item closed',
          actor,
        })
        return row
      })
    } catch (err) {
      if (isDomainError(err)) return { error: serializeDomainError(err) }
      throw err
    }
  }

  async incidentById(id: string): Promise<IncidentRow | null> {
    return (await this.ctx.storage.get<IncidentRow>(`incident:${id}`)) ?? null
  }

  // ───────────────────────────── upkeep ─────────────────────────────

  override async alarm(): Promise<void> {
    await this.reconcile(Date.now())
  }

  /** Retry whatever did not propagate: outbox records to D1, the latest snapshot to KV, webhooks. */
  async reconcile(_now: number): Promise<void> {
    await this.load()
    await this.flushOutbox()
    const s = this.state
    if (s !== null && this.pacer.published < s.epoch) {
      // After a restart the pacer knows nothing; ask KV before writing again.
      const live = await this.env.ROUTING.getWithMetadata<{ epoch?: number }>(currentKey(s.model))
      if (live.metadata?.epoch === s.epoch) this.pacer.markPublished(s.epoch)
      else {
        const snapshot = toSnapshot(s, {
          actor: 'system',
          reason: 'republish after failure',
          now: new Date().toISOString(),
        })
        await writeEpochSnapshot(this.env.ROUTING, snapshot)
        await this.pacer.publish(snapshot)
      }
    }
    await this.deliverer.deliverDue(Date.now())
  }

  async pendingDeliveries(): Promise<PendingDelivery[]> {
    return this.deliverer.pending()
  }

  // ───────────────────────────── internals ─────────────────────────────

  private async rolloutCall(fn: () => Promise<StoredRollout>): Promise<RolloutResult> {
    try {
      const stored = await this.serializeAndRecord(async () => {
        await this.load()
        return fn()
      })
      void this.deliverer.deliverDue(Date.now())
      return { ok: true, rollout: await this.runner.view(stored), snapshot: this.currentSnapshot('current') }
    } catch (err) {
      if (isDomainError(err)) return { ok: false, error: serializeDomainError(err) }
      throw err
    }
  }

  private async rolloutById(id: string): Promise<StoredRollout> {
    if (this.active?.state.id === id) return this.active
    const stored = await this.ctx.storage.get<StoredRollout>(`rollout:${id}`)
    if (!stored) throw new DomainError('rollout_not_found', `rollout ${id} not found`)
    return stored
  }

  private now(): number {
    return Math.max(Date.now(), this.clockFloor)
  }

  private evaluationInput(report: EvaluationReport, actor: string): Input {
    const verdict = judgeOfflineReport(report, this.requireModel().sla?.p99_ms ?? null)
    return {
      type: 'evaluation_report',
      now: this.now(),
      passed: verdict.passed,
      report: { report, checks: verdict.checks },
      actor,
      reason: verdict.reason,
    }
  }

  private async incidents(): Promise<IncidentRow[]> {
    return [...(await this.ctx.storage.list<IncidentRow>({ prefix: 'incident:' })).values()]
  }

  private async saveIncident(row: IncidentRow): Promise<void> {
    await this.ctx.storage.put(`incident:${row.id}`, row)
    await this.outbox([{ kind: 'incident', row }])
  }

  private summary(q: StageQuery) {
    return collectSummary(this.env, this.requireModel().model, this.requireModel().metric_shards, q)
  }

  private requireModel(): ModelState {
    if (this.state === null) throw new DomainError('model_not_found', 'model is not registered')
    return this.state
  }

  private currentSnapshot(reason: string): RoutingSnapshot {
    const s = this.requireModel()
    return toSnapshot(s, { actor: 'system', reason, now: s.updated_at })
  }

  /** Commit and publish a registry change while already holding the lock (rollout actions). */
  private async registryUnderLock(cmd: RegistryCommand, actor: string): Promise<RoutingSnapshot> {
    const { record } = await this.commit(cmd, {
      model: this.requireModel().model,
      actor,
      requestId: 'controller',
      ifMatch: null,
    })
    if (record === null) return this.currentSnapshot('unchanged')
    try {
      await this.propagate(record.snapshot)
    } catch (err) {
      // The change is committed and the alarm retries its edge publish. The runbook must go on
      // with the committed epoch: a throw here would skip the rest of a rollback (its verdict,
      // alerts, incident and confirmation) or leave a promoted step without its epoch, ungated.
      if (!(isDomainError(err) && err.code === 'publish_pending')) throw err
      console.warn(`${record.snapshot.model}: ${err.detail}`)
    }
    return record.snapshot
  }

  /** `created` is true when the command brought a model or version into existence (HTTP 201). */
  private async commit(
    cmd: RegistryCommand,
    meta: CommandMeta,
  ): Promise<{ record: { state: ModelState; snapshot: RoutingSnapshot } | null; created: boolean }> {
    await this.load()
    const current = this.state
    if (current !== null && current.model !== meta.model)
      throw new DomainError('internal', 'coordinator addressed with a different model name')
    if (meta.ifMatch !== null && (current === null || current.epoch !== meta.ifMatch)) {
      throw new DomainError(
        'precondition_failed',
        `If-Match epoch ${meta.ifMatch} is stale; the current epoch is ${current?.epoch ?? 'none (model not registered)'}`,
        {
          extra: { current_epoch: current?.epoch ?? null },
        },
      )
    }
    const now = new Date().toISOString()
    const transition = this.decide(cmd, current, meta.model, now)
    if (transition === null) return { record: null, created: false }
    const next = transition.state
    const snapshot = toSnapshot(next, { actor: meta.actor, reason: transition.change.reason, now })
    await this.appending(async () => {
      const entry = await this.sealAudit(
        {
          action: transition.change.action,
          target: transition.change.target,
          before: transition.change.before ?? null,
          after: { ...((transition.change.after as object | null) ?? {}), epoch: next.epoch },
          reason: transition.change.reason,
          actor: meta.actor,
        },
        next.model,
        now,
      )
      // The atomic commit: state, audit head and outbox record land together or not at all.
      const seq = this.outboxSeq + 1
      await this.ctx.storage.put({
        state: next,
        head: { seq: entry.seq, hash: entry.hash },
        outbox_seq: seq,
        [`${OUTBOX_PREFIX}${String(seq).padStart(12, '0')}`]: [
          { kind: 'registry', state: next, snapshot },
          { kind: 'audit', entry },
        ] satisfies OutboxRecord[],
      })
      this.outboxSeq = seq
      this.state = next
      this.head = { seq: entry.seq, hash: entry.hash }
    })
    const action = transition.change.action
    return { record: { state: next, snapshot }, created: action === 'model.create' || action === 'version.register' }
  }

  private decide(cmd: RegistryCommand, current: ModelState | null, model: string, now: string): Transition | null {
    if (cmd.type === 'upsert_model') return upsertModel(current, model, cmd.input, { now, salt: newSalt() })
    if (current === null) throw new DomainError('model_not_found', `model ${model} is not registered`)
    switch (cmd.type) {
      case 'put_version':
        return putVersion(current, cmd.version, cmd.backend, { now })
      case 'set_champion':
        return setChampion(current, cmd.input, { now, ...(cmd.reason ? { actorReason: cmd.reason } : {}) })
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

  private async sealAudit(
    f: { action: string; target: string; before: unknown; after: unknown; reason: string; actor: string },
    stream: string,
    at: string,
  ) {
    return sealEntry({
      id: newId('aud'),
      stream,
      seq: this.head.seq + 1,
      at,
      actor: f.actor,
      action: f.action,
      target: f.target,
      before: f.before ?? null,
      after: f.after ?? null,
      reason: f.reason,
      prev_hash: this.head.hash,
    })
  }

  /** Append a non-registry audit entry (rollout events, verdicts, incidents, webhooks). */
  private async audit(f: {
    action: string
    target: string
    before: unknown
    after: unknown
    reason: string
    actor: string
  }): Promise<void> {
    await this.appending(async () => {
      const entry = await this.sealAudit(f, this.requireModel().model, new Date().toISOString())
      const seq = this.outboxSeq + 1
      await this.ctx.storage.put({
        head: { seq: entry.seq, hash: entry.hash },
        outbox_seq: seq,
        [`${OUTBOX_PREFIX}${String(seq).padStart(12, '0')}`]: [{ kind: 'audit', entry }] satisfies OutboxRecord[],
      })
      this.outboxSeq = seq
      this.head = { seq: entry.seq, hash: entry.hash }
    })
  }

  private async outbox(records: OutboxRecord[]): Promise<void> {
    await this.appending(async () => {
      const seq = this.outboxSeq + 1
      await this.ctx.storage.put({ outbox_seq: seq, [`${OUTBOX_PREFIX}${String(seq).padStart(12, '0')}`]: records })
      this.outboxSeq = seq
    })
    void this.flushOutbox()
  }

  /**
   * Audit entries and outbox records are appended one at a time: each reads the chain head and the
   * outbox sequence, awaits (hashing, storage), then advances them. Two appends overlapping across
   * that await (a webhook delivery outside the command lock, say) would take the same sequence
   * number (one record overwriting the other) or fork the hash chain.
   */
  private appending<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.appendLock.then(fn, fn)
    this.appendLock = run.catch(() => undefined)
    return run
  }

  /** D1 history first, then KV; a failure of either schedules a retry and is reported. */
  private async propagate(snapshot: RoutingSnapshot): Promise<void> {
    await this.flushOutbox()
    try {
      await writeEpochSnapshot(this.env.ROUTING, snapshot)
      await withTimeout(this.pacer.publish(snapshot), PUBLISH_WAIT_MS)
    } catch (err) {
      await this.armAlarm(Date.now() + RETRY_DELAY_MS)
      throw new DomainError(
        'publish_pending',
        `change recorded at epoch ${snapshot.epoch} but not yet published to the edge (${(err as Error).message}); it will be retried`,
        {
          extra: { epoch: snapshot.epoch },
        },
      )
    }
  }

  private flushOutbox(): Promise<void> {
    // Single-flight: concurrent callers share one flush, which drains everything committed so far.
    if (this.flushing === null) this.flushing = this.drainOutbox().finally(() => (this.flushing = null))
    return this.flushing
  }

  /**
   * Writes outbox records to D1 until none are left. It loops because a command may commit while a
   * round is in flight; that caller joined this flush and must not return before its record is in.
   */
  private async drainOutbox(): Promise<void> {
    for (;;) {
      const pending = await this.ctx.storage.list<OutboxRecord[]>({ prefix: OUTBOX_PREFIX, limit: 25 })
      if (pending.size === 0) return
      try {
        await writeOutbox(openDb(this.env.DB), [...pending.values()].flat())
        await this.ctx.storage.delete([...pending.keys()])
      } catch (err) {
        console.error(`D1 write failed for ${this.state?.model}: ${(err as Error).message}`)
        await this.armAlarm(Date.now() + RETRY_DELAY_MS)
        return
      }
    }
  }

  /** One alarm serves every retry: keep the earliest requested time. */
  private async armAlarm(at: number): Promise<void> {
    const existing = await this.ctx.storage.getAlarm()
    if (existing === null || existing > at) await this.ctx.storage.setAlarm(at)
  }

  private load(): Promise<void> {
    if (this.loaded === null) {
      this.loaded = (async () => {
        const m = await this.ctx.storage.get(['state', 'head', 'active', 'webhooks', 'last_rollback_at', 'outbox_seq'])
        this.state = (m.get('state') as ModelState | undefined) ?? null
        this.head = (m.get('head') as AuditHead | undefined) ?? { seq: 0, hash: GENESIS_HASH }
        this.hooks = (m.get('webhooks') as WebhookRow[] | undefined) ?? []
        this.lastRollbackAt = (m.get('last_rollback_at') as number | undefined) ?? null
        this.outboxSeq = (m.get('outbox_seq') as number | undefined) ?? 0
        const activeId = m.get('active') as string | undefined
        this.active = activeId ? ((await this.ctx.storage.get<StoredRollout>(`rollout:${activeId}`)) ?? null) : null
      })()
    }
    return this.loaded
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn)
    this.lock = run.catch(() => undefined)
    return run
  }

  /**
   * Runs an operator's command under the lock, then waits until D1 holds the history and audit it
   * committed, so whoever reads the audit log or the dashboard after the answer sees the change. The wait is
   * outside the lock, so a burst of commands shares one D1 batch. A D1 failure does not fail the
   * command: the outbox keeps the records and the alarm retries them.
   */
  private async serializeAndRecord<T>(fn: () => Promise<T>): Promise<T> {
    const out = await this.serialize(fn)
    await this.flushOutbox()
    return out
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
        .map(([name, v]) => ({
          name,
          backend: v.backend,
          registered_at: v.registered_at,
          first_exposed_epoch: v.first_exposed_epoch,
        })),
      champion: s.routing?.champion ?? null,
      previous_champion: s.previous_champion,
      routing: s.routing,
      epoch: s.epoch,
      published_epoch: this.pacer.published,
      bucket_ranges: s.routing ? weightRanges(s.routing) : [],
      active_rollout:
        this.active && !isTerminal(this.active.state.phase)
          ? { id: this.active.state.id, phase: this.active.state.phase }
          : null,
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
      },
    )
  })
}
