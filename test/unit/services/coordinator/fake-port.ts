/**
 * An in-memory `CoordinatorPort` for the coordinator's use cases (src/services/coordinator), as the
 * Durable Object implements it over its storage (durable-objects/model-coordinator/coordination.ts):
 *
 * - a settable clock (`clock`, `advance`) and deterministic ids (`inc_1`, `vrd_2`, ...);
 * - a model state built with the registry's own transitions; `registry` applies commands with
 *   `decideCommand` and answers `toSnapshot`, and logs every command it was given;
 * - everything a use case writes is recorded: audit entries, outbox records, deliveries,
 *   incidents, webhooks, saved rollouts and the last rollback time;
 * - `summary` is programmable: plant traffic per epoch with `plant` / `plantArms` (the default
 *   answer merges the planted rows whose epoch lies in the query's range, as the metrics shards
 *   do), or replace it with `summaryImpl`. Every query is kept in `summaryQueries`.
 *
 * The real `registry` also seals an audit entry for the registry change; here registry changes are
 * kept apart in `registryLog`, so `audits` holds exactly what the use cases asked `audit` for.
 *
 * Crash points: `crashAt = k` lets k writes (registry, persist, noteRollback, ...) through and
 * throws `Crash` instead of the next one, which is then lost whole, as an atomic storage write is.
 * The state written so far stays, so a new runner over the same port replays what is pending.
 */
import type { IncidentRow, OutboxRecord, WebhookRow } from '../../../../src/adapters/d1/outbox'
import { DomainError } from '../../../../src/core/errors'
import { emptyAgg, type Agg, type MeasuredArm, type Segment } from '../../../../src/core/metrics/aggregate'
import type { MaturedRow } from '../../../../src/core/metrics/outcomes'
import type { ShardSummary, StageQuery } from '../../../../src/core/metrics/shard-data'
import { mergeSummaries, type MergedSummary } from '../../../../src/core/metrics/summary'
import type { IdPrefix } from '../../../../src/core/ids'
import { decideCommand, type RegistryCommand } from '../../../../src/core/registry/commands'
import {
  putVersion,
  setChampion,
  toSnapshot,
  upsertModel,
  type Change,
  type ModelState,
} from '../../../../src/core/registry/model-state'
import type { Backend, BusinessMetric, ModelInput, RiskTier } from '../../../../src/core/registry/types'
import { recordValue } from '../../../../src/core/stats/histogram'
import { momentsFromSums } from '../../../../src/core/stats/moments'
import type { RoutingSnapshot } from '../../../../src/schemas/routing'
import type {
  AuditFacts,
  CoordinatorPort,
  RolloutEffects,
  StoredRollout,
} from '../../../../src/services/coordinator/ports'

export const T0 = Date.UTC(2026, 2, 2, 9, 0, 0)
export const SEC = 1_000
export const MIN = 60 * SEC
export const HOUR = 60 * MIN
export const DAY = 24 * HOUR

const iso = (ms: number) => new Date(ms).toISOString()

export interface ModelOptions {
  model?: string
  risk?: RiskTier
  sla?: { p99_ms: number }
  metrics?: BusinessMetric[]
  /** Registered versions; the first one becomes champion unless `champion` says otherwise. */
  versions?: string[]
  /** The champion, or null for a model without one. */
  champion?: string | null
}

export function backendOf(version: string): Backend {
  return { url: `https://models.example/${version}`, timeout_ms: 30_000, stream_idle_timeout_ms: 30_000 }
}

