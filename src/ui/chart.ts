/**
 * @module ui/chart
 * Geometry of the dashboard's line charts: scales, "nice" ticks, SVG paths for lines with gaps and
 * for confidence bands. Pure (numbers in, numbers and path strings out) so the rendering component
 * stays declarative and the arithmetic is unit-tested.
 *
 * Conventions: x is time in epoch milliseconds; a `null` value is a gap (no data in that bucket),
 * never a zero. Coordinates are rounded to 0.1 px to keep the HTML small.
 */

export interface Scale {
  (v: number): number
  readonly domain: readonly [number, number]
  readonly range: readonly [number, number]
}

/**
 * A linear map from `domain` to `range`. A degenerate domain (d0 = d1) maps to the middle of the
 * range, so a constant series draws a flat line instead of NaN.
 * @example linearScale([0, 10], [0, 100])(2.5) // 25
 */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain
  const [r0, r1] = range
  const span = d1 - d0
  const f = (v: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / span) * (r1 - r0))
  return Object.assign(f, { domain, range })
}

/**
 * The step of about `count` intervals over `span`: 1, 2 or 5 × 10^k, whichever is nearest in
 * log scale (the thresholds √2, √10, √50 are d3's).
 * @example niceStep(97, 4) // 20
 */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1
  const raw = span / Math.max(1, count)
  const mag = 10 ** Math.floor(Math.log10(raw))
  const norm = raw / mag
  const nice = norm >= Math.sqrt(50) ? 10 : norm >= Math.sqrt(10) ? 5 : norm >= Math.SQRT2 ? 2 : 1
  return clean(nice * mag)
}

/** Removes floating-point noise such as 0.30000000000000004 (12 significant digits). */
function clean(x: number): number {
  return x === 0 ? 0 : Number(x.toPrecision(12))
}

/**
 * Ticks at multiples of a nice step inside [min, max], both ends included when they fall on it.
 * @example niceTicks(0, 0.25, 4) // [0, 0.05, 0.1, 0.15, 0.2, 0.25]
 */
export function niceTicks(min: number, max: number, count = 4): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return []
  if (min === max) return [clean(min)]
  const lo = Math.min(min, max)
  const hi = Math.max(min, max)
  const step = niceStep(hi - lo, count)
  const first = Math.ceil(lo / step - 1e-9)
  const last = Math.floor(hi / step + 1e-9)
  const out: number[] = []
  for (let i = first; i <= last && out.length < 100; i++) out.push(clean(i * step))
  return out
}

export interface DomainOptions {
  /** Always include 0 (counts and rates). */
  zero?: boolean
  /** Never exceed this bound (e.g. 1 for a rate), unless the data does. */
  cap?: number
  /** Smallest span shown (e.g. 0.01 for a rate, so an all-zero error rate reads 0–1%, not 0–100%). */
  minSpan?: number
}

/**
 * A y-domain covering every finite value, extended to nice-step boundaries, with a little room
 * when all values are equal. Empty input gives [0, 1].
 * @example niceDomain([0.02, 0.13], { zero: true }) // [0, 0.15]
 */
export function niceDomain(values: Iterable<number | null | undefined>, opts: DomainOptions = {}): [number, number] {
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const v of values) {
    if (v === null || v === undefined || !Number.isFinite(v)) continue
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  if (lo > hi) return [0, opts.cap !== undefined ? Math.min(1, opts.cap) : 1]
  if (opts.zero) {
    lo = Math.min(lo, 0)
    hi = Math.max(hi, 0)
  }
  if (opts.minSpan !== undefined && hi - lo < opts.minSpan) {
    const grow = opts.minSpan - (hi - lo)
    if (opts.zero && lo >= 0 && lo - grow / 2 < 0) hi = lo + opts.minSpan
    else {
      lo -= grow / 2
      hi += grow / 2
    }
  }
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1
    lo = opts.zero && lo >= 0 ? Math.max(0, lo - pad) : lo - pad
    hi = hi + pad
  }
  const step = niceStep(hi - lo, 4)
  let d0 = clean(Math.floor(lo / step + 1e-9) * step)
  let d1 = clean(Math.ceil(hi / step - 1e-9) * step)
  if (opts.cap !== undefined && d1 > opts.cap && hi <= opts.cap) d1 = opts.cap
  if (opts.zero && lo >= 0) d0 = Math.max(0, d0)
  return [d0, d1]
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const TIME_STEPS = [
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
]

