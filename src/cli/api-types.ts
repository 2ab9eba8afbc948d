/**
 * @module cli/api-types
 * The parts of the admin API's JSON the CLI reads. Request and model shapes come from the
 * gateway's own schemas and core types (type-only imports: nothing of the Worker is loaded at run
 * time); the rollout view is declared here, looser than the server's, because the CLI reads both
 * the live view (epoch ms) and D1 rows (ISO text).
 */
import type { z } from 'zod'
import type { AuditList, ModelList, ModelView, PublishedRouting } from '../schemas/views'
import type { StartRolloutInput } from '../schemas/rollout'
import type { RoutingTable } from '../schemas/routing'
import type { MetricVerdict, VerdictRecord } from '../core/gates/types'
import type { Series, SeriesPoint } from '../core/metrics/series'

export type { ModelView }
export type ModelListResponse = z.infer<typeof ModelList>
export type AuditListResponse = z.infer<typeof AuditList>
export type AuditEntry = AuditListResponse['entries'][number]
/** The request body of POST /admin/models/{model}/rollouts, before server defaults. */
export type StartRolloutBody = z.input<typeof StartRolloutInput>

export type RollbackResponse = z.infer<typeof PublishedRouting> & { rolled_back_from: RoutingTable | null }

export type MetricVerdictView = MetricVerdict
export type SrmView = VerdictRecord['srm']

/** A verdict as kept in the rollout state (GET /admin/rollouts/{id}: `at` is epoch ms). */
export interface VerdictView {
  decision: string
  reason: string
  metrics: MetricVerdictView[]
  srm: SrmView | null
  at: number | string
  stepIndex: number
  stepEpoch: number | null
  decisive: boolean
}

/** A verdict row of the D1 history (GET /admin/rollouts/{id}/verdicts: `at` is ISO text). */
export interface VerdictRow extends VerdictView {
  id: string
  rolloutId: string
  model: string
}

export interface RollbackConfirmationDetails {
  epoch?: number
  stable_version?: string
  requests_since_rollback?: number
  challenger_requests_since_rollback?: number
  error_rate?: number | null
  baseline_error_rate?: number | null
  p99_ms?: number | null
  baseline_p99_ms?: number | null
  latency_quantile?: number
  latency_ms?: number | null
  baseline_latency_ms?: number | null
  time_to_confirm_ms?: number
  reason?: string
}

export interface RolloutRollbackView {
  at: number
  actor: string
  trigger: string
  target: string
  version: string
  fromStep: number
  reason: string
  confirmation: { at: number; ok: boolean; timeToConfirmMs: number; details: RollbackConfirmationDetails | null } | null
}

export interface PendingApprovalView {
  forStep: number
  reason: string
  rules: string[]
  requestedAt: number
  expiresAt: number
  evidence_hash: string
}

export interface RolloutView {
  id: string
  model: string
  champion: string
  challenger: string
  strategies: string[]
  phase: string
  phase_description: string
  terminal: boolean
  step: { index: number; kind: string; label: string; started_at: string; epoch: number | null } | null
  plan: Array<{ index: number; kind: string; label: string }>
  evaluation?: { status: string; reason: string } | null
  pending_approval: PendingApprovalView | null
  allowed_actions: string[]
  verdicts: VerdictView[]
  events: Array<{ at: number; type: string; actor: string; reason: string }>
  rollback: RolloutRollbackView | null
  outcome?: string | null
  incident_id: string | null
}

/** A point as the API sends it; `exposures` is absent from servers before it was added. */
export type MetricsPoint = Omit<SeriesPoint, 'exposures'> & { exposures?: number }
export type MetricsSeries = Omit<Series, 'points'> & { points: MetricsPoint[] }

export interface MetricsResponse {
  model: string
  from: string
  to: string
  step_s: number
  series: MetricsSeries[]
}

export interface ChainReport {
  ok: boolean
  streams: Array<{
    stream: string
    ok: boolean
    checked: number
    broken_at: { stream: string; seq: number; problem: string } | null
  }>
}