/** A registered model, built with the registry's own transitions (as the admin API would). */
export function buildModel(opts: ModelOptions = {}, now = T0): ModelState {
  const name = opts.model ?? 'credit-risk'
  const input: ModelInput = {
    risk: opts.risk ?? 'medium',
    unit_header: 'x-unit-id',
    sla: opts.sla,
    fallback_to_champion: true,
    metrics: opts.metrics ?? [],
    shadow_compare: null,
    metric_shards: 4,
    latency_measure: 'ttfb',
  }
  const at = iso(now)
  let state = upsertModel(null, name, input, { now: at, salt: 'test-salt' }).state
  const versions = opts.versions ?? ['v1', 'v2']
  for (const v of versions) state = putVersion(state, v, backendOf(v), { now: at })?.state ?? state
  const champion = opts.champion === undefined ? versions[0] : opts.champion
  if (champion) state = setChampion(state, { version: champion, keep_weights: false }, { now: at }).state
  return state
}

/** One planted traffic row: what the metrics shards would hold for (epoch, version, arm, segment). */
export interface TrafficRow {
  epoch: number
  version: string
  arm: MeasuredArm
  segment: Segment
  agg: Agg
}

export interface ArmTraffic {
  requests: number
  /** 5xx answers among `requests`. */
  errors?: number
  /** Or the error rate (rounded to whole requests). */
  errorRate?: number
  /** Latency of every answer, ms (default 50). */
  latencyMs?: number
}

/** The aggregate of `requests` answers, `errors` of them 5xx, all answered in `latencyMs`. */
export function aggOf(t: ArmTraffic): Agg {
  const errors = t.errors ?? Math.round(t.requests * (t.errorRate ?? 0))
  const latency = t.latencyMs ?? 50
  const a = emptyAgg()
  a.requests = t.requests
  a.s5xx = errors
  a.s2xx = t.requests - errors
  recordValue(a.latency, latency, t.requests)
  a.latencyMoments = momentsFromSums(t.requests, latency * t.requests, latency * latency * t.requests)
  return a
}

export interface RegistryCall {
  cmd: RegistryCommand
  actor: string
  /** The registry's change, or null when the command changed nothing. */
  change: Change | null
  epoch: number
}

export interface Delivery {
  id: string
  webhook: WebhookRow
  event: string
  body: unknown
}

/** What `crashAt` throws: an object reset between two writes, as far as the use case can tell. */
export class Crash extends Error {
  constructor(readonly write: string) {
    super(`crash before ${write}`)
  }
}

export class FakePort implements CoordinatorPort {
  clock = T0
  state: ModelState | null
  private seq = 0

  /** Every write, in order: `registry:<type>`, `audit:<action>`, `outbox:<kind>`, `deliver:<event>`, ... */
  readonly trace: string[] = []
  readonly registryLog: RegistryCall[] = []
  readonly audits: AuditFacts[] = []
  readonly outboxRecords: OutboxRecord[] = []
  readonly deliveries: Delivery[] = []
  readonly incidentRows = new Map<string, IncidentRow>()
  hooks: WebhookRow[] = []
  readonly rollouts = new Map<string, StoredRollout>()
  activeRollout: StoredRollout | null = null
  /** Every rollout the use cases saved, in order. */
  readonly savedRollouts: StoredRollout[] = []
  lastRollback: number | null = null
  readonly rollbackNotes: number[] = []
  /** Writes still allowed before a `Crash` (null: never crash). */
  crashAt: number | null = null
  /** Writes made so far (every kind counted by `crashAt`). */
  writes = 0

  readonly traffic: TrafficRow[] = []
  /** Matured business outcomes (the shards' `matured` rows), planted with `plantOutcomes`. */
  readonly matured: MaturedRow[] = []
  readonly summaryQueries: StageQuery[] = []
  /** Replace the planted-traffic answer with any function of the query. */
  summaryImpl: ((q: StageQuery) => MergedSummary) | null = null

  constructor(model: ModelState | ModelOptions | null = {}) {
    this.state = model === null ? null : 'epoch' in model ? model : buildModel(model as ModelOptions)
  }

  // ───────────── test controls ─────────────

  advance(ms: number): number {
    this.clock += ms
    return this.clock
  }

  /** The model's current epoch (the routing live now). */
  get epoch(): number {
    return this.model().epoch
  }

