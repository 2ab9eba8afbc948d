/** @jsxImportSource hono/jsx */
/**
 * @module ui/decision-chart
 * Why a gate decided: per stage and metric, the challenger-vs-champion estimate over the stage's
 * ticks with its always-valid confidence band, the PASS (non-inferiority) and FAIL lines, and a
 * mark at the first tick whose band cleared one of them (ui/decision-series derives the numbers).
 */
import { bandPath, chartGeometry, linearScale, type XY } from './chart'
import { Axes, HLine, Marks } from './chart-parts'
import type { DecisionChartData } from './decision-series'
import { formatClock, formatPercent, formatTime } from './format'
import { scaleData } from './line-chart'
import type { TimeMark } from './time-marks'

const WIDTH = 480
const HEIGHT = 170
const MARGIN = { top: 14, right: 14, bottom: 26, left: 58 }

const TEST_WORDS: Record<DecisionChartData['test'], string> = {
  ni_proportion: 'non-inferiority, proportion',
  ni_mean: 'non-inferiority, mean',
  event_split: 'event split of errors',
  tail_exceedance: 'latency tail exceedance',
  divergence_rate: 'shadow divergence rate',
}

function pct(v: number): string {
  return `${v > 0 ? '+' : ''}${formatPercent(v, 2)}`
}

