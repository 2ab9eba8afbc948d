/**
 * @module compose
 * The composition root: the one place that turns bindings into services. The Hono app, the data
 * plane, the cron handler and the Durable Objects all build what they use here, so services are
 * the only door to D1, KV and Durable Object stubs (docs/architecture.md).
 *
 * Two lifetimes:
 * - `isolateOf(env)`: what every request an isolate serves shares (module scope is isolate scope
 *   on Workers): settings, the routing snapshot cache, the measurement recorder, the shadow
 *   in-flight slots and the request-id signer. Built once per env object.
 * - `buildServices(env)`: the service objects, cheap to build, per request or per object.
 */
import { guardedD1 } from './adapters/d1/guarded'
import { openDb } from './adapters/d1/registry-store'
import { faultState, faultyBindings, setFaultPlan } from './adapters/faults'
import { coordinatorClient } from './adapters/do/coordinator-client'
import { shardByName, shardClient } from './adapters/do/shard-client'
import { readCurrentSnapshot } from './adapters/kv/routing-snapshot-store'
import { settingsOf, type Settings } from './config/settings'
import { readySigningKey, signRequestId, signRequestIdWith, type SignedClaims } from './core/attribution/request-token'
import { egressJudge } from './core/egress/policy'
import { newId } from './core/ids'
import type { FaultPlan, FaultState } from './schemas/faults'
import { MeasurementRecorder } from './data-plane/recorder'
import { ShadowSlots } from './data-plane/shadow'
import { SnapshotCache } from './data-plane/snapshot-cache'
import { AuditService } from './services/audit'
import type { WebhookPoster } from './services/coordinator/webhook-deliverer'
import { DashboardService } from './services/dashboard'
import { egressCheckedPoster, type EgressCheck } from './services/egress'
import { d1History, type HistoryWriter } from './services/history'
import { MeasurementService } from './services/measurement'
import { kvPublication, kvTickIndex, type RoutingPublication, type TickIndex } from './services/publication'
import { RegistryService } from './services/registry'
import { RolloutService } from './services/rollouts'
import { runScheduled, type TickReport } from './services/scheduled'

export interface IsolateScope {
  settings: Settings
  snapshots: SnapshotCache
  /** Null when recording is off (benchmark baseline only). */
  recorder: MeasurementRecorder | null
  shadowSlots: ShadowSlots
  /** Resolves a Workers service binding by name (undefined when not bound). */
  service: (name: string) => Fetcher | undefined
  /** The egress policy with EGRESS_ALLOW, remembered per URL (backends and webhooks). */
  egress: EgressCheck
  /** Mints the id a client sees: signed when a secret is configured (synchronous once warm). */
  mintRequestId: (info: SignedClaims) => string | Promise<string>
}

const scopes = new WeakMap<object, IsolateScope>()
const faultyEnvs = new WeakMap<object, Env>()

/**
 * The bindings services are built on: the Worker's own, or (FAULT_INJECTION=on: tests and
 * `npm run chaos`) the same ones behind the fault-injection wrappers of adapters/faults.
 */
function bindingsOf(env: Env): Env {
  if (!settingsOf(env).faultInjection) return env
  let wrapped = faultyEnvs.get(env)
  if (!wrapped) faultyEnvs.set(env, (wrapped = faultyBindings(env)))
  return wrapped
}

export function isolateOf(env: Env): IsolateScope {
  const hit = scopes.get(env)
  if (hit) return hit
  const scope = newIsolateScope(env)
  scopes.set(env, scope)
  return scope
}

function newIsolateScope(env: Env): IsolateScope {
  const settings = settingsOf(env)
  const secret = settings.requestIdSecret
  const bindings = bindingsOf(env)
  const kv = bindings.ROUTING
  return {
    settings,
    snapshots: new SnapshotCache({
      ttlMs: settings.snapshotTtlMs,
      now: () => Date.now(),
      read: (model) => readCurrentSnapshot(kv, model),
    }),
    recorder: settings.recording
      ? new MeasurementRecorder({
          flushMs: settings.measureFlushMs,
          maxBatch: settings.measureBatch,
          ship: (shard, batchId, batch) =>
            shardByName(bindings.METRICS_SHARD, shard, settings.doTimeoutMs).ingest(batchId, batch),
        })
      : null,
    shadowSlots: new ShadowSlots(settings.shadowMaxInflight),
    service: (name) => {
      const b = (env as unknown as Record<string, unknown>)[name]
      return b && typeof (b as Fetcher).fetch === 'function' ? (b as Fetcher) : undefined
    },
    egress: egressJudge(settings.egressAllow),
    mintRequestId: (info) => {
      if (secret === null) return newId('req')
      // Synchronous once this isolate has derived the key (every request but the first).
      const key = readySigningKey(secret)
      return key === null ? signRequestId(secret, info) : signRequestIdWith(key, info)
    },
  }
}

export interface Services {
  settings: Settings
  registry: RegistryService
  rollouts: RolloutService
  measurement: MeasurementService
  audit: AuditService
  dashboard: DashboardService
  /** D1 history for coordinators' outboxes. */
  history: HistoryWriter
  /** KV publication for coordinators. */
  publication: RoutingPublication
  /** The models that want gate ticks (coordinators write it; the cron reads it when D1 fails). */
  tickIndex: TickIndex
  webhookPoster: WebhookPoster
  /** Fault injection (FAULT_INJECTION=on only; null otherwise). */
  faults: { set: (plan: FaultPlan) => void; state: () => FaultState } | null
  /** The cron tick (gates, reconciliation, rollups, pruning). */
  scheduled: (scheduledTime: number) => Promise<TickReport>
}

// A redirect is answered, never followed: it could lead to an address the policy refuses.
const postWebhook: WebhookPoster = (url, body, signal) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'modelgate-webhook/1' },
    body,
    signal,
    redirect: 'manual',
  })

export function buildServices(env: Env): Services {
  const isolate = isolateOf(env)
  const b = bindingsOf(env)
  const db = openDb(guardedD1(b.DB, isolate.settings.d1TimeoutMs))
  const doTimeout = isolate.settings.doTimeoutMs
  const coordinator = (model: string) => coordinatorClient(b.MODEL_COORDINATOR, model, doTimeout)
  const snapshots = isolate.snapshots
  const registry = new RegistryService({
    db,
    coordinator,
    snapshots,
    hasBinding: (name) => typeof (env as unknown as Record<string, unknown>)[name] === 'object',
    egress: isolate.egress,
  })
  const tickIndex = kvTickIndex(b.ROUTING)
  const rollouts = new RolloutService({ db, coordinator, snapshots, registry, tickIndex, egress: isolate.egress })
  const measurement = new MeasurementService({
    db,
    shard: (model, shard) => shardClient(b.METRICS_SHARD, model, shard, doTimeout),
    snapshots,
    requestIdSecrets: isolate.settings.requestIdSecrets,
  })
  return {
    settings: isolate.settings,
    registry,
    rollouts,
    measurement,
    audit: new AuditService({ db, coordinator }),
    dashboard: new DashboardService({ db, registry, rollouts, measurement }),
    history: d1History(db),
    publication: kvPublication(b.ROUTING),
    tickIndex,
    webhookPoster: egressCheckedPoster(isolate.egress, postWebhook),
    faults: isolate.settings.faultInjection ? { set: setFaultPlan, state: faultState } : null,
    scheduled: (at) =>
      runScheduled(
        { registry, rollouts, measurement, coordinator, historyRetentionDays: isolate.settings.historyRetentionDays },
        at,
      ),
  }
}