/**
 * Time ticks at round UTC boundaries (1, 2, 5, 10, 15, 30 min, 1–12 h, days): the finest step
 * that splits [from, to] into fewer than `count` intervals.
 * @example timeTicks(Date.UTC(2026, 0, 1, 10, 0), Date.UTC(2026, 0, 1, 11, 0), 6) // every 15 min: 10:00 … 11:00
 */
export function timeTicks(from: number, to: number, count = 6): number[] {
  if (!(to > from)) return Number.isFinite(from) ? [from] : []
  const step = TIME_STEPS.find((s) => (to - from) / s < count) ?? Math.ceil((to - from) / count / DAY) * DAY
  const out: number[] = []
  for (let t = Math.ceil(from / step) * step; t <= to && out.length < 100; t += step) out.push(t)
  return out
}

export interface XY {
  x: number
  y: number
}

const r1 = (v: number) => Math.round(v * 10) / 10

/** `x,y` with 0.1 px precision. */
function pt(p: XY): string {
  return `${r1(p.x)},${r1(p.y)}`
}

/** Maximal runs of consecutive non-null entries, as [start, end] index pairs (inclusive). */
export function runs<T>(items: ReadonlyArray<T | null>): Array<[number, number]> {
  const out: Array<[number, number]> = []
  let start = -1
  items.forEach((v, i) => {
    if (v !== null && start < 0) start = i
    if (v === null && start >= 0) {
      out.push([start, i - 1])
      start = -1
    }
  })
  if (start >= 0) out.push([start, items.length - 1])
  return out
}

/**
 * An SVG path through the points; a `null` breaks the line (a new `M` starts after the gap).
 * Runs of one point produce just a move (draw those as dots, see `isolatedPoints`).
 * @example linePath([{ x: 0, y: 10 }, { x: 5, y: 0 }, null, { x: 15, y: 2 }]) // "M0,10L5,0M15,2"
 */
export function linePath(points: ReadonlyArray<XY | null>): string {
  let d = ''
  for (const [a, b] of runs(points)) {
    for (let i = a; i <= b; i++) d += `${i === a ? 'M' : 'L'}${pt(points[i] as XY)}`
  }
  return d
}

/** Points with no non-null neighbour: invisible as a line, so drawn as dots. */
export function isolatedPoints(points: ReadonlyArray<XY | null>): XY[] {
  return runs(points)
    .filter(([a, b]) => a === b)
    .map(([a]) => points[a] as XY)
}

/**
 * Closed polygons between an upper and a lower boundary (a confidence band), one per run where both
 * are known. A run of a single point becomes a bar `halfWidth` px either side, so a lone interval
 * still shows.
 * @example bandPath([{ x: 0, y: 1 }, { x: 10, y: 2 }], [{ x: 0, y: 5 }, { x: 10, y: 6 }]) // "M0,1L10,2L10,6L0,5Z"
 */
export function bandPath(upper: ReadonlyArray<XY | null>, lower: ReadonlyArray<XY | null>, halfWidth = 2): string {
  const both = upper.map((u, i) => (u !== null && lower[i] !== null && lower[i] !== undefined ? i : null))
  let d = ''
  for (const [a, b] of runs(both)) {
    if (a === b) {
      const u = upper[a] as XY
      const l = lower[a] as XY
      d += `M${pt({ x: u.x - halfWidth, y: u.y })}L${pt({ x: u.x + halfWidth, y: u.y })}L${pt({ x: l.x + halfWidth, y: l.y })}L${pt({ x: l.x - halfWidth, y: l.y })}Z`
      continue
    }
    for (let i = a; i <= b; i++) d += `${i === a ? 'M' : 'L'}${pt(upper[i] as XY)}`
    for (let i = b; i >= a; i--) d += `L${pt(lower[i] as XY)}`
    d += 'Z'
  }
  return d
}

