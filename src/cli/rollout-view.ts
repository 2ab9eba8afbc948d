/**
 * @module cli/rollout-view
 * How a rollout reads in the terminal, shared by status, rollout start, the actions and approve:
 * phase with its meaning, the step, the latest verdict and what an operator may do next.
 */
import type { RolloutView, VerdictView } from './api-types'
import { formatDuration } from './duration'
import { NONE, keyValues, time, type Cell } from './format'

export function stepText(r: RolloutView): string {
  if (!r.step) return `not exposed yet (plan: ${planText(r)})`
  const of = `${r.step.index + 1} of ${r.plan.length}`
  const epoch = r.step.epoch === null ? 'publishing' : `epoch ${r.step.epoch}`
  return `${of}: ${r.step.label}, since ${time(r.step.started_at)} (${epoch})`
}

export function planText(r: RolloutView): string {
  return r.plan.map((s) => s.label).join(' → ')
}

export function stepLabel(r: Pick<RolloutView, 'plan'>, index: number): string {
  if (index < 0) return 'before exposure'
  return r.plan[index]?.label ?? `step ${index}`
}

export function verdictText(v: VerdictView | undefined): string {
  if (!v) return 'none yet'
  return `${time(v.at)}: ${withDecision(v)}`
}

/** The reason, led by the decision (verdict reasons usually start with it already). */
export function withDecision(v: Pick<VerdictView, 'decision' | 'reason'>): string {
  return v.reason.startsWith(v.decision) ? v.reason : `${v.decision}: ${v.reason}`
}

export function approvalText(r: RolloutView, now: number): string {
  const a = r.pending_approval
  if (!a) return 'none pending'
  const left = Date.parse(a.expires_at) - now
  const expiry = left > 0 ? `expires in ${formatDuration(left)}` : 'expired'
  return `needed for ${stepLabel(r, a.for_step)} (${a.rules.join(', ')}); ${expiry}`
}

/**
 * When a CONTINUE stage is expected to decide (the API's `eta`), e.g. "~2026-11-26T12:00:00Z (in
 * 2 h; 1 h 20 min – 3 h)"; undefined when the latest verdict carries no forecast.
 */
export function etaText(v: VerdictView | undefined, now: number): string | undefined {
  if (!v || v.decision !== 'CONTINUE' || v.eta === undefined) return undefined
  const e = v.eta
  if (e === null || e.decide_at === null) return 'no decision expected before the stage cap at the current rates'
  const left = (at: string) => formatDuration(Math.max(0, Date.parse(at) - now))
  const range = e.range ? `; ${left(e.range[0])} – ${left(e.range[1])}` : ''
  const gates = e.gates.filter((g) => g.at !== null).map((g) => `${g.metric} ${g.expect} in ${left(g.at as string)}`)
  return `~${time(e.decide_at)} (in ${left(e.decide_at)}${range})${gates.length ? `; ${gates.join(', ')}` : ''}`
}

/**
 * The plan with each step's minimum length, when `durations: "auto"` planned some of them, and
 * when the canary stages were re-planned from the shadow step, what they were planned at before.
 */
export function plannedText(r: RolloutView): string | undefined {
  if (!r.plan.some((s) => s.planned_by === 'auto')) return undefined
  const steps = r.plan
    .map((s) => {
      if (s.planned_min_ms === null || s.planned_min_ms === undefined) return s.label
      return `${s.label} ≥ ${formatDuration(s.planned_min_ms)}${s.planned_by === 'auto' ? ' (auto)' : ''}`
    })
    .join(' → ')
  const re = r.config?.durations.auto?.replanned
  if (!re) return steps
  const before = re.stages.map((s) => `${s.weight}% ≥ ${formatDuration(s.ms)}`).join(', ')
  return `${steps}; re-planned from the shadow step at ${time(re.at)} (was ${before} at ${re.traffic_per_s} req/s)`
}

/** The block printed under "ROLLOUT <id>". */
export function rolloutLines(r: RolloutView, now: number, indent = '  '): string {
  const pairs: Array<readonly [string, Cell]> = [
    ['phase', `${r.phase} (${r.phase_description})`],
    ['step', stepText(r)],
    ['verdict', verdictText(r.verdicts.at(-1))],
    ['approval', approvalText(r, now)],
  ]
  const eta = etaText(r.verdicts.at(-1), now)
  if (eta !== undefined) pairs.splice(3, 0, ['eta', eta])
  const planned = plannedText(r)
  if (planned !== undefined) pairs.splice(2, 0, ['planned', planned])
  // The approver signs this hash; showing it whole lets them compare it with what they reviewed.
  if (r.pending_approval) pairs.push(['evidence', r.pending_approval.evidence_hash])
  if (r.evaluation && r.evaluation.status !== 'passed')
    pairs.push(['evaluation', `${r.evaluation.status}: ${r.evaluation.reason}`])
  if (r.rollback) {
    pairs.push([
      'rollback',
      `${r.rollback.trigger} to ${r.rollback.version} at ${time(r.rollback.at)}; ${confirmationText(r.rollback.confirmation)}`,
    ])
  }
  pairs.push(['next', r.allowed_actions.length ? r.allowed_actions.join(', ') : NONE])
  return keyValues(pairs, indent)
}

type RecordedView = NonNullable<NonNullable<RolloutView['rollback']>['confirmation']>

/** A rollback's confirmation in words, as `modelgate status` prints it. */
export function confirmationText(c: RecordedView | null): string {
  if (c === null) return 'confirmation pending'
  const why = typeof c.details?.reason === 'string' ? ` (${c.details.reason})` : ''
  const state = c.state
  switch (state) {
    case 'confirmed':
      return `confirmed after ${formatDuration(c.time_to_confirm_ms)}`
    case 'checking_again':
      return `not confirmed yet${why}; checked again every tick`
    case 'not_confirmed':
      return `NOT confirmed${why}`
    default: {
      const never: never = state
      return never
    }
  }
}

export function rolloutHeading(r: RolloutView): string {
  return `rollout ${r.id}: ${r.challenger} over ${r.champion} on ${r.model} (${r.strategies.join(' + ')})`
}
