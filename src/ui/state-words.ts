/**
 * @module ui/state-words
 * A model's and a rollout's state in words for people: "serving v1", "rollout in stage canary 60%
 * (ETA ~ 10:42)", "promoted v2 on …", "rolled back to v1 on …", "awaiting approval (by an
 * approver)". Pure: views in, sentences out.
 */
import type { OverviewModel } from '../schemas/dashboard'
import { formatClock, formatTime } from './format'

type RolloutLike = {
  outcome: string | null
  ended_at: string | null
  updated_at: string
  champion: string
  challenger: string
}

/** How a finished rollout ended, in words; null while it runs. */
export function outcomeLine(r: RolloutLike): string | null {
  const on = formatTime(r.ended_at ?? r.updated_at)
  switch (r.outcome) {
    case 'promoted':
      return `Promoted ${r.challenger} on ${on} (it replaced ${r.champion}).`
    case 'rolled_back':
      return `Rolled back on ${on}: ${r.champion} serves again, ${r.challenger} was withdrawn.`
    case 'aborted':
      return `Aborted on ${on}: ${r.champion} kept serving.`
    case 'shadow_passed':
      return `Shadow passed on ${on}: ${r.challenger} was compared but never served.`
    case 'cohort_released':
      return `Cohort released on ${on}: ${r.challenger} serves its cohort.`
    default:
      return null
  }
}

/**
 * The ETA of the latest CONTINUE verdict, when the verdict carries one: "ETA ~ 10:42 (10:38–10:51)".
 * Typed loosely on purpose: the field is optional in the verdict view (`eta?: { decide_at, range }`)
 * and older verdicts lack it; anything else gives null.
 */
export function etaText(verdict: unknown): string | null {
  if (typeof verdict !== 'object' || verdict === null) return null
  const eta = (verdict as { eta?: unknown }).eta
  if (typeof eta !== 'object' || eta === null) return null
  const { decide_at: at, range } = eta as { decide_at?: unknown; range?: unknown }
  const t = typeof at === 'string' ? Date.parse(at) : Number.NaN
  const r =
    Array.isArray(range) && range.length === 2
      ? range.map((x) => (typeof x === 'string' ? Date.parse(x) : Number.NaN))
      : null
  const rangeText =
    r && r.every(Number.isFinite) ? `${formatClock(r[0] as number)}–${formatClock(r[1] as number)}` : null
  if (!Number.isFinite(t)) return rangeText === null ? null : `ETA ${rangeText}`
  return `ETA ~ ${formatClock(t)}${rangeText === null ? '' : ` (${rangeText})`}`
}

export interface ModelState {
  text: string
  /** Whether to link the incident (on the model page): the latest rollout was rolled back and opened one. */
  incident: boolean
}

/** What a model is doing, one sentence (overview). */
export function modelState(m: OverviewModel): ModelState {
  const r = m.active
  const serving = m.view.champion ? `serving ${m.view.champion}` : 'no champion yet'
  if (r) {
    if (r.pending_approval) {
      const step = r.plan[r.pending_approval.for_step]?.label ?? `step ${r.pending_approval.for_step + 1}`
      const rules = r.pending_approval.rules.join(', ')
      return { text: `${serving}; awaiting approval for ${step} (by an approver; ${rules})`, incident: false }
    }
    if (r.phase === 'awaiting_evaluation')
      return { text: `${serving}; awaiting the offline evaluation`, incident: false }
    const stage = r.step ? `rollout in stage ${r.step.label}` : 'rollout starting'
    const last = r.verdicts.at(-1)
    const eta = last?.decision === 'CONTINUE' ? etaText(last) : null
    const paused = r.phase === 'paused' ? ' (paused)' : r.phase === 'halted' ? ' (halted)' : ''
    return { text: `${serving}; ${stage}${paused}${eta ? `, ${eta}` : ''}`, incident: false }
  }
  const l = m.latest
  if (l?.outcome === 'promoted')
    return { text: `${serving}; promoted on ${formatTime(l.ended_at ?? l.updated_at)}`, incident: false }
  if (l?.outcome === 'rolled_back')
    return {
      text: `${serving}; rolled back on ${formatTime(l.ended_at ?? l.updated_at)}`,
      incident: Boolean(m.incident_id),
    }
  if (l?.outcome === 'aborted')
    return { text: `${serving}; last rollout aborted on ${formatTime(l.ended_at ?? l.updated_at)}`, incident: false }
  return { text: serving, incident: false }
}
