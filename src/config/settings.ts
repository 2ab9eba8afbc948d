/**
 * @module config/settings
 * The Worker's settings, parsed once per env object by one zod schema. Bindings are typed by the
 * generated `Env` (worker-configuration.d.ts, from `npm run cf-typegen`); vars and secrets arrive
 * as strings, and nothing else in the code reads them from `env`: it reads `Settings`.
 */
import { z } from 'zod'
import { parseEgressAllow } from '../core/egress/policy'
import { DomainError } from '../core/errors'
import { holdsExample, SECRET_SETTINGS, type SecretSetting } from './secrets'

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

/** An optional secret: unset and empty are the same (null). */
const secret = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s === '' ? null : s))

/** A comma-separated list; blanks dropped. */
const list = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  )

/** `model=token,model=token` (a token may hold `=`; the first one ends the model name). */
const modelTokens = list.transform((items, ctx) => {
  const out: Array<{ model: string; token: string }> = []
  for (const item of items) {
    const eq = item.indexOf('=')
    const model = item.slice(0, eq).trim()
    const token = item.slice(eq + 1).trim()
    if (eq <= 0 || model === '' || token === '') {
      ctx.addIssue({ code: 'custom', message: 'expected model=token pairs separated by commas' })
      return z.NEVER
    }
    out.push({ model, token })
  }
  return out
})

/** What a request-id secret derived from ADMIN_TOKEN is (REQUEST_ID_SECRET unset). */
const fromAdminToken = (token: string) => `modelgate-request-id:${token}`

