/**
 * @module http/routes/admin/ui/data
 * What each dashboard page shows, gathered from the same service and store functions the admin API
 * routes call (no HTTP round trip to ourselves). Every loader takes `now` so a page is one
 * consistent picture.
 */
import { listAudit, listModels, openDb, storedVerdictOf, type Db } from '../../../../adapters/d1/registry-store'
import { listRollouts } from '../../../../adapters/d1/rollout-store'
import type { AuditEntry } from '../../../../core/audit/chain'
import { minuteOf } from '../../../../core/metrics/aggregate'
import type { Env } from '../../../../env'
import { readSeries } from '../../../../services/measurement'
import { getModelView } from '../../../../services/registry'
import { getRollout } from '../../../../services/rollouts'
import {
  WINDOWS,
  type ModelPageData,
  type OverviewData,
  type OverviewModel,
  type RolloutRow,
  type WindowKey,
} from '../../../../ui/view-model'

const MINUTE = 60_000

async function rolloutRows(db: Db, model: string, limit: number): Promise<RolloutRow[]> {
  const rows = await listRollouts(db, model, limit)
  return rows.map((r) => ({
    id: r.id,
    challenger: r.challenger,
    champion: r.champion,
    phase: r.phase,
    outcome: r.outcome,
    createdAt: r.createdAt,
    endedAt: r.endedAt,
    lastVerdict: storedVerdictOf(r.lastVerdict),
  }))
}

export async function loadOverview(env: Env, now: number): Promise<OverviewData> {
  const db = openDb(env.DB)
  const models = await listModels(db)
  const rows = await Promise.all(
    models.map(async (m): Promise<OverviewModel> => {
      const [view, latest] = await Promise.all([getModelView(env, m.name), rolloutRows(db, m.name, 1)])
      const active = view.active_rollout ? await getRollout(env, view.active_rollout.id) : null
      return { name: m.name, risk: m.risk, view, active, latest: latest[0] ?? null }
    }),
  )
  return { now, models: rows }
}

/** The newest `limit` entries of a model's audit stream, newest first. */
export async function recentAudit(db: Db, model: string, limit: number): Promise<AuditEntry[]> {
  return listAudit(db, { stream: model, limit, newestFirst: true })
}

export async function loadModelPage(
  env: Env,
  model: string,
  windowKey: WindowKey,
  now: number,
): Promise<ModelPageData> {
  const view = await getModelView(env, model) // model_not_found → 404
  const db = openDb(env.DB)
  const w = WINDOWS[windowKey]
  const toMinute = minuteOf(now)
  const fromMinute = toMinute - Math.round(w.ms / MINUTE) + 1
  const [rollouts, series, audit] = await Promise.all([
    rolloutRows(db, model, 20),
    readSeries(db, model, fromMinute, toMinute, w.stepMinutes),
    recentAudit(db, model, 50),
  ])
  const shownId = view.active_rollout?.id ?? rollouts[0]?.id ?? null
  const rollout = shownId ? await getRollout(env, shownId) : null
  return {
    now,
    view,
    rollout,
    rollouts,
    series,
    window: { key: windowKey, from: fromMinute * MINUTE, to: (toMinute + 1) * MINUTE, stepMs: w.stepMinutes * MINUTE },
    audit,
  }
}