  plant(row: { epoch?: number; version: string; arm: MeasuredArm; segment?: Segment } & ArmTraffic): void {
    this.traffic.push({
      epoch: row.epoch ?? this.epoch,
      version: row.version,
      arm: row.arm,
      segment: row.segment ?? '',
      agg: aggOf(row),
    })
  }

  /** Weight-routed traffic of both arms at `epoch` (default: the current one). */
  plantArms(
    arms: { champion?: ArmTraffic & { version?: string }; challenger?: ArmTraffic & { version?: string } },
    epoch = this.epoch,
  ): void {
    const { champion, challenger } = arms
    if (champion) this.plant({ epoch, version: champion.version ?? 'v1', arm: 'champion', ...champion })
    if (challenger) this.plant({ epoch, version: challenger.version ?? 'v2', arm: 'challenger', ...challenger })
  }

  /** Matured outcomes of a proportion metric: `positives` of `exposures` (segment '', this epoch). */
  plantOutcomes(row: {
    version: string
    arm: MeasuredArm
    metric: string
    exposures: number
    positives: number
  }): void {
    const { positives: x, ...rest } = row
    this.matured.push({ epoch: this.epoch, segment: '', n: x, sum: x, sumSq: x, ...rest })
  }

  setWebhooks(rows: Array<Partial<WebhookRow> & Pick<WebhookRow, 'url' | 'events'>>): WebhookRow[] {
    this.hooks = rows.map((r, i) => ({
      id: `wh_fixture_${i + 1}`,
      model: this.model().model,
      format: 'json',
      routingKey: null,
      createdAt: iso(this.clock),
      ...r,
    }))
    return this.hooks
  }

  putIncident(row: Partial<IncidentRow> & Pick<IncidentRow, 'id'>): IncidentRow {
    const full: IncidentRow = {
      model: this.model().model,
      rolloutId: null,
      at: iso(this.clock),
      trigger: 'gate_fail',
      actor: 'controller',
      summary: 'fixture incident',
      impact: null,
      confirmation: null,
      retrospective: null,
      openActionItems: 0,
      updatedAt: iso(this.clock),
      ...row,
    }
    this.incidentRows.set(full.id, full)
    return full
  }

  outboxOf<K extends OutboxRecord['kind']>(kind: K): Extract<OutboxRecord, { kind: K }>[] {
    return this.outboxRecords.filter((r): r is Extract<OutboxRecord, { kind: K }> => r.kind === kind)
  }

  auditActions(): string[] {
    return this.audits.map((a) => a.action)
  }

  registryTypes(): string[] {
    return this.registryLog.map((c) => c.cmd.type)
  }

  /** Counts one write, or throws `Crash` when the crash point is reached (nothing is written). */
  private write(name: string): void {
    if (this.crashAt !== null && this.writes >= this.crashAt) {
      this.crashAt = null
      throw new Crash(name)
    }
    this.writes += 1
  }

  // ───────────── CoordinatorPort ─────────────

  now(): number {
    return this.clock
  }

  newId(prefix: IdPrefix): string {
    this.seq += 1
    return `${prefix}_${this.seq}`
  }

  model(): ModelState {
    if (this.state === null) throw new DomainError('model_not_found', 'model is not registered')
    return this.state
  }

  async registry(cmd: RegistryCommand, actor: string): Promise<RoutingSnapshot> {
    this.write(`registry:${cmd.type}`)
    const current = this.model()
    const now = iso(this.clock)
    const t = decideCommand(cmd, current, current.model, { now, salt: () => 'test-salt' })
    if (t !== null) this.state = t.state
    const state = this.model()
    this.registryLog.push({ cmd, actor, change: t?.change ?? null, epoch: state.epoch })
    this.trace.push(`registry:${cmd.type}`)
    return toSnapshot(state, { actor, reason: t?.change.reason ?? 'unchanged', now })
  }

