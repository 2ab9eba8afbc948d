/**
 * @module env
 * Bindings and settings of the Worker, validated once per isolate. Secrets and vars arrive as
 * strings; `settingsOf` turns them into typed settings with documented defaults.
 */
import { z } from 'zod'
import type { ModelCoordinator } from './adapters/do/model-coordinator'

export interface Env {
  ROUTING: KVNamespace
  DB: D1Database
  MODEL_COORDINATOR: DurableObjectNamespace<ModelCoordinator>
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
})

export interface Settings {
  snapshotTtlMs: number
  kvMinWriteIntervalMs: number
  maxBodyBytes: number
  replayBodyBytes: number
  maxHops: number
  gatewayKeys: string[]
}

const cache = new WeakMap<object, Settings>()

/** Typed settings for this env (cached per env object). Throws a readable error on bad vars. */
export function settingsOf(env: Env): Settings {
  const hit = cache.get(env)
  if (hit) return hit
  const parsed = SettingsSchema.safeParse(env)
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new Error(`invalid configuration: ${msg}`)
  }
  const p = parsed.data
  const settings: Settings = {
    snapshotTtlMs: p.SNAPSHOT_TTL_MS,
    kvMinWriteIntervalMs: p.KV_MIN_WRITE_INTERVAL_MS,
    maxBodyBytes: p.MAX_BODY_BYTES,
    replayBodyBytes: p.REPLAY_BODY_BYTES,
    maxHops: p.MAX_HOPS,
    gatewayKeys: (env.GATEWAY_KEYS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  }
  cache.set(env, settings)
  return settings
}
