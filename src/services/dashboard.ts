/**
 * @module services/dashboard
 * What each dashboard page shows, gathered from the same services the admin API routes call (no
 * HTTP round trip to ourselves). Every loader takes `now` so a page is one consistent picture.
 */
import { listAudit, type Db } from '../adapters/d1/registry-store'
import { listVerdicts } from '../adapters/d1/rollout-store'
import type { AuditEntry } from '../core/audit/chain'
import { minuteOf } from '../core/metrics/aggregate'
import {
  WINDOWS,
  type ModelPageData,
  type OverviewData,
  type OverviewModel,
  type WindowKey,
} from '../schemas/dashboard'
import type { IncidentView } from '../schemas/incident'
import type { RolloutSummary } from '../schemas/rollout-view'
import type { MeasurementService } from './measurement'
import type { RegistryService } from './registry'
import type { RolloutService } from './rollouts'
import { fitWindow, partialFrom } from './views/chart-window'
import { verdictRowView } from './views/rollout'

const MINUTE = 60_000
/** Verdicts read for the decision charts and the timeline: a demo-length rollout's whole history. */
const HISTORY_LIMIT = 1_000
/** Audit entries read; repeated CONTINUE verdicts fold into one row, so more than are shown. */
const AUDIT_READ = 400

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
        const last = latest[0] ?? null
        // The row links the incident only when there is one: the summary does not carry its id.
        // Unreadable, the row just shows no link (like the model page without its incident).
        const finished =
          !active && last?.outcome === 'rolled_back' ? await this.deps.rollouts.get(last.id).catch(() => null) : null
        const incident_id = finished?.incident_id ?? null
        return { name: m.name, risk: m.risk, view, active, latest: last, incident_id }
      }),
    )
    return { now, models: rows }
  }

  async modelPage(model: string, windowKey: WindowKey, now: number): Promise<ModelPageData> {
    const view = await this.deps.registry.view(model) // model_not_found → 404
    const [rollouts, audit] = await Promise.all([this.rolloutRows(model, 20), this.recentAudit(model, AUDIT_READ)])
    const shownId = view.active_rollout?.id ?? rollouts[0]?.id ?? null
    const rollout = shownId ? await this.deps.rollouts.get(shownId) : null
    const w = WINDOWS[windowKey]
    const fitted =
      windowKey === 'rollout' && rollout !== null
        ? // Up to its latest tick: the same as now, unless a tick ran ahead of this clock.
          fitWindow(Date.parse(rollout.created_at), Math.max(now, Date.parse(rollout.updated_at)))
        : {
            fromMinute: minuteOf(now) - Math.round(w.ms / MINUTE) + 1,
            toMinute: minuteOf(now),
            stepMinutes: w.stepMinutes,
          }
    const { fromMinute, toMinute, stepMinutes } = fitted
    const [series, history, incident] = await Promise.all([
      this.deps.measurement.series(model, fromMinute, toMinute, stepMinutes),
      rollout ? listVerdicts(this.deps.db, rollout.id, HISTORY_LIMIT).then((rows) => rows.map(verdictRowView)) : [],
      rollout?.incident_id ? this.incident(rollout.incident_id) : null,
    ])
    const from = fromMinute * MINUTE
    const to = (toMinute + 1) * MINUTE
    return {
      now,
      view,
      rollout,
      rollouts,
      series,
      window: {
        key: windowKey,
        from,
        to,
        stepMs: stepMinutes * MINUTE,
        partialFrom: partialFrom(from, to, stepMinutes * MINUTE, now),
      },
      history,
      incident,
      audit,
    }
  }

  /** The incident, or null when it cannot be read (the page still renders without it). */
  private async incident(id: string): Promise<IncidentView | null> {
    return this.deps.rollouts.incident(id).catch(() => null)
  }

  /** The newest `limit` entries of a model's audit stream, newest first. */
  private recentAudit(model: string, limit: number): Promise<AuditEntry[]> {
    return listAudit(this.deps.db, { stream: model, limit, newestFirst: true })
  }

  private async rolloutRows(model: string, limit: number): Promise<RolloutSummary[]> {
    return this.deps.rollouts.list(model, limit)
  }
}
