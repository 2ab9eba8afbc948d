/**
 * @module services/coordinator/rollout-commands
 * Operator commands on a rollout (pause, resume, promote, abort, rollback, approve, evaluation)
 * and the gate tick, each turned into one input of the rollout machine and run by the runner.
 */
import { DomainError } from '../../core/errors'
import type { RolloutCommand } from '../../adapters/do/coordinator-client'
import { isFinal } from '../../core/rollout/confirmation'
import { isTerminal, type Input } from '../../core/rollout/index'
import type { CoordinatorPort } from './ports'
import { confirmRollback } from './rollback-confirmation'
import type { RolloutRunner, StoredRollout } from './rollout-runner'
import { evaluationInput } from './start-rollout'
import { withTakenLooks } from './evaluate-step'
import { replanAfterShadow } from './auto-plan'
import type { VerdictRecord } from '../../core/gates/types'

export async function rolloutById(port: CoordinatorPort, id: string): Promise<StoredRollout> {
  const active = port.active()
  if (active?.state.id === id) return active
  const stored = await port.rollout(id)
  if (!stored) throw new DomainError('rollout_not_found', `rollout ${id} not found`)
  return stored
}

export async function runRolloutCommand(
  port: CoordinatorPort,
  runner: RolloutRunner,
  id: string,
  cmd: RolloutCommand,
  actor: string,
): Promise<StoredRollout> {
  const stored = await rolloutById(port, id)
  const now = port.now()
  let input: Input
  switch (cmd.type) {
    case 'approve':
      input = {
        type: 'approve',
        now,
        approver: actor,
        evidenceHash: cmd.evidenceHash,
        currentEvidenceHash: await runner.evidenceHash(stored.state),
        forStep: cmd.step,
        comment: cmd.comment,
      }
      break
    case 'evaluation':
      input = evaluationInput(port, cmd.report, actor)
      break
    default:
      input = { type: cmd.type, now, actor, reason: cmd.reason }
  }
  return runner.run(stored, input, actor)
}

export interface TickOutcome {
  rollout: string | null
  phase: string | null
  decision: string | null
  /** Whether the tick may have changed routing (the caller refreshes its snapshot cache). */
  routed: boolean
}

/**
 * One gate tick, scheduled at `at` (the cron's minute, or the coordinator's own alarm): evaluate
 * the active rollout's gates and act; confirm a pending rollback. A tick for a time the rollout
 * has already been ticked at does nothing, so the cron and the alarm both ticking the same minute
 * give one verdict.
 */
export async function tickRollout(port: CoordinatorPort, runner: RolloutRunner, at: number): Promise<TickOutcome> {
  const stored = port.active()
  if (!stored) return { rollout: null, phase: null, decision: null, routed: false }
  const now = Math.max(at, port.now())
  if (isTerminal(stored.state.phase)) {
    await confirmRollback(port, runner, stored, now)
    return { rollout: stored.state.id, phase: port.active()?.state.phase ?? null, decision: null, routed: false }
  }
  const r = stored.state
  if (r.lastTickAt !== null && at <= r.lastTickAt)
    return { rollout: r.id, phase: r.phase, decision: null, routed: false }
  const evaluated = await runner.evaluate(stored, now)
  const taken = evaluated?.looks ?? []
  let verdict = evaluated === null ? null : withoutLooks(evaluated)
  let current = stored
  if (taken.length > 0 && r.stepEpoch !== null) {
    // A planned look counts once: it is saved before its verdict is acted on, so a crash between
    // the two replays the recorded look instead of taking it again (docs/statistics.md §5.6).
    current = { ...stored, looks: withTakenLooks(stored, taken) }
    await port.saveRollout(current)
  }
  // A shadow step that passed re-plans the canary stages from what it measured, before the step
  // changes, and says so in the verdict (docs/statistics.md §2.7).
  const replan = verdict?.decision === 'PASS' ? await replanAfterShadow(port, current, now) : null
  if (replan !== null && verdict !== null) {
    current = replan.stored
    verdict = { ...verdict, reason: `${verdict.reason} ${replan.reason}` }
  }
  const next = await runner.run(
    current,
    { type: 'tick', now, stepIndex: r.stepIndex, stepEpoch: r.stepEpoch, verdict },
    'controller',
  )
  return { rollout: r.id, phase: next.state.phase, decision: verdict?.decision ?? null, routed: true }
}

/** The verdict as the machine records it: the looks it took are kept in the rollout instead. */
function withoutLooks(v: VerdictRecord): VerdictRecord {
  const { looks: _taken, ...rest } = v
  return rest
}

/**
 * Whether the model's coordinator should keep ticking: a rollout still running, a rollback whose
 * confirmation is not final (it gives up after docs/statistics.md's confirmation window), or
 * effects of a decision still to run.
 */
export function needsTicks(s: StoredRollout | null): boolean {
  if (s === null) return false
  if (s.intent) return true
  if (!isTerminal(s.state.phase)) return true
  const rb = s.state.rollback
  return rb !== null && s.meta.rollbackEpoch !== null && (rb.confirmation === null || !isFinal(rb.confirmation))
}
