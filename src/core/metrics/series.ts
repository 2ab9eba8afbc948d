/**
 * @module core/metrics/series
 * Per-arm time series for the metrics API, built from per-minute rows (any number of shards).
 */
import { durationOf, emptyAgg, errorsOf, exposuresOf, mergeAgg, type Agg } from './aggregate'
import { quantile, type ExpHistogram } from '../stats/histogram'

export interface MinuteRow {
  minute: number
  version: string
  arm: string
  agg: Agg
}

export interface OutcomeRow {
  minute: number
  version: string
  arm: string
  metric: string
  n: number
  sum: number
  sumSq: number
}

export interface SeriesPoint {
  t: string
  /** Answers this version gave (for the shadow arm: copies attempted). */
  requests: number
  /**
   * Requests routed to this arm, the error rate's denominator: its answers plus its failed attempts
   * rescued by the champion, minus its own rescues of other arms (for the shadow arm: copies).
   */
  exposures: number
  errors: number
  error_rate: number | null
  /** Time to first byte (the response head). */
  p50_ms: number | null
  p95_ms: number | null
  p99_ms: number | null
  /** Total duration, to the body's last byte; null where no duration was recorded. */
  duration_p50_ms: number | null
  duration_p95_ms: number | null
  duration_p99_ms: number | null
  shadow_pairs: number
  /** Shadow arm: copies skipped (in-flight cap, oversized or timed-out inputs); 0 elsewhere. */
  shadow_skipped: number
  divergence_rate: number | null
  /** Outcome metrics (matured outcomes) and response metrics (read from answers, with `missing`). */
  business: Record<string, { n: number; mean: number | null; ci95: [number, number] | null; missing?: number }>
}

export interface Series {
  version: string
  arm: string
  points: SeriesPoint[]
}

const round = (x: number, d = 6) => Math.round(x * 10 ** d) / 10 ** d

interface Cell {
  agg: Agg
  business: Map<string, { n: number; sum: number; sumSq: number }>
}

/**
 * Folds minute and outcome rows into per-arm step buckets as they come, so a caller can read a
 * long range page by page and hold one page at a time, not the whole range.
 */
export class SeriesBuilder {
  private readonly buckets = new Map<string, { version: string; arm: string; byStep: Map<number, Cell> }>()

  constructor(
    private readonly fromMinute: number,
    private readonly toMinute: number,
    private readonly stepMinutes: number,
  ) {}

  private cell(version: string, arm: string, minute: number): Cell {
    const step = Math.floor((minute - this.fromMinute) / this.stepMinutes)
    const k = `${version}|${arm}`
    let s = this.buckets.get(k)
    if (!s) {
      s = { version, arm, byStep: new Map() }
      this.buckets.set(k, s)
    }
    let c = s.byStep.get(step)
    if (!c) {
      c = { agg: emptyAgg(), business: new Map() }
      s.byStep.set(step, c)
    }
    return c
  }

  addMinutes(rows: readonly MinuteRow[]): void {
    for (const r of rows) mergeAgg(this.cell(r.version, r.arm, r.minute).agg, r.agg)
  }

  addOutcomes(rows: readonly OutcomeRow[]): void {
    for (const o of rows) {
      const b = this.cell(o.version, o.arm, o.minute).business
      const cur = b.get(o.metric) ?? { n: 0, sum: 0, sumSq: 0 }
      b.set(o.metric, { n: cur.n + o.n, sum: cur.sum + o.sum, sumSq: cur.sumSq + o.sumSq })
    }
  }

  build(): Series[] {
    const { fromMinute, toMinute, stepMinutes } = this
    const steps = Math.max(1, Math.ceil((toMinute - fromMinute + 1) / stepMinutes))
    return [...this.buckets.values()]
      .sort((a, b) => `${a.version}|${a.arm}`.localeCompare(`${b.version}|${b.arm}`))
      .map((s) => ({
        version: s.version,
        arm: s.arm,
        points: Array.from({ length: steps }, (_, i) =>
          pointOf(s.arm, s.byStep.get(i), new Date((fromMinute + i * stepMinutes) * 60_000).toISOString()),
        ),
      }))
  }
}

function quantileMs(h: ExpHistogram, q: number): number | null {
  return h.count > 0 ? round(quantile(h, q), 3) : null
}

function pointOf(arm: string, c: Cell | undefined, t: string): SeriesPoint {
  const agg = c?.agg ?? emptyAgg()
  const exposures = exposuresOf(agg)
  const errors = errorsOf(agg)
  const h = agg.latency
  const d = durationOf(agg)
  const business: SeriesPoint['business'] = {}
  const read = Object.entries(agg.response ?? {})
  const sums: Array<[string, { n: number; sum: number; sumSq: number; missing?: number }]> = [
    ...(c?.business ?? []),
    ...read,
  ]
  for (const [metric, b] of sums) {
    const mean = b.n > 0 ? b.sum / b.n : null
    const variance = b.n > 1 && mean !== null ? Math.max(0, (b.sumSq - b.n * mean * mean) / (b.n - 1)) : null
    const half = variance !== null ? 1.96 * Math.sqrt(variance / b.n) : null
    business[metric] = {
      n: b.n,
      mean: mean === null ? null : round(mean),
      ci95: mean !== null && half !== null ? [round(mean - half), round(mean + half)] : null,
      ...(b.missing !== undefined ? { missing: b.missing } : {}),
    }
  }
  return {
    t,
    requests: arm === 'shadow' ? agg.shadowAttempts : agg.requests,
    exposures: arm === 'shadow' ? agg.shadowAttempts : exposures,
    errors: arm === 'shadow' ? agg.shadowErrors : errors,
    error_rate:
      arm === 'shadow'
        ? agg.shadowAttempts > 0
          ? round(agg.shadowErrors / agg.shadowAttempts)
          : null
        : exposures > 0
          ? round(errors / exposures)
          : null,
    p50_ms: quantileMs(h, 0.5),
    p95_ms: quantileMs(h, 0.95),
    p99_ms: quantileMs(h, 0.99),
    duration_p50_ms: quantileMs(d, 0.5),
    duration_p95_ms: quantileMs(d, 0.95),
    duration_p99_ms: quantileMs(d, 0.99),
    shadow_pairs: agg.shadowPairs,
    shadow_skipped: agg.shadowSkipped,
    divergence_rate: agg.shadowPairs > 0 ? round(agg.shadowDiverged / agg.shadowPairs) : null,
    business,
  }
}

export function buildSeries(
  rows: MinuteRow[],
  outcomes: OutcomeRow[],
  fromMinute: number,
  toMinute: number,
  stepMinutes: number,
): Series[] {
  const builder = new SeriesBuilder(fromMinute, toMinute, stepMinutes)
  builder.addMinutes(rows)
  builder.addOutcomes(outcomes)
  return builder.build()
}
