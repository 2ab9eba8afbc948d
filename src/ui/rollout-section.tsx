/** @jsxImportSource hono/jsx */
/**
 * @module ui/rollout-section
 * The model page's rollout section: the active (or latest) rollout's facts, its outcome in words
 * (promoted, rolled back, aborted) with its incident and retrospective, the pending approval, and
 * the actions that would act on it.
 */
import { rollbackPreview } from '../core/registry/rollback-target'
import type { RolloutView } from '../schemas/rollout-view'
import { formatAgo, formatTime } from './format'
import { formatDuration } from '../core/duration'
import { Badge } from './parts'
import type { ModelPageData } from '../schemas/dashboard'
import type { IncidentView } from '../schemas/incident'
import { etaText, outcomeLine } from './state-words'

export function Fact({ label, children }: { label: string; children?: unknown }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  )
}

function Actions({ data, rollout, role }: { data: ModelPageData; rollout: RolloutView | null; role: string }) {
  const model = data.view.model.name
  const champion = data.view.champion
  // After a rollout made its challenger champion (blue/green, canary 100%), its runbook rolls back
  // to the previous champion: name the version the button will actually restore.
  const switched =
    rollout !== null && !rollout.terminal && rollout.challenger === champion && data.view.previous_champion !== null
  // Without a rollout: undo the last promotion while its window lasts; no button when a rollback
  // would publish nothing (core/registry/rollback-target).
  const preview = rollbackPreview(data.view)
  const target =
    preview.kind === 'end_rollout'
      ? switched
        ? data.view.previous_champion
        : champion
      : preview.kind === 'undo_promotion' || preview.kind === 'champion'
        ? preview.version
        : null
  const promoted =
    preview.kind !== 'undo_promotion'
      ? ''
      : preview.promotedAt === null
        ? ` (undo the promotion of ${preview.champion})`
        : ` (${preview.champion} promoted ${formatAgo(preview.promotedAt, data.now)})`
  const operator = role === 'operator'
  const pending = rollout?.pending_approval ?? null
  const allowed = new Set(rollout?.allowed_actions ?? [])
  const pendingLabel = pending ? (rollout?.plan[pending.for_step]?.label ?? `step ${pending.for_step + 1}`) : ''
  return (
    <section class="panel" aria-labelledby="actions-title" id="actions">
      <h3 id="actions-title">Actions</h3>
      <div class="actions">
        <label>
          Reason or comment (audit log)
          <input type="text" id="action-reason" maxlength={500} autocomplete="off" />
        </label>
        {pending && rollout && role !== 'approver' ? (
          <label>
            Approver token
            <input type="password" id="approver-token" autocomplete="off" aria-describedby="approver-help" />
          </label>
        ) : null}
        {pending && rollout ? (
          <button
            type="button"
            class="primary"
            data-action="approve"
            data-rollout={rollout.id}
            data-evidence={pending.evidence_hash}
            data-step={String(pending.for_step)}
            data-label={pendingLabel}
          >
            Approve {pendingLabel}
          </button>
        ) : null}
        {rollout && allowed.has('pause') ? (
          <button type="button" data-action="pause" data-rollout={rollout.id} disabled={!operator}>
            Pause
          </button>
        ) : null}
        {rollout && allowed.has('resume') ? (
          <button type="button" data-action="resume" data-rollout={rollout.id} disabled={!operator}>
            Resume
          </button>
        ) : null}
        {target && data.view.routing ? (
          <button
            type="button"
            class="danger"
            data-action="rollback"
            data-model={model}
            data-champion={target}
            disabled={!operator}
          >
            Roll back to {target}
            {promoted}
          </button>
        ) : null}
      </div>
      {pending && role !== 'approver' ? (
        <p class="small muted" id="approver-help">
          Approvals need the approver token; it is used for this one request and not stored.
        </p>
      ) : null}
      {!operator ? (
        <p class="small muted">Signed in as {role}: pause, resume and rollback need the operator token.</p>
      ) : null}
    </section>
  )
}

