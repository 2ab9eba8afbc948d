/**
 * @module ui/time-marks
 * What every time chart of the model page marks, and which time span it shows: the rollout's stage
 * boundaries, rollback and promotion as vertical marks, and one colour per version, whatever its
 * arm (the time span itself is fitted by services/views/chart-window). Pure.
 */
import type { RolloutView } from '../schemas/rollout-view'

export interface TimeMark {
  t: number
  kind: 'start' | 'stage' | 'rollback' | 'promotion' | 'end'
  label: string
}

/** Stage boundaries (step_live), the rollback and the promotion of a rollout, oldest first. */
export function rolloutMarks(r: Pick<RolloutView, 'events' | 'plan' | 'outcome'>): TimeMark[] {
  const marks: TimeMark[] = []
  for (const e of r.events) {
    const t = Date.parse(e.at)
    if (!Number.isFinite(t)) continue
    const step = typeof e.details?.step === 'number' ? r.plan[e.details.step] : undefined
    if (e.type === 'started') marks.push({ t, kind: 'start', label: 'start' })
    else if (e.type === 'step_live') marks.push({ t, kind: 'stage', label: step?.label ?? 'stage' })
    else if (e.type === 'rolled_back') marks.push({ t, kind: 'rollback', label: 'rollback' })
    else if (e.type === 'aborted') marks.push({ t, kind: 'end', label: 'aborted' })
    else if (e.type === 'completed')
      marks.push({ t, kind: r.outcome === 'promoted' ? 'promotion' : 'end', label: r.outcome ?? 'completed' })
  }
  return marks
}

/** Palette slots (dashboard.css .ver-0 … .ver-5); versions past the sixth reuse them in order. */
export const VERSION_SLOTS = 6

/**
 * One colour class per version for every chart, legend and bar: by the version's registration
 * order, so v1 keeps its colour whether it is champion or challenger.
 */
export function versionClass(versions: readonly string[], version: string): string {
  const i = versions.indexOf(version)
  return `ver-${(i < 0 ? versions.length : i) % VERSION_SLOTS}`
}