export const SettingsSchema = z
  .object({
    SNAPSHOT_TTL_MS: intVar(5_000, 0, 600_000),
    KV_MIN_WRITE_INTERVAL_MS: intVar(1_000, 0, 60_000),
    MAX_BODY_BYTES: intVar(10 * 1024 * 1024, 1, 100 * 1024 * 1024),
    REPLAY_BODY_BYTES: intVar(1024 * 1024, 0, 100 * 1024 * 1024),
    MAX_HOPS: intVar(3, 1, 20),
    /** How long an isolate's measurement batch stays open before it is shipped to its shard. */
    MEASURE_FLUSH_MS: intVar(1_000, 0, 10_000),
    /** Measurements after which a batch closes early (it ships aggregated rows: this bounds delay, not size). */
    MEASURE_BATCH: intVar(1_000, 1, 1_000),
    SHADOW_TIMEOUT_MS: intVar(10_000, 1, 25_000),
    SHADOW_MAX_INFLIGHT: intVar(16, 0, 1_000),
    SHADOW_CAPTURE_BYTES: intVar(1024 * 1024, 1_024, 10 * 1024 * 1024),
    /**
     * Each coordinator's own gate tick while it has a rollout to watch, aligned to multiples of
     * this interval (the cron trigger is the backstop); 0 leaves ticking to the cron alone.
     */
    ROLLOUT_TICK_MS: intVar(60_000, 0, 3_600_000),
    /**
     * How long after a promotion the previous champion stays the rollback target (README, "Undo a
     * promotion"); after it a rollback to it is refused. Default 7 days.
     */
    PREVIOUS_CHAMPION_RETENTION_S: intVar(7 * 86_400, 0, 365 * 86_400),
    /** Days of per-minute history kept in D1 (the metrics API and dashboard read it; gates do not). */
    HISTORY_RETENTION_DAYS: intVar(35, 1, 3_650),
    /** Longest wait for one D1 query or batch; then it counts as failed (503 storage_unavailable). */
    D1_TIMEOUT_MS: intVar(5_000, 100, 60_000),
    /** Longest wait for one Durable Object call (a coordinator or a metrics shard); then 503. */
    DO_TIMEOUT_MS: intVar(20_000, 100, 300_000),
    /** 'on' lets tests and `npm run chaos` inject binding faults (adapters/faults). Never in production. */
    FAULT_INJECTION: z.enum(['on', 'off', '']).optional(),
    /** 'off' disables per-request recording (benchmark baseline only). */
    RECORDING: z.string().optional(),
    /** Comma-separated data-plane keys; when set, /v1/models requires `x-modelgate-key`. */
    GATEWAY_KEYS: list,
    /**
     * Exceptions to the egress policy (core/egress/policy): hosts, host:port, *.suffix or
     * address/bits that backends and webhooks may use although they are inward (loopback, private…).
     */
    EGRESS_ALLOW: z
      .string()
      .optional()
      .transform((s, ctx) => {
        const { rules, errors } = parseEgressAllow(s ?? '')
        for (const message of errors) ctx.addIssue({ code: 'custom', message })
        return errors.length > 0 ? z.NEVER : rules
      }),
    /** Operator bearer token. */
    ADMIN_TOKEN: secret,
    /** Approver bearer token; only approvals need it. */
    APPROVER_TOKEN: secret,
    /** Signs request ids (outcome attribution). Falls back to a key derived from ADMIN_TOKEN. */
    REQUEST_ID_SECRET: secret,
    /**
     * The request-id secret before a rotation: ids it signed still verify. The previous
     * REQUEST_ID_SECRET, or the previous ADMIN_TOKEN when the key was derived from it.
     */
    REQUEST_ID_SECRET_PREVIOUS: secret,
    /** Comma-separated bearer tokens that may report outcomes for every model. */
    REPORTER_TOKENS: list,
    /** `model=token,…`: bearer tokens that may report outcomes for one model's requests only. */
    MODEL_REPORTER_TOKENS: modelTokens,
    /** `development` allows the example credentials of .dev.vars.example; production is the default. */
    MODELGATE_ENV: z.enum(['development', 'production', '']).optional(),
  })
  .transform((p) => ({
    snapshotTtlMs: p.SNAPSHOT_TTL_MS,
    kvMinWriteIntervalMs: p.KV_MIN_WRITE_INTERVAL_MS,
    maxBodyBytes: p.MAX_BODY_BYTES,
    replayBodyBytes: p.REPLAY_BODY_BYTES,
    maxHops: p.MAX_HOPS,
    gatewayKeys: p.GATEWAY_KEYS,
    egressAllow: p.EGRESS_ALLOW,
    recording: p.RECORDING !== 'off',
    measureFlushMs: p.MEASURE_FLUSH_MS,
    measureBatch: p.MEASURE_BATCH,
    shadowTimeoutMs: p.SHADOW_TIMEOUT_MS,
    shadowMaxInflight: p.SHADOW_MAX_INFLIGHT,
    shadowCaptureBytes: p.SHADOW_CAPTURE_BYTES,
    historyRetentionDays: p.HISTORY_RETENTION_DAYS,
    rolloutTickMs: p.ROLLOUT_TICK_MS,
    previousChampionRetentionMs: p.PREVIOUS_CHAMPION_RETENTION_S * 1_000,
    d1TimeoutMs: p.D1_TIMEOUT_MS,
    doTimeoutMs: p.DO_TIMEOUT_MS,
    faultInjection: p.FAULT_INJECTION === 'on',
    adminToken: p.ADMIN_TOKEN,
    approverToken: p.APPROVER_TOKEN,
    /**
     * Without REQUEST_ID_SECRET the signing key is derived from ADMIN_TOKEN (domain separated), so a
     * fresh checkout works; production should set its own secret.
     */
    requestIdSecret: p.REQUEST_ID_SECRET ?? (p.ADMIN_TOKEN === null ? null : fromAdminToken(p.ADMIN_TOKEN)),
    /**
     * Every secret a request id may verify under: the current one, then the previous one taken both
     * ways (as a REQUEST_ID_SECRET and as an ADMIN_TOKEN the key was derived from), so one setting
     * covers either rotation. Empty when there is no current secret (outcomes are not accepted).
     */
    requestIdSecrets: requestIdKeyring(p),
    requestIdFromAdminToken: p.REQUEST_ID_SECRET === null,
    reporterTokens: p.REPORTER_TOKENS,
    modelReporterTokens: p.MODEL_REPORTER_TOKENS,
    development: p.MODELGATE_ENV === 'development',
    /** Secret settings holding an example credential outside development (config/secrets). */
    insecure: p.MODELGATE_ENV === 'development' ? [] : SECRET_SETTINGS.filter((n) => holdsExample(valuesOf(p, n))),
  }))

interface RawSecrets {
  ADMIN_TOKEN: string | null
  APPROVER_TOKEN: string | null
  REQUEST_ID_SECRET: string | null
  REQUEST_ID_SECRET_PREVIOUS: string | null
  REPORTER_TOKENS: string[]
  MODEL_REPORTER_TOKENS: Array<{ token: string }>
  GATEWAY_KEYS: string[]
}

function valuesOf(p: RawSecrets, name: SecretSetting): string[] {
  const v = p[name]
  if (v === null) return []
  if (typeof v === 'string') return [v]
  return v.map((x) => (typeof x === 'string' ? x : x.token))
}

function requestIdKeyring(p: RawSecrets): string[] {
  const current = p.REQUEST_ID_SECRET ?? (p.ADMIN_TOKEN === null ? null : fromAdminToken(p.ADMIN_TOKEN))
  if (current === null) return []
  const prev = p.REQUEST_ID_SECRET_PREVIOUS
  return prev === null ? [current] : [current, prev, fromAdminToken(prev)]
}

export type Settings = z.infer<typeof SettingsSchema>

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
  cache.set(env, parsed.data)
  return parsed.data
}
