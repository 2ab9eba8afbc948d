/**
 * @module cli/rollback-target
 * What `modelgate rollback` states before it acts, read from the model's view (README, "Undo a
 * promotion"): the version the traffic goes back to and why, or that a rollback would change
 * nothing. The gateway decides again under its lock; this only words what it will most likely do.
 */
import { rollbackPreview } from '../core/registry/rollback-target'
import type { ModelView } from './api-types'
import { formatDuration } from './duration'
import { time, weights } from './format'

export interface RollbackStatement {
  line: string
  /** Whether the rollback would change the routing (false: nothing to confirm, nothing to ask). */
  acts: boolean
}

/** The statement for a rollback of `model` to `target` (absent: the gateway's choice), at `now`. */
export function rollbackStatement(
  model: string,
  view: Partial<ModelView>,
  target: 'champion' | 'previous_champion' | undefined,
  now: number,
): RollbackStatement {
  const v = {
    champion: view.champion ?? null,
    routing: view.routing ?? null,
    rollback_target: view.rollback_target ?? null,
    active_rollout: view.active_rollout ?? null,
  }
  const rt = v.rollback_target
  const ago = (at: string) => `${formatDuration(Math.max(0, now - Date.parse(at)))} ago`
  if (target === 'previous_champion' && v.active_rollout === null) {
    const version = rt?.version ?? view.previous_champion ?? 'the previous champion'
    return {
      line: `roll back ${model} to ${version} (the champion before ${v.champion ?? 'the current one'})`,
      acts: true,
    }
  }
  const p = rollbackPreview(target === 'champion' && v.active_rollout === null ? { ...v, rollback_target: null } : v)
  switch (p.kind) {
    case 'end_rollout':
      return {
        line: `roll back ${model}: end rollout ${p.rollout} and route everything to its stable version`,
        acts: true,
      }
    case 'undo_promotion': {
      const when = p.promotedAt === null ? '' : `, promoted ${ago(p.promotedAt)}`
      const until = rt?.expires_at ? `; ${p.version} stays the rollback target until ${time(rt.expires_at)}` : ''
      return { line: `roll back ${model} to ${p.version}, undoing ${p.champion}${when}${until}`, acts: true }
    }
    case 'champion':
      return {
        line: `roll back ${model} to ${p.version}: 100% to the champion (now ${weights(v.routing?.weights)})`,
        acts: true,
      }
    case 'unchanged': {
      const prev = view.previous_champion
      const expired = prev && rt === null ? `; ${prev} is no longer a rollback target` : ''
      return { line: `nothing to roll back: ${model} already routes 100% to ${p.version}${expired}`, acts: false }
    }
    case 'no_champion':
      return { line: `roll back ${model}: it has no champion yet`, acts: false }
    default: {
      const never: never = p
      return never
    }
  }
}
