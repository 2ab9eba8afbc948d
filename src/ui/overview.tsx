/** @jsxImportSource hono/jsx */
/**
 * @module ui/overview
 * The models overview fragment: one row per model with its champion, routing weights, active
 * rollout (phase and step) and the last gate verdict.
 */
import type { OverviewData, OverviewModel } from '../schemas/dashboard'
import { formatAgo, formatPercent, formatTime, formatWeights } from './format'
import { Badge, ColumnHeads, WeightsBar } from './parts'

export interface OverviewProps {
  data: OverviewData
  role: string
}

function RolloutCell({ m, now }: { m: OverviewModel; now: number }) {
  const r = m.active
  if (r) {
    return (
      <>
        <span class="mono">{r.champion}</span> → <span class="mono">{r.challenger}</span>
        <div class="muted small mono">{r.id}</div>
      </>
    )
  }
  if (m.latest) {
    return (
      <span class="muted small">
        none active; last {m.latest.outcome ?? m.latest.phase} (
        {formatAgo(m.latest.ended_at ?? m.latest.created_at, now)})
      </span>
    )
  }
  return <span class="muted">none yet</span>
}

function VerdictCell({ m, now }: { m: OverviewModel; now: number }) {
  const fromState = m.active?.verdicts.at(-1)
  const v = fromState ?? m.latest?.last_verdict
  if (!v) return <span class="muted">–</span>
  return (
    <>
      <Badge kind="d" value={v.decision} /> <span class="small muted">{formatAgo(v.at, now)}</span>
      <div class="small">{v.reason}</div>
    </>
  )
}

export function OverviewPage({ data, role }: OverviewProps) {
  return (
    <div data-page="overview" data-title="Models" data-role={role}>
      <h1>Models</h1>
      <p class="muted small">
        {data.models.length} {data.models.length === 1 ? 'model' : 'models'} · as of {formatTime(data.now)}{' '}
        <button type="button" data-refresh>
          Refresh
        </button>
      </p>
      {data.models.length === 0 ? (
        <p>
          No models yet. Register one with <code>PUT /admin/models/{'{model}'}</code> (see the{' '}
          <a href="/admin/docs">API docs</a>).
        </p>
      ) : (
        <table id="models">
          <caption class="sr-only">
            Models: champion, routing weights, active rollout, phase, step and last verdict
          </caption>
          <ColumnHeads columns={['Model', 'Champion', 'Weights', 'Rollout', 'Phase', 'Step', 'Last verdict']} />
          <tbody>
            {data.models.map((m) => {
              const routing = m.view.routing
              return (
                <tr data-model={m.name}>
                  <th scope="row">
                    <a href={`/admin/ui/models/${encodeURIComponent(m.name)}`}>{m.name}</a>
                    <div class="muted small">
                      risk {m.risk} · epoch {m.view.epoch}
                    </div>
                  </th>
                  <td class="mono">{m.view.champion ?? '–'}</td>
                  <td class="weights">
                    {routing ? <WeightsBar weights={routing.weights} champion={routing.champion} /> : null}
                    <div class="small">{formatWeights(routing?.weights)}</div>
                    {routing?.shadow ? (
                      <div class="small muted">
                        shadow {routing.shadow.version} ({formatPercent(routing.shadow.sample_rate)} copied)
                      </div>
                    ) : null}
                  </td>
                  <td>
                    <RolloutCell m={m} now={data.now} />
                  </td>
                  <td>{m.active ? <Badge kind="ph" value={m.active.phase} /> : <span class="muted">–</span>}</td>
                  <td>
                    {m.active?.step ? m.active.step.label : <span class="muted">–</span>}
                    {m.active?.pending_approval ? (
                      <div class="small">awaiting approval: {m.active.pending_approval.reason}</div>
                    ) : null}
                  </td>
                  <td>
                    <VerdictCell m={m} now={data.now} />
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </div>
  )
}