export function DecisionChart({ chart, marks = [] }: { chart: DecisionChartData; marks?: readonly TimeMark[] }) {
  if (!hasEstimate(chart)) return <NoEstimate chart={chart} />
  const known = chart.points.filter((p) => p.y !== null)
  const first = chart.points[0]?.t ?? 0
  const last = chart.points.at(-1)?.t ?? first
  const pad = Math.max(1_000, (last - first) * 0.03)
  const [from, to] = [first - pad, last + pad]
  const lastKnown = known.at(-1)
  // The y axis fits the estimates, the lines and the latest band within reach of them; early, wide
  // bands (few events) are clipped to the plot instead of squashing everything else.
  const base = [...chart.lines.map((l) => l.y), ...known.map((p) => p.y as number)]
  const lo = Math.min(...base)
  const hi = Math.max(...base)
  const reach = Math.max(0.1, hi - lo)
  const within = (v: number | null | undefined) => (v == null ? null : Math.min(hi + reach, Math.max(lo - reach, v)))
  const domainHelpers = [...chart.lines.map((l) => l.y), within(lastKnown?.lo), within(lastKnown?.hi)]
  const relative = chart.scale === 'relative'
  const g = chartGeometry({
    width: WIDTH,
    height: HEIGHT,
    margin: MARGIN,
    from,
    to,
    series: [
      { key: 'estimate', label: 'estimate', values: chart.points.map((p) => ({ t: p.t, y: p.y })) },
      { key: 'domain', label: '', values: domainHelpers.map((y) => ({ t: from, y })) },
    ],
    y: relative
      ? { format: pct, minSpan: 0.05 }
      : { zero: true, cap: 1, minSpan: 0.01, format: (v) => formatPercent(v, 2) },
    x: { format: (t) => formatClock(t), ticks: 5 },
  })
  const xs = linearScale([from, to], [g.plot.left, g.plot.right])
  const ys = linearScale(g.yDomain, [g.plot.bottom, g.plot.top])
  const at = (t: number, y: number | null): XY | null => (y === null ? null : { x: xs(t), y: ys(y) })
  const band = bandPath(
    chart.points.map((p) => at(p.t, p.hi)),
    chart.points.map((p) => at(p.t, p.lo)),
  )
  const est = g.series[0]
  const id = `decision-${chart.id}`
  const clip = `${id}-clip`
  const cross = chart.crossing
  const crossPoint = cross ? chart.points.find((p) => p.t === cross.t) : undefined
  const title = relative
    ? `${chart.stepLabel} · ${chart.metric}: challenger vs champion (relative, + = better)`
    : `${chart.stepLabel} · ${chart.metric}: challenger's rate vs its maximum`
  const summary =
    lastKnown === undefined
      ? 'No estimate yet (too little data for the test).'
      : `Latest ${chart.latest.replace(/_/g, ' ')}: estimate ${pct(lastKnown.y as number)}, band ${pct(lastKnown.lo as number)} to ${pct(lastKnown.hi as number)}.`
  const lineWords = chart.lines.map(
    (l) => `${l.kind === 'pass' ? (relative ? 'margin' : 'maximum') : 'FAIL line'} ${pct(l.y)}`,
  )
  return (
    <figure
      class="chart decision"
      id={id}
      data-decision-chart={chart.id}
      data-metric={chart.metric}
      data-step={String(chart.stepIndex)}
      data-test={chart.test}
    >
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        data-scale={scaleData(g, from, to)}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
      >
        <desc id={`${id}-desc`}>{`${TEST_WORDS[chart.test]}; ${lineWords.join(', ')}. ${summary}`}</desc>
        <clipPath id={clip}>
          <rect x={g.plot.left} y={g.plot.top} width={g.plot.right - g.plot.left} height={g.plot.bottom - g.plot.top} />
        </clipPath>
        <Axes g={g} />
        <Marks marks={marks} from={from} to={to} g={g} />
        {band !== '' && <path class="band estimate" d={band} clip-path={`url(#${clip})`} />}
        {chart.lines.map((l) => (
          <HLine
            g={g}
            y={l.y}
            kind={l.kind}
            label={l.kind === 'pass' ? (relative ? `margin ${pct(l.y)}` : `max ${pct(l.y)}`) : `FAIL ${pct(l.y)}`}
          />
        ))}
        <g class="plot" data-series="estimate" data-points={String(est?.count ?? 0)}>
          {est && est.path !== '' && <path class="series estimate" d={est.path} />}
          {est?.dots.map((p) => (
            <circle class="estimate" cx={Math.round(p.x * 10) / 10} cy={Math.round(p.y * 10) / 10} r={2.5} />
          ))}
        </g>
        {cross && crossPoint ? (
          <g
            class={`crossing crossing-${cross.kind}`}
            data-crossing={cross.kind}
            data-t={new Date(cross.t).toISOString()}
          >
            <title>{`band cleared the ${cross.kind === 'pass' ? 'margin' : 'FAIL line'} at ${formatTime(cross.t)}`}</title>
            <line
              x1={Math.round(xs(cross.t) * 10) / 10}
              x2={Math.round(xs(cross.t) * 10) / 10}
              y1={g.plot.top}
              y2={g.plot.bottom}
            />
            <text x={xs(cross.t) - 4} y={g.plot.bottom - 5} text-anchor="end">
              {cross.kind === 'pass' ? 'PASS' : 'FAIL'}
            </text>
          </g>
        ) : null}
        {(est?.count ?? 0) === 0 && (
          <text
            class="empty"
            x={(g.plot.left + g.plot.right) / 2}
            y={(g.plot.top + g.plot.bottom) / 2}
            text-anchor="middle"
          >
            No estimate yet
          </text>
        )}
      </svg>
      <p class="small muted">{summary}</p>
    </figure>
  )
}

/** Whether a gate has anything to draw: an estimate or a band edge at some tick. */
export function hasEstimate(chart: DecisionChartData): boolean {
  return chart.points.some((p) => p.y !== null || p.hi !== null)
}

/** A gate with nothing to draw yet (e.g. no errors in either arm): one line instead of an empty plot. */
export function NoEstimate({ chart }: { chart: DecisionChartData }) {
  const lines = chart.lines.map((l) => `${l.kind === 'pass' ? 'margin' : 'FAIL line'} ${pct(l.y)}`).join(', ')
  return (
    <figure
      class="chart decision empty"
      id={`decision-${chart.id}`}
      data-decision-chart={chart.id}
      data-metric={chart.metric}
      data-step={String(chart.stepIndex)}
      data-test={chart.test}
    >
      <figcaption>{`${chart.stepLabel} · ${chart.metric}:`}</figcaption>{' '}
      <span class="small muted">
        {`No estimate yet over ${chart.points.length} ticks (${TEST_WORDS[chart.test]}: ${
          chart.test === 'event_split' ? 'no errors in either arm' : 'too little data'
        }); ${lines}; latest ${chart.latest.replace(/_/g, ' ')}.`}
      </span>
    </figure>
  )
}
