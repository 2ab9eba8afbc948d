/** @jsxImportSource hono/jsx */
/**
 * @module ui/line-chart
 * One small-multiple line chart as inline SVG: grid and axes with labelled ticks, a line (dots for
 * lone points) per arm, an optional confidence band, the rollout's marks (ui/time-marks), the
 * bucket still filling as a dashed partial segment, and a legend that names each arm. Colour is the
 * version's, dash pattern the arm's. The geometry comes from ui/chart; this component lays it out.
 */
import { chartGeometry, type ChartGeometry } from './chart'
import { partialBand, partialPath, splitPartial } from './chart-extras'
import { Axes, Marks } from './chart-parts'
import { formatClock } from './format'
import type { ChartDef } from './metric-charts'
import { versionClass, type TimeMark } from './time-marks'

const WIDTH = 480
const HEIGHT = 180
const MARGIN = { top: 10, right: 14, bottom: 26, left: 58 }

export interface LineChartProps {
  chart: ChartDef
  from: number
  to: number
  marks?: readonly TimeMark[]
  /** Start of the bucket still filling (drawn dashed, left out of the y axis), or null. */
  partialFrom?: number | null
  /** The model's versions in registration order: one colour each (ui/time-marks versionClass). */
  versions?: readonly string[]
}

/** The axes' mapping, so a reader (the browser test) can turn drawn pixels back into values. */
export function scaleData(g: ChartGeometry, from: number, to: number): string {
  const { left, right, top, bottom } = g.plot
  return JSON.stringify({ from, to, y0: g.yDomain[0], y1: g.yDomain[1], left, right, top, bottom })
}

export function LineChart({ chart, from, to, marks = [], partialFrom = null, versions = [] }: LineChartProps) {
  const withDate = to - from > 86_400_000
  const split = chart.series.map((s) => splitPartial(s.values, partialFrom))
  const g = chartGeometry({
    width: WIDTH,
    height: HEIGHT,
    margin: MARGIN,
    from,
    to,
    series: [
      ...chart.series.map((s, i) => ({ ...s, values: split[i]?.complete ?? [] })),
      // The partial bucket's values count for the y axis (they are drawn, dashed), not for the lines.
      { key: 'partial', label: '', values: split.flatMap((x) => x.partial) },
    ],
    y: chart.y,
    x: { format: (t) => formatClock(t, withDate), ticks: 6 },
  })
  const id = `chart-${chart.id}`
  // The latest value, the bucket still filling included.
  const latest = (i: number) => split[i]?.partial.findLast((v) => v.y !== null)?.y ?? g.series[i]?.last ?? Number.NaN
  const summary = g.empty
    ? `No ${chart.unit} data in this window.`
    : chart.series.map((s, i) => `${s.label}: latest ${chart.y.format(latest(i))}`).join('; ')
  return (
    <figure class="chart" id={id} data-chart={chart.id}>
      <figcaption id={`${id}-title`}>{chart.title}</figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        data-scale={scaleData(g, from, to)}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        preserveAspectRatio="xMidYMid meet"
      >
        <desc id={`${id}-desc`}>{`${chart.title}, ${chart.unit}, per arm. ${summary}`}</desc>
        <Axes g={g} />
        <Marks marks={marks} from={from} to={to} g={g} />
        {g.series.slice(0, chart.series.length).map((s, i) => {
          const def = chart.series[i]
          const cls = `arm-${def?.arm ?? 'other'} ${versionClass(versions, def?.version ?? '')}${def?.alt ? ' alt' : ''}`
          const part = split[i]
          const partial = part ? partialPath(g, from, to, part.complete, part.partial) : { d: '', joins: false }
          const pBand = part && def?.band ? partialBand(g, from, to, part.complete, part.partial) : ''
          return (
            <g class="plot" data-series={s.key} data-points={String(s.count)}>
              {s.band !== '' && <path class={`band ${cls}`} d={s.band} />}
              {s.path !== '' && <path class={`series ${cls}`} d={s.path} />}
              {pBand !== '' && <path class={`band partial-band ${cls}`} d={pBand} />}
              {partial.d !== '' && <path class={`partial ${cls}`} d={partial.d} data-joins={String(partial.joins)} />}
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
              {s.band && (
                <rect
                  class={`band arm-${s.arm} ${versionClass(versions, s.version)}`}
                  x={0}
                  y={0}
                  width={24}
                  height={10}
                />
              )}
              <line
                class={`series arm-${s.arm} ${versionClass(versions, s.version)}${s.alt ? ' alt' : ''}`}
                x1={1}
                y1={5}
                x2={23}
                y2={5}
              />
            </svg>
            <span class="label">{s.label}</span>
            <span class="muted">{` · latest ${chart.y.format(latest(i))}`}</span>
          </li>
        ))}
      </ul>
    </figure>
  )
}
