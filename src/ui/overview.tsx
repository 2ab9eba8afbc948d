/** @jsxImportSource hono/jsx */
/**
 * @module ui/overview
 * The models overview fragment: one row per model with its state in words (serving, rollout in
 * stage X with its ETA, promoted, rolled back with the incident, awaiting approval), routing
 * weights, the active rollout and its last gate verdict (a finished rollout shows how it ended).
 */
import type { OverviewData, OverviewModel } from '../schemas/dashboard'
import { formatAgo, formatPercent, formatTime, formatWeights } from './format'
import { Badge, ColumnHeads, WeightsBar } from './parts'
import { modelState, outcomeLine } from './state-words'

export interface OverviewProps {
  data: OverviewData
  role: string
}

function StateCell({ m }: { m: OverviewModel }) {
  const st = modelState(m)
  return (
    <span class="state">
      {st.text}
      {st.incident ? (
        <>
          {' '}
          (<a href={`/admin/ui/models/${encodeURIComponent(m.name)}#incident`}>incident</a>)
        </>
      ) : null}
    </span>
  )
}

function RolloutCell({ m }: { m: OverviewModel }) {
  const r = m.active
  if (r) {
    return (
      <>
        <span class="mono">{r.champion}</span> → <span class="mono">{r.challenger}</span>{' '}
        <Badge kind="ph" value={r.phase} />
        <div class="small">{r.step ? r.step.label : 'not exposed yet'}</div>
        {r.pending_approval ? <div class="small">awaiting approval: {r.pending_approval.reason}</div> : null}
        <div class="muted small mono wrap">{r.id}</div>
      </>
    )
  }
  return <span class="muted">{m.latest ? 'none active' : 'none yet'}</span>
}

function VerdictCell({ m, now }: { m: OverviewModel; now: number }) {
  // A finished rollout reads by its outcome, not by the last tick of its watch.
  if (!m.active && m.latest?.outcome) return <span>{outcomeLine(m.latest)}</span>
  const v = m.active?.verdicts.at(-1) ?? m.latest?.last_verdict
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
            Models: state, routing weights, active rollout with phase and step, and last verdict or outcome
          </caption>
          <ColumnHeads columns={['Model', 'State', 'Weights', 'Rollout', 'Last verdict or outcome']} />
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
                  <td>
                    <StateCell m={m} />
                  </td>
                  <td class="weights">
                    {routing ? (
                      <WeightsBar
                        weights={routing.weights}
                        champion={routing.champion}
                        versions={m.view.versions.map((x) => x.name)}
                      />
                    ) : null}
                    <div class="small">{formatWeights(routing?.weights)}</div>
                    {routing?.shadow ? (
                      <div class="small muted">
                        shadow {routing.shadow.version} ({formatPercent(routing.shadow.sample_rate)} copied)
                      </div>
                    ) : null}
                  </td>
                  <td>
                    <RolloutCell m={m} />
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
