/**
 * @module core/registry/model-state
 * The authoritative state of one model and the pure transitions the model's coordinator applies.
 *
 * Every transition returns the next state and a `Change` (what the audit log and routing history
 * record), or throws a `DomainError`. Each successful transition bumps the epoch by exactly one, so
 * the epoch names one immutable snapshot. Time and the model's salt are passed in.
 */
import { DomainError } from '../errors'
import { CURRENT_HASH_VERSION, type HashVersion } from '../routing/hash'
import { layoutAfter } from '../routing/layout'
import type { RoutingInput, RoutingSnapshot, RoutingTable, Segments } from '../routing/types'
import { routingProblems } from './routing-table'
import {
  DEFAULT_APPROVAL_POLICY,
  DEFAULT_STREAM_IDLE_TIMEOUT_MS,
  type ApprovalPolicy,
  type Backend,
  type BusinessMetric,
  type ChampionInput,
  type LatencyMeasure,
  type ModelInput,
  type ShadowCompare,
} from './types'

export interface VersionRecord {
  backend: Backend
  registered_at: string
  first_exposed_epoch: number | null
}

export interface ModelState {
  model: string
  risk: ModelInput['risk']
  unit_header: string
  sla: { p99_ms: number } | null
  fallback_to_champion: boolean
  metrics: BusinessMetric[]
  shadow_compare: ShadowCompare | null
  /** Aggregation shards; never decreases, so readers can always find every shard written to. */
  metric_shards: number
  /** Which latency the latency gate reads; absent in states stored before the setting: `ttfb`. */
  latency_measure?: LatencyMeasure
  /** Who must agree to a guarded change; absent in states stored before the setting: the default. */
  approval_policy?: ApprovalPolicy
  created_at: string
  updated_at: string
  salt: string
  hash_version: HashVersion
  /** Hash v2's bucket layout; set with every routing change (core/routing/layout `layoutAfter`). */
  segments?: Segments
  epoch: number
  versions: Record<string, VersionRecord>
  routing: RoutingTable | null
  /** The champion before the last champion switch: the blue/green rollback target. */
  previous_champion: string | null
  /** When the current champion took over (absent in states stored before it was recorded). */
  champion_since?: string
}

export type ChangeAction =
  | 'model.create'
  | 'model.update'
  | 'version.register'
  | 'version.update'
  | 'champion.set'
  | 'routing.set'
  | 'routing.rollback'

export interface Change {
  action: ChangeAction
  target: string
  before: unknown
  after: unknown
  reason: string
}

export interface Transition {
  state: ModelState
  change: Change
}

const bump = (state: ModelState, now: string): ModelState => ({ ...state, epoch: state.epoch + 1, updated_at: now })

/** Create the model, or update its settings. Settings changes never touch routing. */
export function upsertModel(
  current: ModelState | null,
  model: string,
  input: ModelInput,
  ctx: { now: string; salt: string },
): Transition {
  const settings = {
    risk: input.risk,
    unit_header: input.unit_header,
    sla: input.sla ?? null,
    fallback_to_champion: input.fallback_to_champion,
    metrics: input.metrics,
    shadow_compare: input.shadow_compare,
    metric_shards: Math.max(input.metric_shards, current?.metric_shards ?? 1),
    latency_measure: input.latency_measure,
    // Absent in the input: the model keeps its policy, so a settings update cannot reset it unseen.
    approval_policy: input.approval_policy ?? current?.approval_policy ?? DEFAULT_APPROVAL_POLICY,
  }
  if (current === null) {
    const state: ModelState = {
      model,
      ...settings,
      created_at: ctx.now,
      updated_at: ctx.now,
      salt: ctx.salt,
      hash_version: CURRENT_HASH_VERSION,
      epoch: 1,
      versions: {},
      routing: null,
      previous_champion: null,
    }
    return {
      state,
      change: { action: 'model.create', target: model, before: null, after: settings, reason: 'model registered' },
    }
  }
  const before = {
    risk: current.risk,
    unit_header: current.unit_header,
    sla: current.sla,
    fallback_to_champion: current.fallback_to_champion,
    metrics: current.metrics,
    shadow_compare: current.shadow_compare,
    metric_shards: current.metric_shards,
    latency_measure: current.latency_measure ?? 'ttfb',
    approval_policy: current.approval_policy ?? DEFAULT_APPROVAL_POLICY,
  }
  const state = { ...bump(current, ctx.now), ...settings }
  return {
    state,
    change: { action: 'model.update', target: model, before, after: settings, reason: 'model settings updated' },
  }
}

