/**
 * @module schemas/dashboard
 * What each dashboard page renders: plain data gathered by the fragment handlers
 * (services/dashboard) and passed to the components (src/ui).
 */
import type { RolloutSummary, RolloutView } from './rollout-view'
import type { AuditEntry } from '../core/audit/chain'
import type { Series } from '../core/metrics/series'
import type { ModelView } from './views'
import type { IncidentView } from './incident'
import type { VerdictView } from './verdict'

const MINUTE = 60_000

/** Chart windows offered on the model page, with a bucket size that keeps ≤ ~100 points. */
export const WINDOWS = {
  // Fitted to the shown rollout (ui/time-marks fitWindow); these numbers apply when there is none.
  rollout: { ms: 60 * MINUTE, stepMinutes: 1 },
  '15m': { ms: 15 * MINUTE, stepMinutes: 1 },
  '1h': { ms: 60 * MINUTE, stepMinutes: 1 },
  '6h': { ms: 360 * MINUTE, stepMinutes: 5 },
  '24h': { ms: 1_440 * MINUTE, stepMinutes: 15 },
  '7d': { ms: 10_080 * MINUTE, stepMinutes: 120 },
} as const
export type WindowKey = keyof typeof WINDOWS
export const WINDOW_KEYS = Object.keys(WINDOWS) as WindowKey[]
export const DEFAULT_WINDOW: WindowKey = 'rollout'

export interface OverviewModel {
  name: string
  risk: string
  view: ModelView
  /** The active rollout (full view), or null. */
  active: RolloutView | null
  /** The newest rollout, active or not (for "last verdict" and "last outcome"). */
  latest: RolloutSummary | null
  /**
   * The incident the newest rollout opened, when it is finished and was rolled back after its
   * challenger served (a rollback before that opens none); absent or null otherwise.
   */
  incident_id?: string | null
}

export interface OverviewData {
  now: number
  models: OverviewModel[]
}

export interface ModelPageData {
  now: number
  view: ModelView
  /** The active rollout, else the newest one; null when the model never had one. */
  rollout: RolloutView | null
  rollouts: RolloutSummary[]
  series: Series[]
  /** `partialFrom`: start of the bucket still filling (drawn as partial), or null. */
  window: { key: WindowKey; from: number; to: number; stepMs: number; partialFrom: number | null }
  /** The shown rollout's verdict history (D1), oldest first: decision charts and the collapsed timeline. */
  history: VerdictView[]
  /** The shown rollout's incident with its retrospective, when it was rolled back. */
  incident: IncidentView | null
  /** Newest first. */
  audit: AuditEntry[]
}
