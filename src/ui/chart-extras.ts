/**
 * @module ui/chart-extras
 * Geometry added on top of a line chart (ui/chart): vertical time marks (stage boundaries,
 * rollback, promotion), horizontal reference lines (margins), and the bucket still filling drawn
 * as a dashed "partial" segment that neither drops to 0 nor stretches the y axis. Pure.
 */
import { bandPath, linearScale, type ChartGeometry, type ChartValue, type XY } from './chart'
import type { TimeMark } from './time-marks'

const r1 = (v: number) => Math.round(v * 10) / 10

export interface PlacedMark extends TimeMark {
  x: number
}

/** Marks inside [from, to], at their x position in the plot. */
export function placeMarks(marks: readonly TimeMark[], from: number, to: number, g: ChartGeometry): PlacedMark[] {
  const xs = linearScale([from, to], [g.plot.left, g.plot.right])
  return marks.filter((m) => m.t >= from && m.t <= to).map((m) => ({ ...m, x: r1(xs(m.t)) }))
}

/** The y pixel of a value on the chart's axis, or null when it lies outside the y domain. */
export function yPos(g: ChartGeometry, v: number): number | null {
  const [d0, d1] = g.yDomain
  if (!(v >= Math.min(d0, d1) && v <= Math.max(d0, d1))) return null
  return r1(linearScale(g.yDomain, [g.plot.bottom, g.plot.top])(v))
}

/** Values split at the start of the bucket still filling: complete ones, and the partial rest. */
export function splitPartial(values: readonly ChartValue[], partialFrom: number | null) {
  if (partialFrom === null) return { complete: [...values], partial: [] as ChartValue[] }
  return { complete: values.filter((v) => v.t < partialFrom), partial: values.filter((v) => v.t >= partialFrom) }
}

/**
 * A dashed segment from the last complete value to the partial bucket's value (`joins`: it starts
 * at that last complete value), or a short dash when there is none before it; '' when the partial
 * bucket has no value. The y domain includes the partial value, so nothing is clamped.
 */
export function partialPath(
  g: ChartGeometry,
  from: number,
  to: number,
  complete: readonly ChartValue[],
  partial: readonly ChartValue[],
): { d: string; joins: boolean } {
  const last = complete.findLast((v) => v.y !== null && Number.isFinite(v.y))
  const tail = partial.filter((v) => v.y !== null && Number.isFinite(v.y))
  if (tail.length === 0) return { d: '', joins: false }
  const xs = linearScale([from, to], [g.plot.left, g.plot.right])
  const ys = linearScale(g.yDomain, [g.plot.bottom, g.plot.top])
  const pts: XY[] = [...(last ? [last] : []), ...tail].map((v) => ({ x: xs(v.t), y: ys(v.y as number) }))
  if (pts.length === 1) {
    const p = pts[0] as XY
    return { d: `M${r1(p.x - 2)},${r1(p.y)}L${r1(p.x + 2)},${r1(p.y)}`, joins: false }
  }
  return { d: pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${r1(p.x)},${r1(p.y)}`).join(''), joins: last !== undefined }
}

/** The confidence band over the same stretch as partialPath ('' when the values carry none). */
export function partialBand(
  g: ChartGeometry,
  from: number,
  to: number,
  complete: readonly ChartValue[],
  partial: readonly ChartValue[],
): string {
  const known = (v: ChartValue) => v.lo != null && v.hi != null && Number.isFinite(v.lo) && Number.isFinite(v.hi)
  const last = complete.findLast(known)
  const vals = [...(last ? [last] : []), ...partial.filter(known)]
  if (vals.length === 0 || !partial.some(known)) return ''
  const xs = linearScale([from, to], [g.plot.left, g.plot.right])
  const ys = linearScale(g.yDomain, [g.plot.bottom, g.plot.top])
  return bandPath(
    vals.map((v) => ({ x: xs(v.t), y: ys(v.hi as number) })),
    vals.map((v) => ({ x: xs(v.t), y: ys(v.lo as number) })),
  )
}

/** Fewer answers than this in the bucket still filling: its rates and latencies are noise, not drawn. */
export const MIN_PARTIAL_N = 20

type SeriesLike = {
  points: Array<{
    t: string
    requests: number
    error_rate: number | null
    p99_ms: number | null
    divergence_rate: number | null
    business: Record<string, { n: number; mean: number | null; ci95: [number, number] | null }>
  }>
}

/**
 * Drops the rates and latencies of the bucket still filling where it holds fewer than MIN_PARTIAL_N
 * answers (a rate of 1.0 from one failed request says nothing); counts stay.
 */
export function trimPartial<S extends SeriesLike>(series: readonly S[], partialFrom: number | null): S[] {
  if (partialFrom === null) return [...series]
  return series.map((s) => ({
    ...s,
    points: s.points.map((p) =>
      Date.parse(p.t) < partialFrom || p.requests >= MIN_PARTIAL_N
        ? p
        : {
            ...p,
            error_rate: null,
            p99_ms: null,
            divergence_rate: null,
            business: Object.fromEntries(
              Object.entries(p.business).map(([k, b]) => [
                k,
                b.n >= MIN_PARTIAL_N ? b : { ...b, mean: null, ci95: null },
              ]),
            ),
          },
    ),
  }))
}