export function sameBackend(a: Backend, b: Backend): boolean {
  return JSON.stringify(canonicalBackend(a)) === JSON.stringify(canonicalBackend(b))
}

/** The backend with its fields in one order, and defaults filled in where it was stored without them. */
function canonicalBackend(b: Backend): Backend {
  const timeouts = {
    timeout_ms: b.timeout_ms,
    stream_idle_timeout_ms: b.stream_idle_timeout_ms ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
  }
  return 'url' in b ? { url: b.url, ...timeouts } : { service: b.service, ...timeouts }
}

/**
 * Register a version, or replace its backend while it has never served traffic.
 * Once a version has been exposed, its backend is frozen: results attributed to it must mean one
 * thing. Re-sending the identical backend is accepted as a no-op (idempotent PUT).
 */
export function putVersion(
  current: ModelState,
  version: string,
  backend: Backend,
  ctx: { now: string },
): Transition | null {
  const existing = current.versions[version]
  if (existing && sameBackend(existing.backend, backend)) return null
  if (existing && existing.first_exposed_epoch !== null) {
    const since = `version ${version} has served traffic since epoch ${existing.first_exposed_epoch}`
    throw new DomainError('version_immutable', `${since}; register a new version instead of editing it`)
  }
  const record: VersionRecord = {
    backend: canonicalBackend(backend),
    registered_at: existing?.registered_at ?? ctx.now,
    first_exposed_epoch: null,
  }
  const state = bump(current, ctx.now)
  state.versions = { ...current.versions, [version]: record }
  return {
    state,
    change: {
      action: existing ? 'version.update' : 'version.register',
      target: `${current.model}/${version}`,
      before: existing ? existing.backend : null,
      after: record.backend,
      reason: existing ? 'backend replaced before first exposure' : 'version registered',
    },
  }
}

function requireVersion(state: ModelState, version: string, field: string): void {
  if (!state.versions[version]) {
    throw new DomainError('validation_failed', `unknown version ${version}`, {
      fields: [{ field, message: `version ${version} is not registered for model ${state.model}` }],
    })
  }
}

/**
 * Make `version` the champion. By default this is an atomic blue/green switch: weights become
 * 100% to the new champion in one publish; the old champion stays registered as rollback target.
 */
export function setChampion(
  current: ModelState,
  input: ChampionInput,
  ctx: { now: string; actorReason?: string },
): Transition {
  requireVersion(current, input.version, 'version')
  const old = current.routing
  const keep = input.keep_weights && old !== null
  const routing: RoutingTable = keep
    ? { ...old, champion: input.version }
    : {
        champion: input.version,
        weights: { [input.version]: 100 },
        rules: old?.rules ?? [],
        // A shadow of the new champion would compare it with itself.
        shadow: old?.shadow && old.shadow.version !== input.version ? old.shadow : null,
      }
  if (keep) assertRoutingValid(current, routing)
  const state = withRouting(bump(current, ctx.now), routing)
  if (old && old.champion !== input.version) state.previous_champion = old.champion
  if (old?.champion !== input.version) state.champion_since = ctx.now
  return {
    state,
    change: {
      action: 'champion.set',
      target: current.model,
      before: old,
      after: routing,
      reason: ctx.actorReason ?? `champion set to ${input.version}`,
    },
  }
}

