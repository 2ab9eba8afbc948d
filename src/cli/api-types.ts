/**
 * @module cli/api-types
 * The admin API's JSON as the CLI reads it: the gateway's own response schemas (type-only imports,
 * so nothing of the Worker is loaded at run time).
 */
import type { z } from 'zod'
import type { AuditList, ChainReport } from '../schemas/audit'
import type { RollbackConfirmation } from '../schemas/incident'
import type { MetricsPoint, MetricsResponse, MetricsSeries } from '../schemas/metrics'
import type { StartRolloutInput } from '../schemas/rollout'
import type { RolloutView } from '../schemas/rollout-view'
import type { VerdictRow, VerdictView } from '../schemas/verdict'
import type { ModelList, ModelView, PublishedRouting } from '../schemas/views'
import type { RoutingTable } from '../schemas/routing'

export type {
  ChainReport,
  MetricsPoint,
  MetricsResponse,
  MetricsSeries,
  ModelView,
  RolloutView,
  VerdictRow,
  VerdictView,
}
export type ModelListResponse = z.infer<typeof ModelList>
export type AuditListResponse = z.infer<typeof AuditList>
export type AuditEntry = AuditListResponse['entries'][number]
/** The request body of POST /admin/models/{model}/rollouts, before server defaults. */
export type StartRolloutBody = z.input<typeof StartRolloutInput>

export type RollbackResponse = z.infer<typeof PublishedRouting> & {
  rolled_back_from: RoutingTable | null
  /** false: the routing already was the target; nothing was published (absent from older gateways). */
  changed?: boolean
  /** The rollout whose runbook carried the rollback (ended, or its promotion undone). */
  ended_rollout?: string | null
}

/** What a recorded rollback confirmation says (the incident's and the rollout's). */
export type RollbackConfirmationDetails = Partial<z.infer<typeof RollbackConfirmation>>
