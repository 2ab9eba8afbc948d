/** @jsxImportSource hono/jsx */
/**
 * @module ui/timeline
 * A rollout's stage timeline: every step of its plan with its status and the gate verdicts taken
 * in it (decision, reason, and the per-metric numbers behind it; repeated CONTINUEs folded into one
 * line with their count and the latest numbers), then the rollout's events.
 */
import type { RolloutView } from '../schemas/rollout-view'
import { collapseRuns, mergeVerdicts, runLine, verdictRunKey, type Run } from './collapse'
import { formatNumber, formatPercent, formatTime } from './format'
import { Badge, ColumnHeads, Time } from './parts'

type Verdict = RolloutView['verdicts'][number]

/** Lines shown per step after folding: the newest ones; decisive verdicts are always kept. */
const SHOWN_PER_STEP = 8

export type StepStatus = 'done' | 'current' | 'held' | 'awaiting approval' | 'failed' | 'pending' | 'skipped'

/** Where a step of the plan stands, from the rollout's phase and current step. */
export function stepStatus(r: Pick<RolloutView, 'phase' | 'step' | 'pending_approval'>, index: number): StepStatus {
  const current = r.step?.index ?? -1
  if (r.pending_approval && r.pending_approval.for_step === index) return 'awaiting approval'
  if (index < current) return 'done'
  if (index === current) {
    if (r.phase === 'completed') return 'done'
    if (r.phase === 'rolled_back' || r.phase === 'aborted') return 'failed'
    // Its gates passed; it stays live until an approver lets the next step in.
    if (r.pending_approval && r.pending_approval.for_step > index) return 'held'
    return 'current'
  }
  return r.phase === 'rolled_back' || r.phase === 'aborted' ? 'skipped' : 'pending'
}

/** A step's verdicts (oldest first) as folded lines, newest first, and how many lines were left out. */
export function foldedVerdicts(all: readonly Verdict[]): { shown: Array<Run<Verdict>>; hidden: number } {
  const runs = collapseRuns(all, verdictRunKey)
  const keep = new Set(runs.slice(-SHOWN_PER_STEP))
  for (const r of runs) if (r.last.decisive) keep.add(r)
  const shown = runs.filter((r) => keep.has(r)).reverse()
  return { shown, hidden: runs.length - shown.length }
}

/** The numbers behind a verdict, per metric. */
const NUMBER_COLUMNS = [
  'Champion n',
  'Champion',
  'Challenger n',
  'Challenger',
  'p-value',
  'Champion conflicts',
  'Challenger conflicts',
]

type ArmNumbers = Verdict['metrics'][number]['champion']

/** A business metric's contradicted outcomes on an arm: "25 (41.7%)"; "–" for other metrics. */
export function conflictCell(a: ArmNumbers): string {
  if (a.conflicts === undefined) return '–'
  return `${formatNumber(a.conflicts, 6)} (${formatPercent(a.conflict_rate ?? null)})`
}

function VerdictItem({ run }: { run: Run<Verdict> }) {
  const v = run.last
  const folded = run.count > 1
  return (
    <li
      class={`d-${v.decision}${v.decisive ? ' decisive' : ''}${folded ? ' folded' : ''}`}
      data-decision={v.decision}
      data-count={String(run.count)}
    >
      <Badge kind="d" value={v.decision} /> {v.decisive ? <strong class="small">decisive</strong> : null}{' '}
      <time class="small muted" datetime={new Date(v.at).toISOString()}>
        {folded ? `${formatTime(run.first.at)} to ${formatTime(v.at)}` : formatTime(v.at)}
      </time>
      <p class="reason">{folded ? runLine(v.decision, run.count, v.reason) : v.reason}</p>
      {v.metrics.length > 0 ? (
        <details>
          <summary class="small">Numbers behind this verdict</summary>
          <table class="small">
            <ColumnHeads columns={['Metric', ...NUMBER_COLUMNS, 'Decision', 'Reason']} numeric={NUMBER_COLUMNS} />
            <tbody>
              {v.metrics.map((m) => (
                <tr>
                  <th scope="row">{m.metric}</th>
                  <td class="num">{formatNumber(m.champion.n, 6)}</td>
                  <td class="num">{formatNumber(m.champion.estimate, 4)}</td>
                  <td class="num">{formatNumber(m.challenger.n, 6)}</td>
                  <td class="num">{formatNumber(m.challenger.estimate, 4)}</td>
                  <td class="num">{formatNumber(m.p_value, 3)}</td>
                  <td class="num">{conflictCell(m.champion)}</td>
                  <td class="num">{conflictCell(m.challenger)}</td>
                  <td>{m.decision.replace(/_/g, ' ')}</td>
                  <td>{m.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {v.srm ? <p class="small muted">Sample ratio check: {v.srm.reason}</p> : null}
        </details>
      ) : null}
    </li>
  )
}

/** `history`: the D1 verdict history (oldest first), joined with the rollout's own recent verdicts. */
export function Timeline({ rollout: r, history = [] }: { rollout: RolloutView; history?: readonly Verdict[] }) {
  const verdicts = mergeVerdicts<Verdict>(history, r.verdicts)
  return (
    <>
      <ol class="timeline" aria-label={`Stages of rollout ${r.id}`}>
        {r.plan.map((step) => {
          const status = stepStatus(r, step.index)
          const { shown, hidden } = foldedVerdicts(verdicts.filter((v) => v.step_index === step.index))
          return (
            <li class={`st-${status.replace(/ /g, '-')}`} data-step={String(step.index)} data-status={status}>
              <span class="step-title">
                {step.index + 1}. {step.label}
              </span>{' '}
              <span class="small muted">({status})</span>
              {(status === 'current' || status === 'held') && r.step ? (
                <div class="small muted">live since {formatTime(r.step.started_at)}</div>
              ) : null}
              {shown.length > 0 ? (
                <ul class="verdicts" aria-label={`Verdicts of ${step.label}`}>
                  {shown.map((run) => (
                    <VerdictItem run={run} />
                  ))}
                </ul>
              ) : null}
              {hidden > 0 ? (
                <p class="small muted">
                  {hidden} earlier lines not shown (GET /admin/rollouts/{r.id}/verdicts lists every verdict).
                </p>
              ) : null}
            </li>
          )
        })}
      </ol>
      <h3>Events</h3>
      {r.events.length === 0 ? (
        <p class="muted">No events yet.</p>
      ) : (
        <details class="events">
          <summary class="small">
            {r.events.length} events; latest: {r.events.at(-1)?.type.replace(/_/g, ' ')}
          </summary>
          <table id="events">
            <caption class="sr-only">Rollout events, newest first</caption>
            <ColumnHeads columns={['Time', 'Event', 'Actor', 'Reason']} />
            <tbody>
              {[...r.events].reverse().map((e) => (
                <tr data-event={e.type}>
                  <td class="small">
                    <Time at={e.at} />
                  </td>
                  <td>{e.type.replace(/_/g, ' ')}</td>
                  <td class="mono">{e.actor}</td>
                  <td>
                    <div class="clamp" title={e.reason}>
                      {e.reason}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </>
  )
}
