/**
 * @module schemas/model
 * Registry shapes: models, versions and their backends, as the admin API accepts them; the views
 * that show them are in schemas/views.
 */
import { z } from 'zod'
import { validateComparator, type ComparatorConfig } from '../core/shadow/comparator'
import { isValidPointer } from '../core/shadow/json-pointer'
import { HeaderName, RiskTier, VersionName } from './common'
import {
  DEFAULT_APPROVAL_POLICY,
  DEFAULT_STREAM_IDLE_TIMEOUT_MS,
  LATENCY_MEASURES,
  MAX_STREAM_IDLE_TIMEOUT_MS,
} from '../core/registry/types'
import { boundsFix, missingBounds } from '../core/registry/bounds'
import type * as core from '../core/registry/types'
import type { Checked } from './conforms'

export const MAX_TIMEOUT_MS = 300_000
export const DEFAULT_TIMEOUT_MS = 30_000

const HttpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http or https URL')
  .refine((u) => {
    let p: URL
    try {
      p = new URL(u)
    } catch {
      // zod runs this after url() has refused the string too: reported there, not thrown (a 500).
      return true
    }
    return p.search === '' && p.hash === ''
  }, 'must not carry a query string or fragment')
  .transform((u) => u.replace(/\/+$/, ''))
  .meta({ example: 'http://127.0.0.1:9101' })

const HeadTimeout = z.number().int().min(1).max(MAX_TIMEOUT_MS).default(DEFAULT_TIMEOUT_MS).meta({
  description: 'Wait for the response head, counted from when the request body has been sent (504 after it)',
})

const StreamIdleTimeout = z
  .number()
  .int()
  .min(1)
  .max(MAX_STREAM_IDLE_TIMEOUT_MS)
  .default(DEFAULT_STREAM_IDLE_TIMEOUT_MS)
  .meta({
    description:
      "Longest silence between two chunks of the answer's body; a body that stalls longer is ended for the client (closed after what arrived) and counts as an error of the version",
  })

export const HttpBackend = z
  .strictObject({
    url: HttpUrl,
    timeout_ms: HeadTimeout,
    stream_idle_timeout_ms: StreamIdleTimeout,
  })
  .meta({ id: 'HttpBackend', description: 'An HTTP base URL; the request path is appended to it' })

export const ServiceBackend = z
  .strictObject({
    service: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'a Workers service binding name, e.g. MODEL_V2'),
    timeout_ms: HeadTimeout,
    stream_idle_timeout_ms: StreamIdleTimeout,
  })
  .meta({ id: 'ServiceBackend', description: 'A Workers service binding declared in wrangler.toml' })

export const Backend = z.union([HttpBackend, ServiceBackend]).meta({ id: 'Backend' })
export type Backend = Checked<typeof Backend, core.Backend>

export const MetricName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,40}$/, 'lowercase letters, digits and _, starting with a letter')

/** A metric's covariate header (strict on input; snapshots read it with unknown keys dropped, schemas/routing). */
export const MetricCovariate = z.strictObject({
  header: HeaderName.meta({ description: "The request header carrying the unit's value (a finite number)" }),
})

/** A business metric: outcomes that arrive after the response (POST /v1/outcomes), or read from it. */
export const BusinessMetric = z
  .strictObject({
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
    source: z.enum(['outcome', 'response']).optional().meta({
      description:
        'outcome (default): values sent to POST /v1/outcomes; response: read from each answer (pointer or header), a mean metric',
    }),
    pointer: z
      .string()
      .max(200)
      .refine(isValidPointer, 'must be an RFC 6901 JSON pointer, e.g. /usage/total_tokens')
      .optional()
      .meta({ description: 'Response metrics: JSON pointer into the body (a stream: its last JSON event)' }),
    header: HeaderName.optional().meta({
      description: 'Response metrics: a response header holding the number, e.g. x-cost',
    }),
    covariate: MetricCovariate.optional().meta({
      id: 'MetricCovariate',
      description:
        'Proportion outcome metrics: a pre-exposure covariate for CUPED variance reduction, known about the unit before the request (e.g. its conversion rate over the last 30 days); missing or unreadable values count as 0',
    }),
  })
  .superRefine((m, ctx) => {
    if (m.covariate !== undefined && m.source === 'response') {
      ctx.addIssue({ code: 'custom', path: ['covariate'], message: 'a covariate applies to outcome metrics only' })
    }
    const fix = (message: string) => ctx.addIssue({ code: 'custom', path: ['source'], message })
    if (m.source !== 'response') {
      if (m.pointer !== undefined || m.header !== undefined) fix('pointer and header need "source":"response"')
      return
    }
    if (m.kind !== 'mean') fix('a response metric is a mean metric ("kind":"mean")')
    if ((m.pointer === undefined) === (m.header === undefined)) fix('a response metric reads a pointer or a header')
  })
  .meta({ id: 'BusinessMetric' })
