/**
 * The admin API's rollout view (snake_case, RFC 3339 times) in the shape the demo computes with
 * (epoch milliseconds): done once where the demo fetches a rollout.
 */
import type { RolloutView } from '../../src/schemas/rollout-view'
import type { RolloutViewLite } from './report'

const ms = (iso: string) => Date.parse(iso)

export function liteView(v: RolloutView): RolloutViewLite {
  const rb = v.rollback
  return {
    id: v.id,
    phase: v.phase,
    terminal: v.terminal,
    challenger: v.challenger,
    step: v.step,
    plan: v.plan,
    pending_approval: v.pending_approval,
    verdicts: v.verdicts.map((x) => ({
      at: ms(x.at),
      stepIndex: x.step_index,
      decision: x.decision,
      decisive: x.decisive,
      reason: x.reason,
      elapsedMs: x.elapsed_ms ?? 0,
      metrics: x.metrics,
    })),
    events: v.events.map((e) => ({
      at: ms(e.at),
      type: e.type,
      actor: e.actor,
      reason: e.reason,
      ...(e.details ? { details: e.details } : {}),
    })),
    rollback: rb && {
      at: ms(rb.at),
      trigger: rb.trigger,
      version: rb.version,
      fromStep: rb.from_step,
      reason: rb.reason,
      confirmation: rb.confirmation && {
        at: ms(rb.confirmation.at),
        ok: rb.confirmation.ok,
        timeToConfirmMs: rb.confirmation.time_to_confirm_ms,
        details: rb.confirmation.details,
      },
    },
    outcome: v.outcome,
    incident_id: v.incident_id,
    created_at: v.created_at,
  }
}
