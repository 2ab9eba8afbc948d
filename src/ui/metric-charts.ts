/**
 * @module ui/metric-charts
 * Which small multiples the model page draws from the per-arm metrics series, and what each one
 * plots: requests, error rate, p99 latency, every business metric (mean with its 95% confidence
 * band) and shadow divergence. Pure: series in, chart definitions out.
 */
import type { Series, SeriesPoint } from '../core/metrics/series'
import type { ChartSeriesInput, ChartValue, DomainOptions } from './chart'
import { formatCount, formatMs, formatNumber, formatPercent } from './format'

export interface ChartSeriesDef extends ChartSeriesInput {
  version: string
  arm: string
  /** True for the second and later series of the same arm (drawn with another dash pattern). */
  alt: boolean
  /** Whether the series carries a confidence band. */
  band: boolean
}

export interface ChartDef {
  id: string
  title: string
  /** What the y-axis measures, for screen readers and captions. */
  unit: string
  y: DomainOptions & { format: (v: number) => string }
  series: ChartSeriesDef[]
}

export function seriesLabel(s: { version: string; arm: string }): string {
  return `${s.version} · ${s.arm}`
}

type Pick = (p: SeriesPoint) => { y: number | null; lo?: number | null; hi?: number | null }

function build(
  series: Series[],
  pick: Pick,
  opts: { band?: boolean; include?: (s: Series) => boolean } = {},
): ChartSeriesDef[] {
  const seen = new Set<string>()
  const out: ChartSeriesDef[] = []
  for (const s of series) {
    if (opts.include && !opts.include(s)) continue
    const values: ChartValue[] = s.points.map((p) => ({ t: Date.parse(p.t), ...pick(p) }))
    if (!values.some((v) => v.y !== null)) continue
    out.push({
      key: `${s.version}|${s.arm}`,
      label: seriesLabel(s),
      version: s.version,
      arm: s.arm,
      alt: seen.has(s.arm),
      band: opts.band === true,
      values,
    })
    seen.add(s.arm)
  }
  return out
}

/** Requests counts every bucket (0 when idle); rates and latencies are gaps (null) when idle. */
export function metricCharts(series: Series[], metricNames: readonly string[]): ChartDef[] {
  const metrics = [...metricNames]
  for (const s of series)
    for (const p of s.points) for (const m of Object.keys(p.business)) if (!metrics.includes(m)) metrics.push(m)
  const charts: ChartDef[] = [
    {
      id: 'requests',
      title: 'Requests per bucket',
      unit: 'requests',
      y: { zero: true, format: formatCount },
      series: build(series, (p) => ({ y: p.requests })),
    },
    {
      id: 'error-rate',
      title: 'Error rate',
      unit: 'share of requests that failed',
      y: { zero: true, cap: 1, minSpan: 0.01, format: (v) => formatPercent(v, 2) },
      series: build(series, (p) => ({ y: p.error_rate })),
    },
    {
      id: 'p99',
      title: 'Latency p99',
      unit: 'milliseconds',
      y: { zero: true, minSpan: 1, format: formatMs },
      series: build(series, (p) => ({ y: p.p99_ms })),
    },
  ]
  for (const m of metrics) {
    charts.push({
      id: `business-${m}`,
      title: `Business metric ${m} (mean, 95% CI band)`,
      unit: m,
      y: { format: (v) => formatNumber(v) },
      series: build(
        series,
        (p) => {
          const b = p.business[m]
          return { y: b?.mean ?? null, lo: b?.ci95?.[0] ?? null, hi: b?.ci95?.[1] ?? null }
        },
        { band: true },
      ),
    })
  }
  charts.push({
    id: 'divergence',
    title: 'Shadow divergence rate',
    unit: 'share of shadow pairs whose outputs differ',
    y: { zero: true, cap: 1, minSpan: 0.01, format: (v) => formatPercent(v, 2) },
    series: build(series, (p) => ({ y: p.divergence_rate })),
  })
  return charts
}
