/**
 * @module services/dashboard
 * What each dashboard page shows, gathered from the same services the admin API routes call (no
 * HTTP round trip to ourselves). Every loader takes `now` so a page is one consistent picture.
 */
import { listAudit, type Db } from '../adapters/d1/registry-store'
import type { AuditEntry } from '../core/audit/chain'
import { minuteOf } from '../core/metrics/aggregate'
import {
  WINDOWS,
  type ModelPageData,
  type OverviewData,
  type OverviewModel,
  type WindowKey,
} from '../schemas/dashboard'
import type { RolloutSummary } from '../schemas/rollout-view'
import type { MeasurementService } from './measurement'
import type { RegistryService } from './registry'
import type { RolloutService } from './rollouts'

const MINUTE = 60_000

export interface DashboardDeps {
  db: Db
  registry: RegistryService
  rollouts: RolloutService
  measurement: MeasurementService
}

export class DashboardService {
  constructor(private readonly deps: DashboardDeps) {}

  async overview(now: number): Promise<OverviewData> {
    const models = await this.deps.registry.models()
    const rows = await Promise.all(
      models.map(async (m): Promise<OverviewModel> => {
        const [view, latest] = await Promise.all([this.deps.registry.view(m.name), this.rolloutRows(m.name, 1)])
        const active = view.active_rollout ? await this.deps.rollouts.get(view.active_rollout.id) : null
        return { name: m.name, risk: m.risk, view, active, latest: latest[0] ?? null }
      }),
    )
    return { now, models: rows }
  }

  async modelPage(model: string, windowKey: WindowKey, now: number): Promise<ModelPageData> {
    const view = await this.deps.registry.view(model) // model_not_found → 404
    const w = WINDOWS[windowKey]
    const toMinute = minuteOf(now)
    const fromMinute = toMinute - Math.round(w.ms / MINUTE) + 1
    const [rollouts, series, audit] = await Promise.all([
      this.rolloutRows(model, 20),
      this.deps.measurement.series(model, fromMinute, toMinute, w.stepMinutes),
      this.recentAudit(model, 50),
    ])
    const shownId = view.active_rollout?.id ?? rollouts[0]?.id ?? null
    const rollout = shownId ? await this.deps.rollouts.get(shownId) : null
    return {
      now,
      view,
      rollout,
      rollouts,
      series,
      window: {
        key: windowKey,
        from: fromMinute * MINUTE,
        to: (toMinute + 1) * MINUTE,
        stepMs: w.stepMinutes * MINUTE,
      },
      audit,
    }
  }

  /** The newest `limit` entries of a model's audit stream, newest first. */
  private recentAudit(model: string, limit: number): Promise<AuditEntry[]> {
    return listAudit(this.deps.db, { stream: model, limit, newestFirst: true })
  }

  private async rolloutRows(model: string, limit: number): Promise<RolloutSummary[]> {
    return this.deps.rollouts.list(model, limit)
  }
}
