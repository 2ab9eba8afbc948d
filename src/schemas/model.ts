/**
 * @module schemas/model
 * Registry shapes: models, versions and their backends.
 */
import { z } from 'zod'
import { HeaderName, IsoTime, ModelName, RiskTier, VersionName } from './common'

export const MAX_TIMEOUT_MS = 300_000
export const DEFAULT_TIMEOUT_MS = 30_000

const HttpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http or https URL')
  .refine((u) => {
    const p = new URL(u)
    return p.search === '' && p.hash === ''
  }, 'must not carry a query string or fragment')
  .transform((u) => u.replace(/\/+$/, ''))
  .meta({ example: 'http://127.0.0.1:9101' })

export const HttpBackend = z
  .object({
    url: HttpUrl,
    timeout_ms: z.number().int().min(1).max(MAX_TIMEOUT_MS).default(DEFAULT_TIMEOUT_MS),
  })
  .strict()
  .meta({ id: 'HttpBackend', description: 'An HTTP base URL; the request path is appended to it' })

export const ServiceBackend = z
  .object({
    service: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'a Workers service binding name, e.g. MODEL_V2'),
    timeout_ms: z.number().int().min(1).max(MAX_TIMEOUT_MS).default(DEFAULT_TIMEOUT_MS),
  })
  .strict()
  .meta({ id: 'ServiceBackend', description: 'A Workers service binding declared in wrangler.toml' })

export const Backend = z.union([HttpBackend, ServiceBackend]).meta({ id: 'Backend' })
export type Backend = z.infer<typeof Backend>

export const ModelInput = z
  .object({
    risk: RiskTier,
    unit_header: HeaderName.default('x-unit-id'),
    sla: z.object({ p99_ms: z.number().positive().max(MAX_TIMEOUT_MS) }).strict().optional(),
    fallback_to_champion: z.boolean().default(true),
  })
  .strict()
  .meta({ id: 'ModelInput' })
export type ModelInput = z.infer<typeof ModelInput>

export const VersionInput = z.object({ backend: Backend }).strict().meta({ id: 'VersionInput' })
export type VersionInput = z.infer<typeof VersionInput>

export const ChampionInput = z
  .object({
    version: VersionName,
    keep_weights: z
      .boolean()
      .default(false)
      .meta({ description: 'Keep the current weights instead of switching 100% to the new champion' }),
  })
  .strict()
  .meta({ id: 'ChampionInput' })
export type ChampionInput = z.infer<typeof ChampionInput>

export const VersionView = z
  .object({
    name: VersionName,
    backend: Backend,
    registered_at: IsoTime,
    first_exposed_epoch: z.number().int().nullable().meta({
      description: 'First epoch that routed traffic to this version; from then on it is immutable',
    }),
  })
  .meta({ id: 'Version' })
export type VersionView = z.infer<typeof VersionView>

export const ModelConfig = z
  .object({
    name: ModelName,
    risk: RiskTier,
    unit_header: z.string(),
    sla: z.object({ p99_ms: z.number() }).nullable(),
    fallback_to_champion: z.boolean(),
    created_at: IsoTime,
    updated_at: IsoTime,
  })
  .meta({ id: 'ModelConfig' })
export type ModelConfig = z.infer<typeof ModelConfig>