  async audit(facts: AuditFacts): Promise<void> {
    this.write(`audit:${facts.action}`)
    this.audits.push(structuredClone(facts))
    this.trace.push(`audit:${facts.action}`)
  }

  async outbox(records: OutboxRecord[]): Promise<void> {
    this.write('outbox')
    this.outboxRecords.push(...structuredClone(records))
    for (const r of records) this.trace.push(`outbox:${r.kind}`)
  }

  async summary(q: StageQuery): Promise<MergedSummary> {
    this.summaryQueries.push(structuredClone(q))
    if (this.summaryImpl) return this.summaryImpl(q)
    const max = q.maxEpoch ?? Number.POSITIVE_INFINITY
    const rows = this.traffic.filter((r) => r.epoch >= q.minEpoch && r.epoch <= max)
    const matured = this.matured.filter((r) => r.epoch >= q.minEpoch && r.epoch <= max)
    const part: ShardSummary = {
      cumulative: structuredClone(rows),
      matured: structuredClone(matured),
      counterfactual: [],
    }
    return mergeSummaries([part])
  }

  active(): StoredRollout | null {
    return this.activeRollout
  }

  async rollout(id: string): Promise<StoredRollout | null> {
    if (this.activeRollout?.state.id === id) return this.activeRollout
    return this.rollouts.get(id) ?? null
  }

  /** As the coordinator's store: saving a rollout makes it the model's active (or last) one. */
  async saveRollout(r: StoredRollout): Promise<void> {
    this.write('saveRollout')
    this.keep(r)
  }

  /** The effects in the order the object's journal writes them, all in one write. */
  async persist(r: StoredRollout, effects: RolloutEffects): Promise<void> {
    this.write('persist')
    this.keep(r)
    if (effects.incident) this.incidentRows.set(effects.incident.id, structuredClone(effects.incident))
    if (effects.audit) {
      this.audits.push(structuredClone(effects.audit))
      this.trace.push(`audit:${effects.audit.action}`)
    }
    for (const rec of effects.records ?? []) {
      this.outboxRecords.push(structuredClone(rec))
      this.trace.push(`outbox:${rec.kind}`)
    }
    for (const d of effects.deliveries ?? []) {
      // Stored by id, as the object's storage keys them: writing one again replaces it.
      const webhook = this.hooks.find((h) => h.id === d.webhookId) as WebhookRow
      const entry = structuredClone({ id: d.id, webhook, event: d.event, body: d.body })
      const at = this.deliveries.findIndex((x) => x.id === d.id)
      if (at >= 0) this.deliveries[at] = entry
      else this.deliveries.push(entry)
      this.trace.push(`deliver:${d.event}`)
    }
  }

  private keep(r: StoredRollout): void {
    const copy = structuredClone(r)
    this.rollouts.set(r.state.id, copy)
    this.activeRollout = copy
    this.savedRollouts.push(copy)
  }

  lastRollbackAt(): number | null {
    return this.lastRollback
  }

  async noteRollback(at: number): Promise<void> {
    this.write('noteRollback')
    this.lastRollback = at
    this.rollbackNotes.push(at)
    this.trace.push('noteRollback')
  }

  async incident(id: string): Promise<IncidentRow | null> {
    const row = this.incidentRows.get(id)
    return row ? structuredClone(row) : null
  }

  async incidents(): Promise<IncidentRow[]> {
    return [...this.incidentRows.values()].map((r) => structuredClone(r))
  }

  async saveIncident(row: IncidentRow): Promise<void> {
    this.write('saveIncident')
    this.incidentRows.set(row.id, structuredClone(row))
    this.trace.push('saveIncident')
  }

  webhooks(): WebhookRow[] {
    return this.hooks
  }

  async saveWebhooks(rows: WebhookRow[]): Promise<void> {
    this.write('saveWebhooks')
    this.hooks = structuredClone(rows)
    this.trace.push('saveWebhooks')
  }
}
