/**
 * @module durable-objects/model-coordinator/registry-command
 * A registry command under the coordinator's lock. Every precondition (the rollout guard,
 * If-Match, the two-person rule) is checked against the state the command will change, so a command racing a tick or
 * another command either applies to what it checked or is refused (409/412), never answered 200
 * for a change that did not happen.
 */
import type { CommandOutcome } from '../../adapters/do/coordinator-client'
import { DomainError } from '../../core/errors'
import type { CommandMeta, RegistryCommand } from '../../core/registry/commands'
import { toSnapshot } from '../../core/registry/model-state'
import { resolveRollbackTarget } from '../../core/registry/rollback-target'
import { undoablePromotion } from '../../core/rollout/index'
import { publishWait } from '../../core/registry/publish-wait'
import { checkPendingChange, type PendingChange } from '../../core/registry/two-person'
import type { RoutingTable } from '../../core/routing/types'
import { guardDuringRollout } from '../../services/coordinator/registry-guard'
import { runRolloutCommand } from '../../services/coordinator/rollout-commands'
import type { RolloutRunner, StoredRollout } from '../../services/coordinator/rollout-runner'
import type { Coordination, Committed } from './coordination'
import { hold, twoPersonDecision } from './held-changes'

export interface LockedCommand {
  /** The routing table the command replaced. */
  before: RoutingTable | null
  /** The rollout a one-command rollback ended through its runbook. */
  endedRollout: string | null
  changed: boolean
  /** The registry's own commit; null when the rollout's runbook made the change, or it was held. */
  committed: Committed | null
  /** The change waits for an approver (core/registry/two-person); nothing changed. */
  held: PendingChange | null
  /** Whether the answer waits for the edge publish of `committed` (core/registry/publish-wait). */
  waitForEdge: boolean
}

/** Runs `cmd` (the caller holds the lock); propagation to D1 and KV is the caller's, outside it. */
export async function commandUnderLock(
  parts: Coordination,
  runner: RolloutRunner,
  cmd: RegistryCommand,
  meta: CommandMeta,
): Promise<LockedCommand> {
  const before = parts.store.state?.routing ?? null
  if (guardDuringRollout(parts.store.active, parts.store.state, cmd) === 'end_rollout') {
    // The one-command rollback also ends the active rollout, through its own runbook. Its If-Match
    // still holds: a stale epoch means the caller decided on a routing that changed.
    parts.checkIfMatch(meta.ifMatch)
    const id = (parts.store.active as StoredRollout).state.id
    const reason = cmd.type === 'rollback' ? cmd.reason : undefined
    const epoch = parts.requireModel().epoch
    await runRolloutCommand(parts.port, runner, id, { type: 'rollback', reason }, meta.actor)
    return {
      before,
      endedRollout: id,
      changed: parts.requireModel().epoch !== epoch,
      committed: null,
      held: null,
      waitForEdge: true,
    }
  }
  parts.checkIfMatch(meta.ifMatch)
  if (cmd.type === 'rollback') {
    const undone = await undoPromotion(parts, runner, cmd, meta)
    if (undone !== null) return { ...undone, before }
    const target = resolveRollbackTarget(parts.requireModel(), cmd.target, parts.now(), parts.retentionMs)
    return commitCommand(parts, { ...cmd, target }, meta, before)
  }
  return commitCommand(parts, cmd, meta, before)
}

/** The registry's own commit of `cmd`, unless the two-person rule holds it for an approver. */
async function commitCommand(
  parts: Coordination,
  cmd: RegistryCommand,
  meta: CommandMeta,
  before: RoutingTable | null,
): Promise<LockedCommand> {
  const decision = twoPersonDecision(parts, cmd, meta)
  if (decision.needed && meta.role === 'operator') {
    const held = await hold(parts, cmd, meta, decision)
    return { before, endedRollout: null, changed: false, committed: null, held, waitForEdge: true }
  }
  // The approver's own change needed no one else: the audit names them as both.
  const approval = meta.approval ?? (decision.needed ? { change_id: null, requested_by: meta.actor } : undefined)
  const committed = await parts.commit(cmd, { ...meta, approval })
  // A rollback by hand counts as a recent rollback for the approval policy, like the runner's.
  if (cmd.type === 'rollback' && committed.record !== null) await parts.store.noteRollback(parts.now())
  const waitForEdge = committed.record === null || publishWait(cmd, committed.record.state).wait
  return { before, endedRollout: null, changed: committed.record !== null, committed, held: null, waitForEdge }
}

/**
 * An operator's rollback to the previous champion right after a rollout promoted the champion goes
 * through that rollout's runbook (README, "Undo a promotion"): the rollout ends rolled back, an
 * incident opens and the controller confirms the rollback, as for a rollback during a rollout.
 * Null when the rollback is a plain registry change (no such promotion, or another target).
 */
async function undoPromotion(
  parts: Coordination,
  runner: RolloutRunner,
  cmd: Extract<RegistryCommand, { type: 'rollback' }>,
  meta: CommandMeta,
): Promise<Omit<LockedCommand, 'before'> | null> {
  const state = parts.requireModel()
  const last = parts.store.active
  if (last === null) return null
  const target = resolveRollbackTarget(state, cmd.target, parts.now(), parts.retentionMs)
  const model = { champion: state.routing?.champion ?? null, previousChampion: state.previous_champion }
  if (target !== 'previous_champion' || !undoablePromotion(last.state, model)) return null
  const epoch = state.epoch
  const input = { type: 'undo_promotion' as const, now: parts.now(), actor: meta.actor, reason: cmd.reason }
  await runner.run(last, input, meta.actor)
  const changed = parts.requireModel().epoch !== epoch
  return { endedRollout: last.state.id, changed, committed: null, held: null, waitForEdge: true }
}

/**
 * Applies the held change `id` as `approver` (the caller holds the lock): refused when the
 * approver asked for it too, when it expired, or when the model changed since (stale, 409). The
 * change then runs as the approver's command, through the same rollout guard.
 */
export async function approveUnderLock(
  parts: Coordination,
  runner: RolloutRunner,
  id: string,
  approver: { actor: string; requestId: string },
): Promise<{ done: LockedCommand; change: PendingChange }> {
  const change = await parts.store.change(id)
  if (change === null) throw new DomainError('not_found', `no change ${id} waits for an approver on this model`)
  const epoch = parts.store.state?.epoch ?? 0
  const check = checkPendingChange(change, { now: Date.now(), epoch, approver: approver.actor })
  if (!check.ok) {
    throw new DomainError(check.reason === 'self_approval' ? 'forbidden' : 'conflict', check.detail, {
      extra: { reason: check.reason, current_epoch: epoch },
    })
  }
  const meta: CommandMeta = {
    model: change.model,
    actor: approver.actor,
    requestId: approver.requestId,
    ifMatch: change.epoch,
    role: 'approver',
    approval: { change_id: change.id, requested_by: change.requested_by },
  }
  const done = await commandUnderLock(parts, runner, change.command, meta)
  await parts.store.deleteChanges([change.id])
  return { done, change }
}

/** The answer to a registry command, once D1 and the edge have been given the change. */
export function commandOutcome(parts: Coordination, done: LockedCommand, actor: string): CommandOutcome {
  const state = parts.requireModel()
  const reason = done.changed ? 'rollback' : 'unchanged'
  return {
    changed: done.changed,
    created: done.committed?.created ?? false,
    snapshot: done.committed?.record?.snapshot ?? toSnapshot(state, { actor, reason, now: state.updated_at }),
    view: parts.view(state),
    before: done.before,
    ended_rollout: done.endedRollout,
    held: done.held,
  }
}
