/**
 * @module schemas/alerts
 * A model's alert webhooks and the recorded attempts to deliver them.
 */
import { z } from 'zod'
import { DELIVERY_STATUSES } from '../core/alerts/format'
import { ALERT_KINDS } from '../core/rollout/io'
import { IsoTime } from './common'

export const WebhookView = z
  .object({
    id: z.string(),
    model: z.string(),
    url: z.string(),
    format: z.string(),
    events: z.array(z.enum(ALERT_KINDS)),
    routing_key: z.string().nullable(),
    created_at: IsoTime,
  })
  .meta({ id: 'WebhookView' })
export type WebhookView = z.infer<typeof WebhookView>

export const WebhookList = z.object({ webhooks: z.array(WebhookView) }).meta({ id: 'WebhookList' })

export const DeliveryView = z
  .object({
    id: z.string(),
    attempt: z.number().int(),
    webhook_id: z.string(),
    model: z.string(),
    event: z.string(),
    format: z.string(),
    at: IsoTime,
    status: z.enum(DELIVERY_STATUSES),
    response_code: z.number().int().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' })
export type DeliveryView = z.infer<typeof DeliveryView>

export const DeliveryList = z.object({ deliveries: z.array(DeliveryView) }).meta({ id: 'DeliveryList' })
