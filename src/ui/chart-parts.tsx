/** @jsxImportSource hono/jsx */
/**
 * @module ui/chart-parts
 * SVG pieces every time chart shares: the axes with labelled ticks, the vertical marks of the
 * rollout (stage boundaries, rollback, promotion) and horizontal reference lines. Each element
 * carries its value as data-* attributes so what is drawn can be checked against the API.
 */
import type { ChartGeometry } from './chart'
import { placeMarks, yPos } from './chart-extras'
import type { TimeMark } from './time-marks'

export function Axes({ g }: { g: ChartGeometry }) {
  return (
    <>
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
    </>
  )
}

/** Vertical marks with a short label at the top; later labels in the same spot are dropped. */
export function Marks({
  marks,
  from,
  to,
  g,
}: {
  marks: readonly TimeMark[]
  from: number
  to: number
  g: ChartGeometry
}) {
  const placed = placeMarks(marks, from, to, g)
  let lastLabelX = Number.NEGATIVE_INFINITY
  return (
    <g class="marks">
      {placed.map((m) => {
        const label = m.x - lastLabelX > 48
        if (label) lastLabelX = m.x
        return (
          <g class={`mark mark-${m.kind}`} data-mark={m.kind} data-t={new Date(m.t).toISOString()}>
            <title>{`${m.label} at ${new Date(m.t).toISOString().slice(11, 19)} UTC`}</title>
            <line x1={m.x} x2={m.x} y1={g.plot.top} y2={g.plot.bottom} />
            {label ? (
              <text x={m.x + 3} y={g.plot.top + 9}>
                {m.label}
              </text>
            ) : null}
          </g>
        )
      })}
    </g>
  )
}

/** A horizontal reference line across the plot (nothing when it falls outside the y domain). */
export function HLine({ g, y, kind, label }: { g: ChartGeometry; y: number; kind: string; label: string }) {
  const pos = yPos(g, y)
  if (pos === null) return null
  return (
    <g class={`ref ref-${kind}`} data-line={kind} data-y={String(y)}>
      <line x1={g.plot.left} x2={g.plot.right} y1={pos} y2={pos} />
      <text x={g.plot.right - 3} y={pos - 3} text-anchor="end">
        {label}
      </text>
    </g>
  )
}