export function RolloutSection({ data, role }: { data: ModelPageData; role: string }) {
  const r = data.rollout
  if (!r) {
    return (
      <section aria-labelledby="rollout-title">
        <h2 id="rollout-title">Rollout</h2>
        <p class="muted">This model has had no rollout yet.</p>
        <Actions data={data} rollout={null} role={role} />
      </section>
    )
  }
  const outcome = r.terminal ? outcomeLine(r) : null
  return (
    <section aria-labelledby="rollout-title" id="rollout" data-rollout={r.id} data-phase={r.phase}>
      <h2 id="rollout-title">
        {r.terminal ? 'Latest rollout' : 'Active rollout'} <span class="mono small">{r.id}</span>
      </h2>
      <dl class="facts">
        <Fact label="Phase">
          <Badge kind="ph" value={r.phase} />
        </Fact>
        <Fact label="Champion → challenger">
          <span class="mono">{r.champion}</span> → <span class="mono">{r.challenger}</span>
        </Fact>
        <Fact label="Strategy">{r.strategies.join(' → ')}</Fact>
        <Fact label="Current step">
          {r.step ? `${r.step.index + 1}/${r.plan.length} ${r.step.label}` : 'not exposed yet'}
        </Fact>
        {r.verdicts.at(-1)?.decision === 'CONTINUE' && etaText(r.verdicts.at(-1)) ? (
          <Fact label="Decides">{etaText(r.verdicts.at(-1))}</Fact>
        ) : null}
        <Fact label={r.ended_at ? 'Started · ended' : 'Started · updated'}>
          {formatAgo(r.created_at, data.now)} · {formatAgo(r.ended_at ?? r.updated_at, data.now)}
        </Fact>
        {r.outcome ? <Fact label="Outcome">{r.outcome.replace(/_/g, ' ')}</Fact> : null}
        {r.incident_id ? (
          <Fact label="Incident">
            <a class="mono wrap" href="#incident">
              {r.incident_id}
            </a>
          </Fact>
        ) : null}
      </dl>
      {outcome ? (
        <p class={`outcome outcome-${r.outcome}`} id="outcome">
          <strong>{outcome}</strong>
          {r.incident_id ? (
            <>
              {' '}
              <a href="#incident">Incident and retrospective</a>
            </>
          ) : null}
        </p>
      ) : (
        <p class="muted">{r.phase_description}</p>
      )}
      {r.pending_approval ? (
        <div class="panel pending" id="pending-approval" role="note">
          <strong>Approval needed</strong> for{' '}
          {r.plan[r.pending_approval.for_step]?.label ?? `step ${r.pending_approval.for_step + 1}`}:{' '}
          {r.pending_approval.reason}
          <div class="small">
            Rules: {r.pending_approval.rules.join(', ')} · approvable until {formatTime(r.pending_approval.expires_at)}{' '}
            · evidence <code>{r.pending_approval.evidence_hash}</code>
          </div>
        </div>
      ) : null}
      {r.rollback ? (
        <div class="panel">
          <strong>Rolled back</strong> ({r.rollback.trigger.replace(/_/g, ' ')}) to{' '}
          <span class="mono">{r.rollback.version}</span> {formatAgo(r.rollback.at, data.now)}: {r.rollback.reason}
          <div class="small">{confirmationLine(r.rollback.confirmation)}</div>
        </div>
      ) : null}
      <Actions data={data} rollout={r} role={role} />
      {r.incident_id ? <IncidentPanel id={r.incident_id} incident={data.incident} /> : null}
    </section>
  )
}

/** The rollback's incident: what happened and its retrospective (or how to record one). */
function IncidentPanel({ id, incident }: { id: string; incident: IncidentView | null }) {
  const retro = incident?.retrospective ?? null
  return (
    <div class="panel" id="incident" aria-labelledby="incident-title">
      <h3 id="incident-title">
        Incident <span class="mono wrap">{id}</span>
      </h3>
      {incident ? <p>{incident.summary}</p> : <p class="muted">The incident could not be read.</p>}
      {retro ? (
        <div id="retrospective">
          <strong>Retrospective</strong> ({retro.recorded_by}, {formatTime(retro.recorded_at)}): {retro.root_cause}
          <ul>
            {retro.action_items.map((a) => (
              <li data-status={a.status}>
                {a.text} {a.owner ? `(${a.owner})` : ''} · {a.status}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p class="small muted" id="retrospective">
          No retrospective yet: <code>POST /admin/incidents/{id}/retrospective</code> records the root cause and action
          items (open items block the model&apos;s next rollout).
        </p>
      )}
    </div>
  )
}

const CONFIRMATION_WORDS: Record<Recorded['state'], string> = {
  confirmed: 'confirmed',
  checking_again: 'not confirmed yet (checked again every tick)',
  not_confirmed: 'NOT confirmed',
}

type Recorded = NonNullable<NonNullable<RolloutView['rollback']>['confirmation']>

function confirmationLine(c: Recorded | null): string {
  if (c === null) return 'confirmation pending'
  const reason = typeof c.details?.reason === 'string' ? c.details.reason : null
  const why = reason === null ? '' : `: ${reason}`
  return `confirmation: ${CONFIRMATION_WORDS[c.state]} after ${formatDuration(c.time_to_confirm_ms)}${why}`
}
