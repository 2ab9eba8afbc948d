/**
 * @module core/registry/rollback-target
 * Undoing a promotion (README, "Undo a promotion"): the previous champion stays the rollback
 * target for a retention window after the promotion that replaced it; after that a rollback to it
 * is refused, and a rollback that names no target goes to the champion. Nothing retires the
 * version itself: it stays registered, and a new promotion names a new target.
 */
import { DomainError } from '../errors'
import type { RoutingTable } from '../routing/types'
import type { ModelState, RollbackTarget } from './model-state'
import { sameRouting } from './routing-table'

export interface RollbackTargetInfo {
  /** The version a rollback to the previous champion would restore. */
  version: string
  /** When the current champion took over; null in states stored before it was recorded. */
  promotedAt: string | null
  /** When the version stops being a rollback target; null when the promotion time is unknown. */
  expiresAt: string | null
  /** False once the window has passed. */
  live: boolean
}

/** The previous champion as a rollback target, or null when there is none (or it is unregistered). */
export function rollbackTargetOf(state: ModelState, now: number, retentionMs: number): RollbackTargetInfo | null {
  const version = state.previous_champion
  if (version === null || !state.versions[version] || state.routing === null) return null
  const promotedAt = state.champion_since ?? null
  // A state stored before promotion times were recorded keeps its target, as it always had.
  const expires = promotedAt === null ? null : Date.parse(promotedAt) + retentionMs
  return {
    version,
    promotedAt,
    expiresAt: expires === null ? null : new Date(expires).toISOString(),
    live: expires === null || now < expires,
  }
}

/**
 * The target of an operator's rollback: the one asked for, or, when none is named, the previous
 * champion while it is a live target and the champion otherwise. Throws 409
 * (`rollback_target_expired`) for the previous champion once its window has passed.
 */
export function resolveRollbackTarget(
  state: ModelState,
  requested: RollbackTarget | undefined,
  now: number,
  retentionMs: number,
): RollbackTarget {
  const info = rollbackTargetOf(state, now, retentionMs)
  if (requested === undefined) return info?.live ? 'previous_champion' : 'champion'
  if (requested === 'previous_champion' && info !== null && !info.live) {
    throw new DomainError(
      'conflict',
      `${info.version} stopped being the rollback target of ${state.model} at ${info.expiresAt}, ` +
        `${Math.round(retentionMs / 3_600_000)} h after ${state.routing?.champion} was promoted; ` +
        'set the champion explicitly (POST /champion) to go back to it',
      { extra: { reason: 'rollback_target_expired', version: info.version, expired_at: info.expiresAt } },
    )
  }
  return requested
}

/** What a rollback without a target would do, from the model's view: stated before acting. */
export type RollbackPreview =
  | { kind: 'end_rollout'; rollout: string }
  | { kind: 'undo_promotion'; version: string; champion: string; promotedAt: string | null }
  | { kind: 'champion'; version: string }
  /** The routing already is the target: a rollback publishes nothing. */
  | { kind: 'unchanged'; version: string }
  | { kind: 'no_champion' }

export function rollbackPreview(view: {
  champion: string | null
  routing: RoutingTable | null
  rollback_target: { version: string; promoted_at: string | null } | null
  active_rollout: { id: string } | null
}): RollbackPreview {
  if (view.active_rollout !== null) return { kind: 'end_rollout', rollout: view.active_rollout.id }
  if (view.routing === null || view.champion === null) return { kind: 'no_champion' }
  const t = view.rollback_target
  if (t !== null)
    return { kind: 'undo_promotion', version: t.version, champion: view.champion, promotedAt: t.promoted_at }
  const stable = { champion: view.champion, weights: { [view.champion]: 100 }, rules: [], shadow: null }
  return sameRouting(view.routing, stable)
    ? { kind: 'unchanged', version: view.champion }
    : { kind: 'champion', version: view.champion }
}
