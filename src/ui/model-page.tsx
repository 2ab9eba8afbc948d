/** @jsxImportSource hono/jsx */
/**
 * @module ui/model-page
 * The model fragment: the model and its routing, the active (or latest) rollout with its actions,
 * the per-arm charts, the stage timeline with every verdict's reason, and the audit log.
 */
import { rollbackPreview } from '../core/registry/rollback-target'
import type { RolloutView } from '../schemas/rollout-view'
import { formatAgo, formatPercent, formatTime, formatWeights } from './format'
import { formatDuration } from '../core/duration'
import { LineChart } from './line-chart'
import { metricCharts } from './metric-charts'
import { Badge, ColumnHeads, Time, WeightsBar } from './parts'
import { Timeline } from './timeline'
import { WINDOW_KEYS, type ModelPageData } from '../schemas/dashboard'

export interface ModelPageProps {
  data: ModelPageData
  role: string
}

function Fact({ label, children }: { label: string; children?: unknown }) {
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

function RolloutSection({ data, role }: { data: ModelPageData; role: string }) {
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
        <Fact label="Started">{formatAgo(r.created_at, data.now)}</Fact>
        <Fact label={r.ended_at ? 'Ended' : 'Updated'}>{formatAgo(r.ended_at ?? r.updated_at, data.now)}</Fact>
        {r.outcome ? <Fact label="Outcome">{r.outcome.replace(/_/g, ' ')}</Fact> : null}
        {r.incident_id ? (
          <Fact label="Incident">
            <span class="mono">{r.incident_id}</span>
          </Fact>
        ) : null}
      </dl>
      <p class="muted">{r.phase_description}</p>
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
    </section>
  )
}

function Charts({ data }: { data: ModelPageData }) {
  const charts = metricCharts(
    data.series,
    data.view.model.metrics.map((m) => m.name),
  )
  const stepMin = Math.round(data.window.stepMs / 60_000)
  return (
    <section aria-labelledby="metrics-title" id="metrics">
      <h2 id="metrics-title">Metrics per arm</h2>
      <nav aria-label="Time window">
        <ul class="windows">
          {WINDOW_KEYS.map((k) => (
            <li>
              {k === data.window.key ? (
                <a href={`?window=${k}`} aria-current="true">
                  {k}
                </a>
              ) : (
                <a href={`?window=${k}`}>{k}</a>
              )}
            </li>
          ))}
        </ul>
      </nav>
      <p class="small muted">
        {formatTime(data.window.from)} to {formatTime(data.window.to)}, {stepMin}-minute buckets (UTC). Measurements
        reach these charts with the per-minute cron rollup.
      </p>
      <div class="charts">
        {charts.map((c) => (
          <LineChart chart={c} from={data.window.from} to={data.window.to} />
        ))}
      </div>
    </section>
  )
}

function Audit({ data }: { data: ModelPageData }) {
  return (
    <section aria-labelledby="audit-title" id="audit">
      <h2 id="audit-title">Audit log</h2>
      {data.audit.length === 0 ? (
        <p class="muted">No audit entries.</p>
      ) : (
        <table>
          <caption class="sr-only">The newest {data.audit.length} audit entries of this model, newest first</caption>
          <ColumnHeads columns={['Time', 'Actor', 'Action', 'Target', 'Reason']} />
          <tbody>
            {data.audit.map((e) => (
              <tr data-action={e.action}>
                <td class="small">
                  <Time at={e.at} />
                </td>
                <td class="mono">{e.actor}</td>
                <td class="mono">{e.action}</td>
                <td class="mono small">{e.target}</td>
                <td>{e.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="small muted">
        Newest {data.audit.length} entries. Full export:{' '}
        <code>GET /admin/audit?model={data.view.model.name}&amp;format=csv</code>; chain check:{' '}
        <code>GET /admin/audit/verify</code>.
      </p>
    </section>
  )
}

export function ModelPage({ data, role }: ModelPageProps) {
  const v = data.view
  const routing = v.routing
  return (
    <div data-page="model" data-title={v.model.name} data-role={role} data-model={v.model.name}>
      <p class="small">
        <a href="/admin/ui">← All models</a>
      </p>
      <h1>
        Model <span class="mono">{v.model.name}</span>
      </h1>
      <p class="muted small">
        As of {formatTime(data.now)}{' '}
        <button type="button" data-refresh>
          Refresh
        </button>
      </p>
      <dl class="facts">
        <Fact label="Champion">{v.champion ?? '–'}</Fact>
        <Fact label="Previous champion">{v.previous_champion ?? '–'}</Fact>
        <Fact label="Weights">
          {routing ? <WeightsBar weights={routing.weights} champion={routing.champion} /> : null}{' '}
          {formatWeights(routing?.weights)}
        </Fact>
        <Fact label="Shadow">
          {routing?.shadow ? `${routing.shadow.version}, ${formatPercent(routing.shadow.sample_rate)} copied` : 'off'}
        </Fact>
        <Fact label="Epoch">{String(v.epoch)}</Fact>
        <Fact label="Risk tier">{v.model.risk}</Fact>
        <Fact label="Versions">{v.versions.map((x) => x.name).join(', ') || '–'}</Fact>
        <Fact label="Business metrics">{v.model.metrics.map((m) => `${m.name} (${m.kind})`).join(', ') || 'none'}</Fact>
      </dl>
      <RolloutSection data={data} role={role} />
      <Charts data={data} />
      {data.rollout ? (
        <section aria-labelledby="timeline-title" id="timeline">
          <h2 id="timeline-title">Stage timeline</h2>
          <Timeline rollout={data.rollout} />
        </section>
      ) : null}
      <Audit data={data} />
      {data.rollouts.length > 1 ? (
        <section aria-labelledby="history-title">
          <h2 id="history-title">Rollout history</h2>
          <table>
            <ColumnHeads columns={['Rollout', 'Champion → challenger', 'Phase', 'Outcome', 'Started']} />
            <tbody>
              {data.rollouts.map((r) => (
                <tr>
                  <td class="mono small">{r.id}</td>
                  <td class="mono">
                    {r.champion} → {r.challenger}
                  </td>
                  <td>
                    <Badge kind="ph" value={r.phase} />
                  </td>
                  <td>{r.outcome?.replace(/_/g, ' ') ?? '–'}</td>
                  <td class="small">{formatTime(r.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
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
