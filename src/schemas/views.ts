/**
 * @module schemas/views
 * Response shapes of the admin API: a model with its versions and routing, and the model list.
 */
import { z } from 'zod'
import { Epoch, IsoTime, ModelName, RiskTier, VersionName } from './common'
import { ApprovalPolicy, Backend, BusinessMetric, LatencyMeasure, ShadowCompare } from './model'
import { RoutingTable } from './routing'
import type { ModelWarning as CoreModelWarning } from '../core/registry/bounds'
import type { Checked } from './conforms'

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
    latency_measure: LatencyMeasure.optional().meta({
      description: 'Which latency the latency gate reads (see ModelInput); absent: ttfb',
    }),
    approval_policy: ApprovalPolicy,
    created_at: IsoTime,
    updated_at: IsoTime,
  })
  .meta({ id: 'ModelConfig' })
export type ModelConfig = z.infer<typeof ModelConfig>

export const ModelWarning = z
  .object({
    code: z.enum(['unbounded_mean_metric']),
    metric: z.string(),
    detail: z.string(),
    fix: z.string(),
  })
  .meta({
    id: 'ModelWarning',
    description: 'Something a model stored before a rule was added still lacks; it keeps working meanwhile',
  })

export type ModelWarning = Checked<typeof ModelWarning, CoreModelWarning>

const Warnings = z.array(ModelWarning).meta({ description: 'What to fix in the model (empty: nothing)' })

export const BucketRange = z.object({ version: z.string(), from: z.number().int(), to: z.number().int() })

export const ModelView = z
  .object({
    model: ModelConfig,
    versions: z.array(VersionView),
    champion: z.string().nullable(),
    previous_champion: z.string().nullable(),
    rollback_target: z
      .object({
        version: z.string(),
        promoted_at: z.string().nullable().meta({ description: 'When the current champion replaced it' }),
        expires_at: z.string().nullable().meta({ description: 'When it stops being a rollback target' }),
      })
      .nullable()
      .meta({
        description:
          'The previous champion while a rollback may still restore it (PREVIOUS_CHAMPION_RETENTION_S after the promotion); a rollback without a target goes there',
      }),
    routing: RoutingTable.nullable(),
    epoch: Epoch,
    published_epoch: z.number().int().meta({
      description: 'Newest epoch confirmed written to KV by this coordinator instance (-1 if unknown since restart)',
    }),
    bucket_ranges: z.array(BucketRange).meta({
      description:
        'Weight bucket ranges in [0, 10000), ascending; under hash v2 a version may own several (docs/routing.md)',
    }),
    active_rollout: z.object({ id: z.string(), phase: z.string() }).nullable(),
    warnings: Warnings,
  })
  .meta({ id: 'ModelView' })
export type ModelView = z.infer<typeof ModelView>

export const PublishedRouting = RoutingTable.extend({ epoch: Epoch, published_at: IsoTime }).meta({
  id: 'PublishedRouting',
})

export const ModelSummary = z
  .object({
    name: ModelName,
    risk: z.string(),
    champion: z.string().nullable(),
    epoch: Epoch,
    metric_shards: z.number().int(),
    updated_at: IsoTime,
  })
  .meta({ id: 'ModelSummary' })

export const ModelListItem = ModelSummary.extend({
  weights: z
    .record(z.string(), z.number())
    .meta({ description: 'Weights at the current epoch', example: { v1: 90, v2: 10 } }),
  active_rollout: z
    .object({
      id: z.string(),
      challenger: z.string(),
      phase: z.string(),
      step_index: z.number().int(),
      last_verdict: z.object({ decision: z.string(), reason: z.string(), at: IsoTime }).nullable(),
    })
    .nullable(),
  warnings: Warnings,
}).meta({ id: 'ModelListItem' })

export const ModelList = z.object({ models: z.array(ModelListItem) }).meta({
  id: 'ModelList',
  description:
    "From D1, which each model's coordinator updates right after every change (a change can take a moment to show)",
})
