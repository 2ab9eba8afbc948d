/** @jsxImportSource hono/jsx */
/**
 * @module ui/model-page
 * The model fragment: the model and its routing, the active (or latest) rollout with its actions,
 * the per-arm charts, the stage timeline with every verdict's reason, and the audit log.
 */
import { formatPercent, formatTime, formatWeights } from './format'
import { Audit, Charts, Decisions } from './model-sections'
import { Badge, ColumnHeads, WeightsBar } from './parts'
import { Fact, RolloutSection } from './rollout-section'
import { Timeline } from './timeline'
import type { ModelPageData } from '../schemas/dashboard'

export interface ModelPageProps {
  data: ModelPageData
  role: string
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
        <Fact label="Champion">
          {v.champion ?? '–'}
          {v.previous_champion ? ` (previously ${v.previous_champion})` : null}
        </Fact>
        <Fact label="Weights">
          {routing ? (
            <WeightsBar
              weights={routing.weights}
              champion={routing.champion}
              versions={v.versions.map((x) => x.name)}
            />
          ) : null}{' '}
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
      <Decisions data={data} />
      {data.rollout ? (
        <section aria-labelledby="timeline-title" id="timeline">
          <h2 id="timeline-title">Stage timeline</h2>
          <Timeline rollout={data.rollout} history={data.history} />
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
