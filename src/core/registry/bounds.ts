/**
 * @module core/registry/bounds
 * Bounded influence of a mean metric: without a cap and a floor, one extreme outcome (a refund of
 * a million, a typo) moves an arm's mean as far as it likes and can decide a gate on its own
 * (docs/statistics.md §10.3). New definitions must declare both bounds; models
 * stored before the rule keep working and are reported with a warning.
 */
import type { BusinessMetric } from './types'

export type Bound = 'cap' | 'floor'

/** How to fix a mean metric without bounds, as a 400's field message and a warning's `fix`. */
export function boundsFix(metric: string): string {
  return `a mean metric needs cap and floor, e.g. {"name":"${metric}","kind":"mean","cap":1000,"floor":0}: outcomes beyond them count as the bound, so no single value can decide a gate`
}

/** The bounds each mean metric lacks, in metric order (empty: every mean metric is bounded). */
export function missingBounds(metrics: readonly BusinessMetric[]): Array<{ metric: string; missing: Bound[] }> {
  const out: Array<{ metric: string; missing: Bound[] }> = []
  for (const m of metrics) {
    if (m.kind !== 'mean') continue
    const missing: Bound[] = []
    if (m.cap === undefined || m.cap === null) missing.push('cap')
    if (m.floor === undefined || m.floor === null) missing.push('floor')
    if (missing.length > 0) out.push({ metric: m.name, missing })
  }
  return out
}

export interface ModelWarning {
  code: 'unbounded_mean_metric'
  metric: string
  detail: string
  fix: string
}

/** What a model stored before the bounds rule still lacks (shown by the admin API and the CLI). */
export function modelWarnings(metrics: readonly BusinessMetric[]): ModelWarning[] {
  return missingBounds(metrics).map(({ metric, missing }) => ({
    code: 'unbounded_mean_metric',
    metric,
    detail: `mean metric ${metric} has no ${missing.join(' and no ')}: one extreme outcome can move its mean without limit`,
    fix: `${boundsFix(metric)}; PUT /admin/models/{model} with both bounds`,
  }))
}
