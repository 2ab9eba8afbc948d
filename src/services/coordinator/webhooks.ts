/**
 * @module services/coordinator/webhooks
 * Replacing a model's alert webhooks. The audit log names destinations without their secret paths
 * (core/audit/redact): Slack and similar URLs are credentials, and approvers read the log.
 */
import type { WebhookRow } from '../../adapters/d1/outbox'
import { redactedUrl } from '../../core/audit/redact'
import type { WebhookInput } from '../../schemas/rollout'
import type { CoordinatorPort } from './ports'

const described = (hooks: WebhookRow[]) =>
  Promise.all(hooks.map(async (h) => ({ url: await redactedUrl(h.url), format: h.format, events: h.events })))

export async function replaceWebhooks(
  port: CoordinatorPort,
  list: WebhookInput[],
  actor: string,
): Promise<WebhookRow[]> {
  const model = port.model()
  const now = new Date(port.now()).toISOString()
  const rows: WebhookRow[] = list.map((w) => ({
    id: port.newId('wh'),
    model: model.model,
    url: w.url,
    format: w.format,
    events: w.events,
    routingKey: w.routing_key ?? null,
    createdAt: now,
  }))
  const before = await described(port.webhooks())
  await port.saveWebhooks(rows)
  await port.outbox([{ kind: 'webhooks', model: model.model, rows }])
  await port.audit({
    action: 'webhooks.set',
    target: model.model,
    before,
    after: await described(rows),
    reason: 'alert destinations replaced',
    actor,
  })
  return rows
}
