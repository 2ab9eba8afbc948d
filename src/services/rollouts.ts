/**
 * @module services/rollouts
 * Rollout verbs of the admin API and the gate tick: find the model's coordinator, call it, and
 * install the snapshot it answers with in this isolate's cache.
 */
import type { Db } from '../adapters/d1/registry-store'
import {
  incidentModel,
  listDeliveries,
  listIncidents,
  listRollouts,
  listVerdicts,
  modelsToTick,
  rolloutModel,
} from '../adapters/d1/rollout-store'
import type { CoordinatorClient, RolloutCommand, RolloutOutcome } from '../adapters/do/coordinator-client'
import { DomainError } from '../core/errors'
import { modelOfId } from '../core/ids'
import type { RetrospectiveInput, StartRolloutInput, WebhookInput } from '../schemas/rollout'
import type { DeliveryView, WebhookView } from '../schemas/alerts'
import type { IncidentView } from '../schemas/incident'
import type { RolloutSummary, RolloutView } from '../schemas/rollout-view'
import type { VerdictRow } from '../schemas/verdict'
import { deliveryView, incidentView, webhookView } from './views/records'
import { rolloutSummary, verdictRowView } from './views/rollout'
import type { RegistryService } from './registry'
import type { SnapshotSink } from './snapshot-sink'
import { assertEgress, type EgressCheck } from './egress'
import type { TickIndex } from './publication'

export type { RolloutCommand }

export interface RolloutDeps {
  db: Db
  coordinator: (model: string) => CoordinatorClient
  snapshots: SnapshotSink
  registry: RegistryService
  tickIndex: TickIndex
  /** The egress policy (services/egress): webhooks it refuses are not stored. */
  egress: EgressCheck
}

export interface TickSummary {
  models: number
  acted: number
  failures: Array<{ model: string; error: string }>
  durationMs: number
}

export class RolloutService {
  constructor(private readonly deps: RolloutDeps) {}

  /** `ifMatch`: the model epoch the operator saw (If-Match); null starts whatever the epoch. */
  async start(
    model: string,
    input: StartRolloutInput,
    actor: string,
    ifMatch: number | null = null,
  ): Promise<RolloutView> {
    return this.installed(await this.deps.coordinator(model).startRollout(input, actor, ifMatch))
  }

  async command(id: string, cmd: RolloutCommand, actor: string): Promise<RolloutView> {
    const model = await this.modelOf(id)
    return this.installed(await this.deps.coordinator(model).rolloutCommand(id, cmd, actor))
  }

  async get(id: string): Promise<RolloutView> {
    const view = await this.deps.coordinator(await this.modelOf(id)).rolloutView(id)
    if (view === null) throw new DomainError('rollout_not_found', `rollout ${id} not found`)
    return view
  }

  /** Rollouts of one model (404 for an unknown model) or of every model, newest first. */
  async list(model: string | undefined, limit: number): Promise<RolloutSummary[]> {
    if (model !== undefined) await this.deps.registry.view(model)
    return (await listRollouts(this.deps.db, model, limit)).map(rolloutSummary)
  }

  async verdicts(id: string, limit: number): Promise<VerdictRow[]> {
    await this.get(id)
    return (await listVerdicts(this.deps.db, id, limit)).map(verdictRowView)
  }

  async incidents(model: string | undefined, limit: number): Promise<IncidentView[]> {
    return (await listIncidents(this.deps.db, model, limit)).map(incidentView)
  }

  async incident(id: string): Promise<IncidentView> {
    const row = await this.deps.coordinator(await this.incidentModel(id)).incidentById(id)
    if (!row) throw new DomainError('not_found', `incident ${id} not found`)
    return incidentView(row)
  }

  async retrospective(id: string, input: RetrospectiveInput, actor: string): Promise<IncidentView> {
    return incidentView(await this.deps.coordinator(await this.incidentModel(id)).retrospective(id, input, actor))
  }

  async closeActionItem(id: string, index: number, actor: string): Promise<IncidentView> {
    return incidentView(await this.deps.coordinator(await this.incidentModel(id)).closeActionItem(id, index, actor))
  }

  async setWebhooks(model: string, list: WebhookInput[], actor: string): Promise<WebhookView[]> {
    assertEgress(
      this.deps.egress,
      list.map((w, i) => ({ field: `webhooks.${i}.url`, url: w.url })),
    )
    await this.deps.registry.view(model)
    return (await this.deps.coordinator(model).setWebhooks(list, actor)).map(webhookView)
  }

  async deliveries(model: string, limit: number): Promise<DeliveryView[]> {
    await this.deps.registry.view(model) // 404 for an unknown model, as documented
    return (await listDeliveries(this.deps.db, model, limit)).map(deliveryView)
  }

  /**
   * One gate tick over every model with an active (or recently rolled back) rollout, at most
   * `concurrency` coordinators at a time; a failure of one never stops the others.
   */
  async tick(now: number, concurrency = 50): Promise<TickSummary> {
    const started = Date.now()
    const models = await this.modelsToTick(now)
    const failures: TickSummary['failures'] = []
    let acted = 0
    let next = 0
    const worker = async () => {
      while (next < models.length) {
        const model = models[next++] as string
        try {
          const r = await this.deps.coordinator(model).tick(now)
          if (r.rollout) acted++
          if (r.snapshot) this.deps.snapshots.put(r.snapshot)
        } catch (err) {
          failures.push({ model, error: (err as Error).message })
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(concurrency, models.length) }, worker))
    return { models: models.length, acted, failures, durationMs: Date.now() - started }
  }

  /**
   * D1 knows which rollouts are running; when D1 fails, the coordinators' own KV index says who
   * wants ticks, so the backstop goes on (each coordinator also ticks itself: ./coordinator).
   */
  private async modelsToTick(now: number): Promise<string[]> {
    try {
      return await modelsToTick(this.deps.db, new Date(now - 3_600_000).toISOString())
    } catch (err) {
      console.warn(`cron: D1 failed (${(err as Error).message}); ticking the models of the KV tick index`)
      return this.deps.tickIndex.list()
    }
  }

  private installed(out: RolloutOutcome): RolloutView {
    this.deps.snapshots.put(out.snapshot)
    return out.rollout
  }

  /**
   * The model owning a rollout: named by the id itself (core/ids, modelScopedId), so that pause,
   * abort and approve need no D1; only ids made before that are looked up in D1.
   */
  private async modelOf(id: string): Promise<string> {
    const model = modelOfId(id) ?? (await rolloutModel(this.deps.db, id))
    if (model === null) throw new DomainError('rollout_not_found', `rollout ${id} not found`)
    return model
  }

  private async incidentModel(id: string): Promise<string> {
    const model = modelOfId(id) ?? (await incidentModel(this.deps.db, id))
    if (model === null) throw new DomainError('not_found', `incident ${id} not found`)
    return model
  }
}
