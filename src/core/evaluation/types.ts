/**
 * @module core/evaluation/types
 * The offline evaluation report a challenger must pass before any exposure (validated by
 * schemas/evaluation into exactly this shape).
 */
import type { MetricDirection } from '../registry/types'

export interface EvaluationReport {
  quality: {
    metric: string
    direction: MetricDirection
    challenger: number
    champion: number
    /** The challenger must reach this value (≥ for higher-is-better, ≤ otherwise). */
    threshold: number
    /** Largest tolerated relative regression vs the champion. */
    max_regression: number
  }
  fairness: Array<{ metric: string; value: number; threshold: number; bound: 'max' | 'min' }>
  /** p99 measured under load, compared with the model SLA. */
  latency: { p99_ms: number; load_rps?: number | undefined }
  slices: Array<{ name: string; challenger: number; champion: number; max_regression: number }>
  dataset?: string | undefined
  notes?: string | undefined
}