/** Operator override of the routing table. */
export function setRouting(current: ModelState, input: RoutingInput, ctx: { now: string }): Transition {
  if (current.routing === null) {
    throw new DomainError(
      'conflict',
      `model ${current.model} has no champion; POST /admin/models/${current.model}/champion first`,
      { extra: { reason: 'no_champion' } },
    )
  }
  const routing: RoutingTable = {
    champion: current.routing.champion,
    weights: dropZeroWeights(input.weights),
    rules: input.rules,
    shadow: input.shadow ?? null,
  }
  assertRoutingValid(current, routing)
  const state = withRouting(bump(current, ctx.now), routing)
  return {
    state,
    change: {
      action: 'routing.set',
      target: current.model,
      before: current.routing,
      after: routing,
      reason: input.reason ?? 'operator override',
    },
  }
}

export type RollbackTarget = 'champion' | 'previous_champion'

/**
 * Route everything to one stable version in one publish: the champion, or the previous champion
 * (blue/green rollback after a switch). Cohort rules and shadow copies are cleared as well, since
 * either could still expose the suspect version.
 */
export function rollback(
  current: ModelState,
  target: RollbackTarget,
  ctx: { now: string; reason: string },
): Transition {
  const noChampion = { extra: { reason: 'no_champion' } }
  if (current.routing === null)
    throw new DomainError('conflict', `model ${current.model} has no champion to roll back to`, noChampion)
  let champion = current.routing.champion
  let previous = current.previous_champion
  if (target === 'previous_champion') {
    if (previous === null || !current.versions[previous]) {
      throw new DomainError('conflict', `model ${current.model} has no previous champion to roll back to`)
    }
    champion = previous
    previous = null
  }
  const routing: RoutingTable = { champion, weights: { [champion]: 100 }, rules: [], shadow: null }
  const state = withRouting(bump(current, ctx.now), routing)
  state.previous_champion = previous
  if (champion !== current.routing.champion) state.champion_since = ctx.now
  return {
    state,
    change: {
      action: 'routing.rollback',
      target: current.model,
      before: current.routing,
      after: routing,
      reason: ctx.reason,
    },
  }
}

function dropZeroWeights(weights: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(weights).filter(([, w]) => w > 0))
}

function assertRoutingValid(state: ModelState, routing: RoutingTable): void {
  const problems = routingProblems(state, routing)
  if (problems.length > 0) {
    throw new DomainError('validation_failed', 'the routing table is not valid for this model', { fields: problems })
  }
}

/** Install a routing table and freeze every version it exposes (weight > 0, rule target, shadow). */
function withRouting(state: ModelState, routing: RoutingTable): ModelState {
  const exposed = new Set<string>([routing.champion])
  for (const [v, w] of Object.entries(routing.weights)) if (w > 0) exposed.add(v)
  for (const r of routing.rules) exposed.add(r.version)
  if (routing.shadow && routing.shadow.sample_rate > 0) exposed.add(routing.shadow.version)
  const versions: Record<string, VersionRecord> = {}
  for (const [name, rec] of Object.entries(state.versions)) {
    versions[name] =
      exposed.has(name) && rec.first_exposed_epoch === null ? { ...rec, first_exposed_epoch: state.epoch } : rec
  }
  return { ...state, routing, versions, ...layoutAfter(state, routing) }
}

/** The immutable snapshot published for the data plane. */
export function toSnapshot(state: ModelState, meta: { actor: string; reason: string; now: string }): RoutingSnapshot {
  const versions: Record<string, Backend> = {}
  for (const [name, rec] of Object.entries(state.versions)) versions[name] = rec.backend
  return {
    schema: 1,
    model: state.model,
    epoch: state.epoch,
    hash_version: state.hash_version,
    ...(state.segments === undefined ? {} : { segments: state.segments }),
    salt: state.salt,
    unit_header: state.unit_header,
    fallback_to_champion: state.fallback_to_champion,
    routing: state.routing,
    versions,
    metrics: state.metrics,
    shadow_compare: state.shadow_compare,
    metric_shards: state.metric_shards,
    published_at: meta.now,
    actor: meta.actor,
    reason: meta.reason,
  }
}
