/** @jsxImportSource hono/jsx */
/**
 * @module ui/model-sections
 * The model page's data sections: the per-arm time charts (fitted to the rollout, with its marks),
 * the gates' decision charts, and the audit log with repeated CONTINUE verdicts folded.
 */
import { WINDOW_KEYS, type ModelPageData } from '../schemas/dashboard'
import { auditRunKey, collapseRuns, mergeVerdicts, runLine } from './collapse'
import { trimPartial } from './chart-extras'
import { DecisionChart, NoEstimate, hasEstimate } from './decision-chart'
import { decisionCharts } from './decision-series'
import { formatDuration } from '../core/duration'
import { formatTime } from './format'
import { LineChart } from './line-chart'
import { metricCharts } from './metric-charts'
import { ColumnHeads, Time } from './parts'
import { rolloutMarks } from './time-marks'

/** Audit rows shown after folding (the page stays a few screens tall; the export has the rest). */
const AUDIT_ROWS = 8

export function Charts({ data }: { data: ModelPageData }) {
  const charts = metricCharts(
    trimPartial(data.series, data.window.partialFrom),
    data.view.model.metrics.map((m) => m.name),
  )
  const marks = data.rollout ? rolloutMarks(data.rollout) : []
  const versions = data.view.versions.map((v) => v.name)
  return (
    <section
      aria-labelledby="metrics-title"
      id="metrics"
      data-from={String(data.window.from)}
      data-to={String(data.window.to)}
      data-step-ms={String(data.window.stepMs)}
      data-partial-from={String(data.window.partialFrom ?? '')}
    >
      <h2 id="metrics-title">Metrics per arm</h2>
      <nav aria-label="Time window">
        <ul class="windows">
          {WINDOW_KEYS.map((k) => (
            <li>
              {k === data.window.key ? (
                <a href={`?window=${k}`} aria-current="true">
                  {k === 'rollout' ? 'this rollout' : k}
                </a>
              ) : (
                <a href={`?window=${k}`}>{k === 'rollout' ? 'this rollout' : k}</a>
              )}
            </li>
          ))}
        </ul>
      </nav>
      <p class="small muted">
        {formatTime(data.window.from)} to {formatTime(data.window.to)}, {formatDuration(data.window.stepMs)} buckets;
        colour: version, dash: arm; lines: stages, rollback, promotion
        {data.window.partialFrom !== null ? '; last bucket still filling (dashed)' : ''}.
      </p>
      <div class="charts">
        {charts.map((c) => (
          <LineChart
            chart={c}
            from={data.window.from}
            to={data.window.to}
            marks={marks}
            partialFrom={data.window.partialFrom}
            versions={versions}
          />
        ))}
      </div>
    </section>
  )
}

/** One decision chart per gate of every stage that has verdicts (current and past). */
export function Decisions({ data }: { data: ModelPageData }) {
  const r = data.rollout
  if (!r) return null
  const verdicts = mergeVerdicts(data.history, r.verdicts)
  const charts = decisionCharts({ verdicts, plan: r.plan, gates: r.config?.gates })
  if (charts.length === 0) return null
  const marks = rolloutMarks(r)
  const drawable = charts.filter(hasEstimate)
  const waiting = charts.filter((c) => !hasEstimate(c))
  return (
    <section aria-labelledby="decisions-title" id="decisions">
      <h2 id="decisions-title">Why each gate decided</h2>
      <p class="small muted">
        Challenger vs champion per tick with its always-valid band (docs/statistics.md §4–§8): PASS once the band clears
        the margin, FAIL once it lies below the FAIL line.
      </p>
      <div class="charts">
        {drawable.map((c) => (
          <DecisionChart chart={c} marks={marks} />
        ))}
      </div>
      {waiting.length > 0 ? (
        <ul class="decision-notes">
          {waiting.map((c) => (
            <li>
              <NoEstimate chart={c} />
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  )
}

export function Audit({ data }: { data: ModelPageData }) {
  const rows = collapseRuns(data.audit, auditRunKey).slice(0, AUDIT_ROWS)
  const shown = rows.reduce((n, r) => n + r.count, 0)
  return (
    <section aria-labelledby="audit-title" id="audit">
      <h2 id="audit-title">Audit log</h2>
      {rows.length === 0 ? (
        <p class="muted">No audit entries.</p>
      ) : (
        <table>
          <caption class="sr-only">The newest {shown} audit entries of this model, newest first</caption>
          <ColumnHeads columns={['Time', 'Actor', 'Action', 'Target', 'Reason']} />
          <tbody>
            {rows.map(({ first: e, count, last }) => (
              // Newest first: the run's first entry is its latest; `last` is where it began.
              <tr data-action={e.action} data-count={String(count)}>
                <td class="small">
                  <Time at={e.at} />
                  {count > 1 ? (
                    <div class="muted">
                      since <Time at={last.at} />
                    </div>
                  ) : null}
                </td>
                <td class="mono">{e.actor}</td>
                <td class="mono">{e.action}</td>
                <td class="mono small">
                  <div class="clip" title={e.target}>
                    {e.target}
                  </div>
                </td>
                <td>
                  <div class="clamp one" title={e.reason}>
                    {count > 1 ? runLine('CONTINUE', count, e.reason) : e.reason}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="small muted">
        Newest {shown} of the {data.audit.length} entries read, repeated CONTINUE verdicts folded into one row. Full
        export: <code>GET /admin/audit?model={data.view.model.name}&amp;format=csv</code>; chain check:{' '}
        <code>GET /admin/audit/verify</code>.
      </p>
    </section>
  )
}