export interface ChartValue {
  /** Bucket start, epoch ms. */
  t: number
  y: number | null
  /** Confidence band, when the series has one. */
  lo?: number | null
  hi?: number | null
}

export interface ChartSeriesInput {
  key: string
  label: string
  values: ChartValue[]
}

export interface ChartSpec {
  width: number
  height: number
  /** Space for axes: top, right, bottom, left (px). */
  margin: { top: number; right: number; bottom: number; left: number }
  /** Time domain, epoch ms. */
  from: number
  to: number
  series: ChartSeriesInput[]
  y: DomainOptions & { format: (v: number) => string; ticks?: number }
  x: { format: (t: number) => string; ticks?: number }
}

export interface Tick {
  value: number
  pos: number
  label: string
}

export interface SeriesGeometry {
  key: string
  label: string
  /** Line path (may be empty when every run is a single point). */
  path: string
  /** Lone points, drawn as dots. */
  dots: XY[]
  /** Confidence band polygons, or '' when the series has none. */
  band: string
  /** Number of non-null values. */
  count: number
  /** The most recent non-null value, for captions and summaries. */
  last: number | null
}

export interface ChartGeometry {
  width: number
  height: number
  plot: { left: number; top: number; right: number; bottom: number }
  xTicks: Tick[]
  yTicks: Tick[]
  yDomain: [number, number]
  series: SeriesGeometry[]
  /** True when no series has a single value. */
  empty: boolean
}

/**
 * Everything a line chart needs to render: plot box, ticks with labels, and per series its line,
 * dots and band in pixel coordinates (SVG y grows downwards).
 */
export function chartGeometry(spec: ChartSpec): ChartGeometry {
  const plot = {
    left: spec.margin.left,
    top: spec.margin.top,
    right: spec.width - spec.margin.right,
    bottom: spec.height - spec.margin.bottom,
  }
  const all: Array<number | null | undefined> = []
  for (const s of spec.series) for (const v of s.values) all.push(v.y, v.lo, v.hi)
  const yDomain = niceDomain(all, spec.y)
  const xs = linearScale([spec.from, spec.to], [plot.left, plot.right])
  const ys = linearScale(yDomain, [plot.bottom, plot.top])
  const at = (t: number, y: number | null | undefined): XY | null =>
    y === null || y === undefined || !Number.isFinite(y) ? null : { x: xs(t), y: ys(y) }
  const series = spec.series.map((s): SeriesGeometry => {
    const points = s.values.map((v) => at(v.t, v.y))
    const hasBand = s.values.some((v) => v.lo !== undefined || v.hi !== undefined)
    const known = s.values.filter((v) => v.y !== null && Number.isFinite(v.y))
    return {
      key: s.key,
      label: s.label,
      path: linePath(points),
      dots: isolatedPoints(points),
      band: hasBand
        ? bandPath(
            s.values.map((v) => at(v.t, v.hi)),
            s.values.map((v) => at(v.t, v.lo)),
          )
        : '',
      count: known.length,
      last: known.length > 0 ? (known[known.length - 1]?.y ?? null) : null,
    }
  })
  return {
    width: spec.width,
    height: spec.height,
    plot,
    yDomain,
    xTicks: timeTicks(spec.from, spec.to, spec.x.ticks ?? 6).map((t) => ({
      value: t,
      pos: r1(xs(t)),
      label: spec.x.format(t),
    })),
    yTicks: niceTicks(yDomain[0], yDomain[1], spec.y.ticks ?? 4).map((v) => ({
      value: v,
      pos: r1(ys(v)),
      label: spec.y.format(v),
    })),
    series,
    empty: series.every((s) => s.count === 0),
  }
}
