/**
 * @module services/coordinator/webhook-deliverer
 * Delivers alert webhooks from the model's coordinator: each delivery is stored first (so a crash
 * loses nothing), POSTed with a timeout, retried with exponential backoff driven by the object's
 * alarm, and every attempt is recorded (D1 `webhook_deliveries`).
 */
import type { DeliveryStatus } from '../../core/alerts/format'
import type { OutboxRecord, WebhookRow } from '../../adapters/d1/outbox'

export interface PendingDelivery {
  id: string
  webhookId: string
  model: string
  url: string
  format: string
  event: string
  body: unknown
  attempt: number
  nextAt: number
}

/** Delay before attempt n+1 (ms); after the last one the delivery is given up and recorded so. */
export const BACKOFF_MS = [1_000, 5_000, 30_000, 120_000, 600_000]
const TIMEOUT_MS = 5_000

/** Where pending deliveries wait (the coordinator's storage): written before any attempt. */
export interface DeliveryStore {
  put(d: PendingDelivery): Promise<void>
  delete(id: string): Promise<void>
  list(): Promise<PendingDelivery[]>
}

/** Sends one webhook body; `signal` aborts it at the timeout. */
export type WebhookPoster = (url: string, body: string, signal: AbortSignal) => Promise<Response>

export interface DelivererPorts {
  store: DeliveryStore
  outbox: (records: OutboxRecord[]) => Promise<void>
  armAlarm: (at: number) => Promise<void>
  post: WebhookPoster
  now: () => number
}

/**
 * A delivery due at once (`nextAt` 0, whatever the clock), not yet attempted. The caller stores it
 * (see RolloutRunner) and runs `deliverDue`.
 */
export function pendingDelivery(id: string, wh: WebhookRow, event: string, body: unknown): PendingDelivery {
  return { id, webhookId: wh.id, model: wh.model, url: wh.url, format: wh.format, event, body, attempt: 0, nextAt: 0 }
}

export class WebhookDeliverer {
  private running: Promise<void> | null = null

  constructor(private readonly ports: DelivererPorts) {}

  async pending(): Promise<PendingDelivery[]> {
    return this.ports.store.list()
  }

  /** Attempt every due delivery once (single-flight, so nothing is sent twice concurrently). */
  deliverDue(now: number): Promise<void> {
    if (this.running === null) this.running = this.run(now).finally(() => (this.running = null))
    return this.running
  }

  private async run(now: number): Promise<void> {
    const due = (await this.pending()).filter((d) => d.nextAt <= now)
    let earliest = Number.POSITIVE_INFINITY
    for (const d of due) {
      const attempt = d.attempt + 1
      let status: DeliveryStatus | 'failed' = 'delivered'
      let code: number | null = null
      let error: string | null = null
      const controller = new AbortController()
      const timer = setTimeout(() => controller.abort(), TIMEOUT_MS)
      try {
        const res = await this.ports.post(d.url, JSON.stringify(d.body), controller.signal)
        code = res.status
        await res.body?.cancel()
        if (!res.ok) {
          status = 'failed'
          // The poster never follows a redirect (compose): its target could be an inward address.
          const redirect = res.status >= 300 && res.status < 400
          error = redirect ? `HTTP ${res.status}: redirect not followed` : `HTTP ${res.status}`
        }
      } catch (err) {
        status = 'failed'
        error = (err as Error).message || 'request failed'
      } finally {
        clearTimeout(timer)
      }
      const delay = BACKOFF_MS[d.attempt]
      if (status === 'failed' && delay !== undefined) {
        status = 'retrying'
        const next = { ...d, attempt, nextAt: this.ports.now() + delay }
        await this.ports.store.put(next)
        earliest = Math.min(earliest, next.nextAt)
      } else {
        if (status === 'failed') status = 'gave_up'
        await this.ports.store.delete(d.id)
      }
      await this.ports.outbox([
        {
          kind: 'delivery',
          row: {
            id: d.id,
            attempt,
            webhookId: d.webhookId,
            model: d.model,
            event: d.event,
            format: d.format,
            at: new Date(this.ports.now()).toISOString(),
            status,
            responseCode: code,
            error,
          },
        },
      ])
    }
    for (const d of await this.pending()) if (d.nextAt > now) earliest = Math.min(earliest, d.nextAt)
    if (Number.isFinite(earliest)) await this.ports.armAlarm(earliest)
  }
}
