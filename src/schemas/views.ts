/**
 * @module schemas/views
 * Response shapes of the admin API.
 */
import { z } from 'zod'
import { Epoch, IsoTime, ModelName } from './common'
import { ModelConfig, VersionView } from './model'
import { RoutingTable } from './routing'

export const BucketRange = z.object({ version: z.string(), from: z.number().int(), to: z.number().int() })

export const ModelView = z
  .object({
    model: ModelConfig,
    versions: z.array(VersionView),
    champion: z.string().nullable(),
    previous_champion: z.string().nullable(),
    routing: RoutingTable.nullable(),
    epoch: Epoch,
    published_epoch: z.number().int().meta({ description: 'Newest epoch confirmed written to KV by this coordinator instance (-1 if unknown since restart)' }),
    bucket_ranges: z.array(BucketRange).meta({ description: 'Weight bucket ranges in [0, 10000), in evaluation order' }),
    active_rollout: z.object({ id: z.string(), phase: z.string() }).nullable(),
  })
  .meta({ id: 'ModelView' })
export type ModelView = z.infer<typeof ModelView>

export const PublishedRouting = RoutingTable.extend({ epoch: Epoch, published_at: IsoTime }).meta({ id: 'PublishedRouting' })

export const ModelSummary = z
  .object({ name: ModelName, risk: z.string(), champion: z.string().nullable(), epoch: Epoch, metric_shards: z.number().int(), updated_at: IsoTime })
  .meta({ id: 'ModelSummary' })

export const ModelList = z.object({ models: z.array(ModelSummary) }).meta({ id: 'ModelList' })

export const AuditEntryView = z
  .object({
    id: z.string(),
    stream: z.string(),
    seq: z.number().int(),
    at: IsoTime,
    actor: z.string(),
    action: z.string(),
    target: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    reason: z.string(),
    prev_hash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' })

export const AuditList = z.object({ entries: z.array(AuditEntryView), next_cursor: z.string().nullable() }).meta({ id: 'AuditList' })
