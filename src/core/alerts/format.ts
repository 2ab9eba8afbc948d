/**
 * @module core/alerts/format
 * Webhook bodies for rollout alerts in three formats: generic JSON, Slack-compatible (text +
 * blocks) and PagerDuty Events API v2 (trigger, and resolve when a rollback is confirmed).
 */
import type { AlertKind, Severity } from '../rollout/io'

export const WEBHOOK_FORMATS = ['json', 'slack', 'pagerduty'] as const
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number]

/** How a delivery attempt ended: delivered, to be tried again, or given up after the last retry. */
export const DELIVERY_STATUSES = ['delivered', 'retrying', 'gave_up'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

export interface AlertMessage {
  kind: AlertKind
  severity: Severity
  summary: string
  details: Record<string, unknown>
  model: string
  rolloutId: string | null
  at: number
}

const EMOJI: Record<AlertKind, string> = {
  fail: ':red_circle:',
  rollback: ':rewind:',
  inconclusive: ':grey_question:',
  srm: ':warning:',
  outcome_conflicts: ':warning:',
  approval_needed: ':raising_hand:',
  rollback_confirmed: ':white_check_mark:',
}

/** A rollback_confirmed alert reports a check; only one that found the rollback done says so. */
function confirmed(a: AlertMessage): boolean {
  return a.kind === 'rollback_confirmed' && a.details['ok'] === true
}

export function alertBody(format: WebhookFormat, a: AlertMessage, opts: { routingKey?: string | null } = {}): unknown {
  const at = new Date(a.at).toISOString()
  switch (format) {
    case 'json':
      return {
        source: 'modelgate',
        event: a.kind,
        severity: a.severity,
        summary: a.summary,
        model: a.model,
        rollout_id: a.rolloutId,
        at,
        details: a.details,
      }
    case 'slack': {
      const emoji = a.kind === 'rollback_confirmed' && !confirmed(a) ? ':x:' : EMOJI[a.kind]
      const title = `${emoji} *${a.kind.replace('_', ' ')}* · ${a.model}${a.rolloutId ? ` · ${a.rolloutId}` : ''}`
      return {
        text: `[modelgate] ${a.kind} ${a.model}: ${a.summary}`,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `${title}\n${a.summary}` } },
          { type: 'context', elements: [{ type: 'mrkdwn', text: `severity ${a.severity} · ${at}` }] },
        ],
      }
    }
    case 'pagerduty':
      return {
        routing_key: opts.routingKey ?? '',
        // A confirmed rollback resolves the page that the failure opened (same dedup key); a check
        // that found it NOT confirmed (yet) keeps it open.
        event_action: confirmed(a) ? 'resolve' : 'trigger',
        dedup_key: `modelgate:${a.model}:${a.rolloutId ?? 'model'}`,
        payload: {
          summary: `[modelgate] ${a.model}: ${a.summary}`.slice(0, 1024),
          source: 'modelgate',
          severity: a.severity,
          timestamp: at,
          component: a.model,
          group: 'model-rollouts',
          class: a.kind,
          custom_details: a.details,
        },
      }
    default: {
      const never: never = format
      return never
    }
  }
}
