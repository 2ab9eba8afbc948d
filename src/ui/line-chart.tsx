/** @jsxImportSource hono/jsx */
/**
 * @module ui/line-chart
 * One small-multiple line chart as inline SVG: grid and axes with labelled ticks, a line (dots for
 * lone points) per arm, an optional confidence band, and a legend that names each arm. The
 * geometry comes from ui/chart; this component only lays it out.
 */
import { chartGeometry } from './chart'
import { formatClock } from './format'
import type { ChartDef } from './metric-charts'

const WIDTH = 480
const HEIGHT = 200
const MARGIN = { top: 10, right: 14, bottom: 26, left: 58 }

export interface LineChartProps {
  chart: ChartDef
  from: number
  to: number
}

export function LineChart({ chart, from, to }: LineChartProps) {
  const withDate = to - from > 86_400_000
  const g = chartGeometry({
    width: WIDTH,
    height: HEIGHT,
    margin: MARGIN,
    from,
    to,
    series: chart.series,
    y: chart.y,
    x: { format: (t) => formatClock(t, withDate), ticks: 6 },
  })
  const id = `chart-${chart.id}`
  const summary = g.empty
    ? `No ${chart.unit} data in this window.`
    : chart.series.map((s, i) => `${s.label}: latest ${chart.y.format(g.series[i]?.last ?? Number.NaN)}`).join('; ')
  return (
    <figure class="chart" id={id} data-chart={chart.id}>
      <figcaption id={`${id}-title`}>{chart.title}</figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        preserveAspectRatio="xMidYMid meet"
      >
        <desc id={`${id}-desc`}>{`${chart.title}, ${chart.unit}, per arm. ${summary}`}</desc>
        <g class="axis y">
          {g.yTicks.map((t) => (
            <g>
              <line class="grid" x1={g.plot.left} x2={g.plot.right} y1={t.pos} y2={t.pos} />
              <text class="tick" x={g.plot.left - 6} y={t.pos} text-anchor="end" dominant-baseline="middle">
                {t.label}
              </text>
            </g>
          ))}
        </g>
        <g class="axis x">
          <line class="grid" x1={g.plot.left} x2={g.plot.right} y1={g.plot.bottom} y2={g.plot.bottom} />
          {g.xTicks.map((t) => (
            <g>
              <line class="grid" x1={t.pos} x2={t.pos} y1={g.plot.bottom} y2={g.plot.bottom + 4} />
              <text class="tick" x={t.pos} y={g.plot.bottom + 16} text-anchor="middle">
                {t.label}
              </text>
            </g>
          ))}
        </g>
        {g.series.map((s, i) => {
          const def = chart.series[i]
          const cls = `arm-${def?.arm ?? 'other'}${def?.alt ? ' alt' : ''}`
          return (
            <g class="plot" data-series={s.key} data-points={String(s.count)}>
              {s.band !== '' && <path class={`band ${cls}`} d={s.band} />}
              {s.path !== '' && <path class={`series ${cls}`} d={s.path} />}
              {s.dots.map((p) => (
                <circle class={cls} cx={Math.round(p.x * 10) / 10} cy={Math.round(p.y * 10) / 10} r={3} />
              ))}
            </g>
          )
        })}
        {g.empty && (
          <text
            class="empty"
            x={(g.plot.left + g.plot.right) / 2}
            y={(g.plot.top + g.plot.bottom) / 2}
            text-anchor="middle"
          >
            No data in this window
          </text>
        )}
      </svg>
      <ul class="legend" aria-label={`Legend: ${chart.title}`}>
        {chart.series.map((s, i) => (
          <li data-arm={s.arm} data-version={s.version}>
            <svg viewBox="0 0 24 10" aria-hidden="true">
              {s.band && <rect class={`band arm-${s.arm}`} x={0} y={0} width={24} height={10} />}
              <line class={`series arm-${s.arm}${s.alt ? ' alt' : ''}`} x1={1} y1={5} x2={23} y2={5} />
            </svg>
            <span class="label">{s.label}</span>
            <span class="muted">{` · latest ${chart.y.format(g.series[i]?.last ?? Number.NaN)}`}</span>
          </li>
        ))}
      </ul>
    </figure>
  )
}
