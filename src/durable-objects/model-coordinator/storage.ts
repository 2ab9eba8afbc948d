/**
 * @module durable-objects/model-coordinator/storage
 * What the coordinator keeps in its storage besides the journal: the model's state, its rollouts
 * (the active one in memory), incidents, webhooks, pending webhook deliveries and the time of the
 * last rollback. Loaded once per object instance; every write goes to storage before memory.
 */
import type { IncidentRow, WebhookRow } from '../../adapters/d1/outbox'
import type { ModelState } from '../../core/registry/model-state'
import type { PendingChange } from '../../core/registry/two-person'
import type { DeliveryStore, PendingDelivery } from '../../services/coordinator/webhook-deliverer'
import type { StoredRollout } from '../../services/coordinator/rollout-runner'
import type { AuditHead } from './journal'

const DELIVERY_PREFIX = 'wh:'
const CHANGE_PREFIX = 'change:'

/** The storage keys, in one place: `persist` writes several of them in one atomic put. */
export const keys = {
  rollout: (id: string) => `rollout:${id}`,
  incident: (id: string) => `incident:${id}`,
  delivery: (id: string) => `${DELIVERY_PREFIX}${id}`,
  change: (id: string) => `${CHANGE_PREFIX}${id}`,
}

export class CoordinatorStore {
  state: ModelState | null = null
  active: StoredRollout | null = null
  hooks: WebhookRow[] = []
  lastRollbackAt: number | null = null

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Reads everything this store and the journal keep in memory. */
  async load(): Promise<{ head: AuditHead | undefined; outboxSeq: number | undefined }> {
    const m = await this.storage.get(['state', 'head', 'active', 'webhooks', 'last_rollback_at', 'outbox_seq'])
    this.state = (m.get('state') as ModelState | undefined) ?? null
    this.hooks = (m.get('webhooks') as WebhookRow[] | undefined) ?? []
    this.lastRollbackAt = (m.get('last_rollback_at') as number | undefined) ?? null
    const activeId = m.get('active') as string | undefined
    this.active = activeId ? await this.rollout(activeId) : null
    return { head: m.get('head') as AuditHead | undefined, outboxSeq: m.get('outbox_seq') as number | undefined }
  }

  async rollout(id: string): Promise<StoredRollout | null> {
    if (this.active?.state.id === id) return this.active
    return (await this.storage.get<StoredRollout>(keys.rollout(id))) ?? null
  }

  /** Saves a rollout and makes it the model's active (or last) one. */
  async saveRollout(r: StoredRollout): Promise<void> {
    await this.storage.put({ [keys.rollout(r.state.id)]: r, active: r.state.id })
    this.active = r
  }

  async noteRollback(at: number): Promise<void> {
    await this.storage.put('last_rollback_at', at)
    this.lastRollbackAt = at
  }

  async incident(id: string): Promise<IncidentRow | null> {
    return (await this.storage.get<IncidentRow>(keys.incident(id))) ?? null
  }

  async incidents(): Promise<IncidentRow[]> {
    return [...(await this.storage.list<IncidentRow>({ prefix: 'incident:' })).values()]
  }

  async saveIncident(row: IncidentRow): Promise<void> {
    await this.storage.put(keys.incident(row.id), row)
  }

  async saveHooks(rows: WebhookRow[]): Promise<void> {
    await this.storage.put('webhooks', rows)
    this.hooks = rows
  }

  /** Changes held for an approver (core/registry/two-person), oldest first. */
  async changes(): Promise<PendingChange[]> {
    const all = [...(await this.storage.list<PendingChange>({ prefix: CHANGE_PREFIX })).values()]
    return all.sort((a, b) => a.requested_at.localeCompare(b.requested_at))
  }

  async change(id: string): Promise<PendingChange | null> {
    return (await this.storage.get<PendingChange>(keys.change(id))) ?? null
  }

  async deleteChanges(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.storage.delete(ids.map((id) => keys.change(id)))
  }

  /** Pending webhook deliveries, kept until delivered or given up. */
  deliveries(): DeliveryStore {
    return {
      put: (d) => this.storage.put(keys.delivery(d.id), d),
      delete: async (id) => {
        await this.storage.delete(keys.delivery(id))
      },
      list: async () => [...(await this.storage.list<PendingDelivery>({ prefix: DELIVERY_PREFIX })).values()],
    }
  }

  /** One alarm serves every retry: keep the earliest requested time. */
  async armAlarm(at: number): Promise<void> {
    const existing = await this.storage.getAlarm()
    if (existing === null || existing > at) await this.storage.setAlarm(at)
  }
}
