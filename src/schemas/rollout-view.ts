/**
 * @module schemas/rollout-view
 * The admin view of a rollout, as GET /admin/rollouts/{id} returns it.
 */
import type { RolloutState } from '../core/rollout/index'

export interface RolloutView {
  id: string
  model: string
  champion: string
  challenger: string
  strategies: string[]
  phase: RolloutState['phase']
  phase_description: string
  terminal: boolean
  step: { index: number; kind: string; label: string; started_at: string; epoch: number | null } | null
  plan: Array<{ index: number; kind: string; label: string }>
  evaluation: RolloutState['evaluation']
  pending_approval: (NonNullable<RolloutState['pendingApproval']> & { evidence_hash: string }) | null
  approvals: RolloutState['approvals']
  allowed_actions: string[]
  verdicts: RolloutState['verdicts']
  events: RolloutState['events']
  rollback: RolloutState['rollback']
  outcome: RolloutState['outcome']
  incident_id: string | null
  created_at: string
  updated_at: string
  ended_at: string | null
  config: RolloutState['config']
}
