/**
 * @module schemas/model
 * Registry shapes: models, versions and their backends.
 */
import { z } from 'zod'
import { validateComparator, type ComparatorConfig } from '../core/shadow/comparator'
import { isValidPointer } from '../core/shadow/json-pointer'
import { HeaderName, IsoTime, ModelName, RiskTier, VersionName } from './common'
import type * as core from '../core/registry/types'
import type { Assert, Conforms } from './conforms'

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
export type Backend = core.Backend
type _Backend = Assert<Conforms<typeof Backend, core.Backend>>

export const MetricName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,40}$/, 'lowercase letters, digits and _, starting with a letter')

/** A business outcome that arrives after the response (POST /v1/outcomes). */
export const BusinessMetric = z
  .object({
    name: MetricName,
    kind: z.enum(['proportion', 'mean']).meta({
      description: 'proportion: share of matured requests with a positive outcome; mean: average outcome value',
    }),
    direction: z.enum(['higher_is_better', 'lower_is_better']),
    window_s: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(3_600)
      .meta({
        description:
          'Attribution window: outcomes later than this after the request are rejected; a request counts in gates once its window has passed',
      }),
    cap: z.number().optional().meta({
      description: 'Winsorization cap for mean metrics (values above are counted as the cap); fix it in advance',
    }),
    floor: z.number().optional().meta({ description: 'Lower winsorization bound for mean metrics' }),
    positive_labels: z.array(z.string().max(100)).max(50).default(['1', 'true', 'yes', 'positive']).meta({
      description: 'For proportion metrics sent as labels: which labels count as a positive outcome',
    }),
    margin: z
      .number()
      .min(0)
      .max(0.5)
      .default(0.02)
      .meta({ description: 'Relative non-inferiority margin used by gates' }),
  })
  .strict()
  .meta({ id: 'BusinessMetric' })
export type BusinessMetric = core.BusinessMetric
type _BusinessMetric = Assert<Conforms<typeof BusinessMetric, core.BusinessMetric>>

/** How shadow outputs are extracted and compared with the champion's (see core/shadow). */
export const ShadowCompare = z
  .object({
    pointer: z
      .string()
      .refine(isValidPointer, 'a JSON pointer (RFC 6901), e.g. /predictions/0/label')
      .meta({ example: '/predictions/0/label' }),
    comparator: z
      .unknown()
      .superRefine((c, ctx) => {
        for (const problem of validateComparator(c)) ctx.addIssue({ code: 'custom', message: problem })
      })
      .transform((c) => c as ComparatorConfig)
      .meta({ description: '{kind:"label"} | {kind:"numeric",tol_abs,tol_rel} | {kind:"text",min_similarity}' }),
  })
  .strict()
  .meta({ id: 'ShadowCompare' })
export type ShadowCompare = core.ShadowCompare
type _ShadowCompare = Assert<Conforms<typeof ShadowCompare, core.ShadowCompare>>

export const MAX_METRIC_SHARDS = 64

export const ModelInput = z
  .object({
    risk: RiskTier,
    unit_header: HeaderName.default('x-unit-id'),
    sla: z
      .object({ p99_ms: z.number().positive().max(MAX_TIMEOUT_MS) })
      .strict()
      .optional(),
    fallback_to_champion: z.boolean().default(true),
    metrics: z
      .array(BusinessMetric)
      .max(10)
      .default([])
      .refine((ms) => new Set(ms.map((m) => m.name)).size === ms.length, 'metric names must be unique'),
    shadow_compare: ShadowCompare.nullable()
      .default(null)
      .meta({ description: 'Default: exact equality of the whole JSON answer' }),
    metric_shards: z.number().int().min(1).max(MAX_METRIC_SHARDS).default(4).meta({
      description: "Durable Objects that aggregate this model's measurements (raise for hot models)",
    }),
  })
  .strict()
  .meta({ id: 'ModelInput' })
export type ModelInput = core.ModelInput
type _ModelInput = Assert<Conforms<typeof ModelInput, core.ModelInput>>

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
export type ChampionInput = core.ChampionInput
type _ChampionInput = Assert<Conforms<typeof ChampionInput, core.ChampionInput>>

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
    metrics: z.array(BusinessMetric),
    shadow_compare: ShadowCompare.nullable(),
    metric_shards: z.number().int(),
    created_at: IsoTime,
    updated_at: IsoTime,
  })
  .meta({ id: 'ModelConfig' })
export type ModelConfig = z.infer<typeof ModelConfig>