export type BusinessMetric = Checked<typeof BusinessMetric, core.BusinessMetric>

/** How shadow outputs are extracted and compared with the champion's (see core/shadow). */
export const ShadowCompare = z
  .strictObject({
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
  .meta({ id: 'ShadowCompare' })
export type ShadowCompare = Checked<typeof ShadowCompare, core.ShadowCompare>

export const MAX_METRIC_SHARDS = 64

export const LatencyMeasure = z.enum(LATENCY_MEASURES).meta({
  id: 'LatencyMeasure',
  description:
    "Which latency the latency gate reads: ttfb, time to the response head (an LLM stream's first token), or duration, time to the body's last byte (its last token)",
})

export const ApprovalPolicy = z
  .strictObject({
    two_person: z
      .union([z.boolean(), z.array(RiskTier).max(3)])
      .default(() => DEFAULT_APPROVAL_POLICY.two_person)
      .meta({
        description:
          'Risk tiers whose guarded changes need an approver as well as the operator (true: every tier, false: none)',
        example: ['medium', 'high'],
      }),
    max_unapproved_shift_percent: z
      .number()
      .min(0)
      .max(100)
      .default(DEFAULT_APPROVAL_POLICY.max_unapproved_shift_percent)
      .meta({ description: 'Share of traffic an operator may move off the champion alone, outside a rollout' }),
  })
  .meta({
    id: 'ApprovalPolicy',
    description:
      'The two-person rule (README, "Two-person rule"); default {"two_person":["medium","high"],"max_unapproved_shift_percent":10}',
  })
export type ApprovalPolicy = Checked<typeof ApprovalPolicy, core.ApprovalPolicy>

export const ModelInput = z
  .strictObject({
    risk: RiskTier,
    unit_header: HeaderName.default('x-unit-id'),
    sla: z.strictObject({ p99_ms: z.number().positive().max(MAX_TIMEOUT_MS) }).optional(),
    fallback_to_champion: z.boolean().default(true),
    metrics: z
      .array(BusinessMetric)
      .max(10)
      .default([])
      .refine((ms) => new Set(ms.map((m) => m.name)).size === ms.length, 'metric names must be unique')
      .superRefine((ms, ctx) => {
        // Checked on input only: models stored before the rule still load (they carry a warning).
        for (const { metric, missing } of missingBounds(ms)) {
          const i = ms.findIndex((m) => m.name === metric)
          for (const bound of missing) ctx.addIssue({ code: 'custom', path: [i, bound], message: boundsFix(metric) })
        }
        ms.forEach((m, i) => {
          if (m.cap !== undefined && m.floor !== undefined && m.floor > m.cap) {
            ctx.addIssue({ code: 'custom', path: [i, 'floor'], message: `floor ${m.floor} is above cap ${m.cap}` })
          }
        })
        // The signed request id carries one covariate value (core/metrics/covariate).
        const first = ms.find((m) => m.covariate !== undefined)?.covariate?.header
        ms.forEach((m, i) => {
          // A mean's units are the requests that reported, a selection the arm can change: CUPED
          // would compare covariate means over different populations (docs/statistics.md §5.8).
          // Input only, like the bounds: snapshots of models stored before the rule still parse.
          if (m.covariate !== undefined && m.source !== 'response' && m.kind === 'mean') {
            const message =
              'a covariate applies to proportion metrics only (a mean counts only the units that reported)'
            ctx.addIssue({ code: 'custom', path: [i, 'covariate'], message })
          }
          if (m.covariate !== undefined && m.covariate.header !== first) {
            const message = `one covariate header per model: ${first} is declared already`
            ctx.addIssue({ code: 'custom', path: [i, 'covariate', 'header'], message })
          }
        })
      }),
    shadow_compare: ShadowCompare.nullable()
      .default(null)
      .meta({ description: 'Default: exact equality of the whole JSON answer' }),
    metric_shards: z.number().int().min(1).max(MAX_METRIC_SHARDS).default(4).meta({
      description: "Durable Objects that aggregate this model's measurements (raise for hot models)",
    }),
    latency_measure: LatencyMeasure.default('ttfb'),
    approval_policy: ApprovalPolicy.optional().meta({
      description:
        'Absent: the model keeps its policy (a new model gets the default). Changing it needs an approver where it applies',
    }),
  })
  .meta({ id: 'ModelInput' })
export type ModelInput = Checked<typeof ModelInput, core.ModelInput>

export const VersionInput = z.strictObject({ backend: Backend }).meta({ id: 'VersionInput' })
export type VersionInput = z.infer<typeof VersionInput>

export const ChampionInput = z
  .strictObject({
    version: VersionName,
    keep_weights: z
      .boolean()
      .default(false)
      .meta({ description: 'Keep the current weights instead of switching 100% to the new champion' }),
  })
  .meta({ id: 'ChampionInput' })
export type ChampionInput = Checked<typeof ChampionInput, core.ChampionInput>
