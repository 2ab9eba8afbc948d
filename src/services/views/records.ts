/**
 * @module services/views/records
 * Rows the coordinators record (incidents, webhooks, deliveries) and the stored shadow samples, as
 * the API shows them (schemas/incident, schemas/alerts, schemas/metrics).
 */
import type { IncidentRow, WebhookRow } from '../../adapters/d1/outbox'
import type { ShadowSampleRecord } from '../../adapters/d1/metrics-store'
import type { DeliveryRecord } from '../../adapters/d1/rollout-store'
import type { DeliveryView, WebhookView } from '../../schemas/alerts'
import type { IncidentView } from '../../schemas/incident'
import type { ShadowSampleView } from '../../schemas/metrics'

export function incidentView(r: IncidentRow): IncidentView {
  return {
    id: r.id,
    model: r.model,
    rollout_id: r.rolloutId ?? null,
    at: r.at,
    trigger: r.trigger as IncidentView['trigger'],
    actor: r.actor,
    summary: r.summary,
    impact: (r.impact ?? null) as IncidentView['impact'],
    confirmation: (r.confirmation ?? null) as IncidentView['confirmation'],
    retrospective: (r.retrospective ?? null) as IncidentView['retrospective'],
    open_action_items: r.openActionItems ?? 0,
    updated_at: r.updatedAt,
  }
}

export function webhookView(r: WebhookRow): WebhookView {
  return {
    id: r.id,
    model: r.model,
    url: r.url,
    format: r.format,
    events: r.events,
    routing_key: r.routingKey ?? null,
    created_at: r.createdAt,
  }
}

export function deliveryView(r: DeliveryRecord): DeliveryView {
  return {
    id: r.id,
    attempt: r.attempt,
    webhook_id: r.webhookId,
    model: r.model,
    event: r.event,
    format: r.format,
    at: r.at,
    status: r.status,
    response_code: r.responseCode,
    error: r.error,
  }
}

export function shadowSampleView(r: ShadowSampleRecord): ShadowSampleView {
  return {
    id: r.id,
    at: r.at,
    request_hash: r.requestHash,
    version: r.version,
    verdict: r.verdict,
    champion_output: r.championOutput,
    shadow_output: r.shadowOutput,
  }
}
