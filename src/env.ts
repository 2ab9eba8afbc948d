/**
 * @module env
 * Bindings and settings of the Worker, validated once per isolate. Secrets and vars arrive as
 * strings; `settingsOf` turns them into typed settings with documented defaults.
 */
import { z } from 'zod'
import { DomainError } from './core/errors'
import type { MetricsShard } from './adapters/do/metrics-shard'
import type { ModelCoordinator } from './adapters/do/model-coordinator'

export interface Env {
  ROUTING: KVNamespace
  DB: D1Database
  MODEL_COORDINATOR: DurableObjectNamespace<ModelCoordinator>
  METRICS_SHARD: DurableObjectNamespace<MetricsShard>
  /** Secret that signs request ids (outcome attribution). Falls back to a key derived from ADMIN_TOKEN. */
  REQUEST_ID_SECRET?: string
  /** 'off' disables per-request recording (benchmark baseline only). */
  RECORDING?: string
  /** How long an isolate's measurement batch stays open before it is shipped to its shard. */
  MEASURE_FLUSH_MS?: string
  /** Measurements after which a batch closes early (it ships aggregated rows, so this bounds delay, not size). */
  MEASURE_BATCH?: string
  SHADOW_TIMEOUT_MS?: string
  SHADOW_MAX_INFLIGHT?: string
  SHADOW_CAPTURE_BYTES?: string
  /** Days of per-minute history kept in D1 (the metrics API and dashboard read it; gates do not). */
  HISTORY_RETENTION_DAYS?: string
  /** Operator bearer token (secret). */
  ADMIN_TOKEN?: string
  /** Approver bearer token (secret); only approvals need it. */
  APPROVER_TOKEN?: string
  /** Optional comma-separated data-plane keys; when set, /v1 requires `x-modelgate-key`. */
  GATEWAY_KEYS?: string
  SNAPSHOT_TTL_MS?: string
  KV_MIN_WRITE_INTERVAL_MS?: string
  MAX_BODY_BYTES?: string
  REPLAY_BODY_BYTES?: string
  MAX_HOPS?: string
}

const intVar = (def: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return def
      const n = Number(s)
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer in [${min}, ${max}]` })
        return z.NEVER
      }
      return n
    })

export const SettingsSchema = z.object({
  SNAPSHOT_TTL_MS: intVar(5_000, 0, 600_000),
  KV_MIN_WRITE_INTERVAL_MS: intVar(1_000, 0, 60_000),
  MAX_BODY_BYTES: intVar(10 * 1024 * 1024, 1, 100 * 1024 * 1024),
  REPLAY_BODY_BYTES: intVar(1024 * 1024, 0, 100 * 1024 * 1024),
  MAX_HOPS: intVar(3, 1, 20),
  MEASURE_FLUSH_MS: intVar(1_000, 0, 10_000),
  MEASURE_BATCH: intVar(1_000, 1, 1_000),
  SHADOW_TIMEOUT_MS: intVar(10_000, 1, 25_000),
  SHADOW_MAX_INFLIGHT: intVar(16, 0, 1_000),
  SHADOW_CAPTURE_BYTES: intVar(1024 * 1024, 1_024, 10 * 1024 * 1024),
  HISTORY_RETENTION_DAYS: intVar(35, 1, 3_650),
})

export interface Settings {
  snapshotTtlMs: number
  kvMinWriteIntervalMs: number
  maxBodyBytes: number
  replayBodyBytes: number
  maxHops: number
  gatewayKeys: string[]
  recording: boolean
  measureFlushMs: number
  measureBatch: number
  shadowTimeoutMs: number
  shadowMaxInflight: number
  shadowCaptureBytes: number
  historyRetentionDays: number
}

const cache = new WeakMap<object, Settings>()

/** Typed settings for this env (cached per env object). Bad vars → `not_configured` (503) naming each. */
export function settingsOf(env: Env): Settings {
  const hit = cache.get(env)
  if (hit) return hit
  const parsed = SettingsSchema.safeParse(env)
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new DomainError('not_configured', `invalid configuration: ${msg}`)
  }
  const p = parsed.data
  const settings: Settings = {
    snapshotTtlMs: p.SNAPSHOT_TTL_MS,
    kvMinWriteIntervalMs: p.KV_MIN_WRITE_INTERVAL_MS,
    maxBodyBytes: p.MAX_BODY_BYTES,
    replayBodyBytes: p.REPLAY_BODY_BYTES,
    maxHops: p.MAX_HOPS,
    gatewayKeys: (env.GATEWAY_KEYS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    recording: (env.RECORDING ?? 'on') !== 'off',
    measureFlushMs: p.MEASURE_FLUSH_MS,
    measureBatch: p.MEASURE_BATCH,
    shadowTimeoutMs: p.SHADOW_TIMEOUT_MS,
    shadowMaxInflight: p.SHADOW_MAX_INFLIGHT,
    shadowCaptureBytes: p.SHADOW_CAPTURE_BYTES,
    historyRetentionDays: p.HISTORY_RETENTION_DAYS,
  }
  cache.set(env, settings)
  return settings
}

/**
 * The request-id signing secret. Without REQUEST_ID_SECRET it is derived from ADMIN_TOKEN (domain
 * separated), so a fresh checkout works; production should set its own secret.
 */
export function requestIdSecret(env: Env): string | null {
  if (env.REQUEST_ID_SECRET) return env.REQUEST_ID_SECRET
  return env.ADMIN_TOKEN ? `modelgate-request-id:${env.ADMIN_TOKEN}` : null
}
