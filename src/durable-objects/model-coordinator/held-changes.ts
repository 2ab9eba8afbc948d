/**
 * @module durable-objects/model-coordinator/held-changes
 * Changes held for a second person (core/registry/two-person), under the coordinator's lock: the
 * decision on an operator's command, storing the held change with its audit entry, and the list an
 * approver reads. Held changes go stale with any change of the model (its epoch moves), so the
 * ones no one can approve any more are dropped whenever a new one is stored.
 */
import { DomainError } from '../../core/errors'
import { newId } from '../../core/ids'
import { decideCommand, type CommandMeta, type RegistryCommand } from '../../core/registry/commands'
import {
  checkPendingChange,
  pendingChange,
  secondPersonNeeded,
  type PendingChange,
  type TwoPersonDecision,
} from '../../core/registry/two-person'
import type { Coordination } from './coordination'
import { keys } from './storage'

const NOT_NEEDED: TwoPersonDecision = { needed: false, reasons: [] }

/** Whether `cmd` needs a second person on the model as it is now (the caller holds the lock). */
export function twoPersonDecision(parts: Coordination, cmd: RegistryCommand, meta: CommandMeta): TwoPersonDecision {
  if (meta.role === 'system') return NOT_NEEDED
  const current = parts.store.state
  // The transition is decided here only to judge it; a refusal (400, 404) is the caller's answer.
  const t = decideCommand(cmd, current, meta.model, { now: new Date().toISOString(), salt: () => 'judged' })
  return t === null ? NOT_NEEDED : secondPersonNeeded(cmd.type, current, t.state)
}

/** Stores `cmd` as a change waiting for an approver, audited as asked for by `meta.actor`. */
export async function hold(
  parts: Coordination,
  cmd: RegistryCommand,
  meta: CommandMeta,
  decision: TwoPersonDecision,
): Promise<PendingChange> {
  const state = parts.store.state
  if (state === null) {
    // Nothing to hold it against: a held creation would have no epoch to go stale with.
    throw new DomainError(
      'approval_required',
      `${decision.reasons.map((r) => r.detail).join('; ')}: register ${meta.model} with the default approval policy and change it with an approver, or register it with the approver token`,
    )
  }
  const now = Date.now()
  const change = pendingChange({
    id: newId('chg'),
    model: meta.model,
    command: cmd,
    reasons: decision.reasons,
    requestedBy: meta.actor,
    now,
    epoch: state.epoch,
  })
  const gone = (await parts.store.changes()).filter((c) => !approvable(c, now, state.epoch)).map((c) => c.id)
  await parts.store.deleteChanges(gone)
  const { command, ...facts } = change
  await parts.journal.write({
    audit: {
      action: 'change.request',
      target: meta.model,
      before: null,
      after: { ...facts, command },
      reason: `needs an approver: ${decision.reasons.map((r) => r.detail).join('; ')}`,
      actor: meta.actor,
    },
    stream: meta.model,
    at: change.requested_at,
    records: (entry) => (entry ? [{ kind: 'audit', entry }] : []),
    extra: { [keys.change(change.id)]: change },
  })
  return change
}

/** Held changes an approver could still confirm (self-approval aside). */
export async function liveChanges(parts: Coordination): Promise<PendingChange[]> {
  const epoch = parts.store.state?.epoch ?? 0
  const now = Date.now()
  return (await parts.store.changes()).filter((c) => approvable(c, now, epoch))
}

function approvable(c: PendingChange, now: number, epoch: number): boolean {
  // Any approver name but the requester's: only expiry and staleness count here.
  return checkPendingChange(c, { now, epoch, approver: '' }).ok
}
