import { env } from 'cloudflare:workers'
import { buildServices } from '../../../src/compose'
import { sumWhere, type MergedSummary } from '../../../src/core/metrics/summary'

/** Everything recorded for a model so far, with outcomes matured as of `now`. */
export function summary(
  model: string,
  opts: { now?: number; metrics?: Array<{ name: string; windowMs: number }>; shards?: number } = {},
): Promise<MergedSummary> {
  return buildServices(env).measurement.summary(model, opts.shards ?? 4, {
    minEpoch: 0,
    now: opts.now ?? Date.now(),
    metrics: opts.metrics ?? [],
  })
}

export function requestsOf(s: MergedSummary, version: string): number {
  return sumWhere(s, (r) => r.version === version && r.arm !== 'shadow').requests
}

/** Nearest-rank quantile of exact values (the histogram's rank rule). */
export function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil(q * sorted.length))
  return sorted[rank - 1] as number
}

export function serverTiming(res: Response): number {
  const m = /upstream;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')
  if (!m) throw new Error('no server-timing header')
  return Number(m[1])
}
