/**
 * @module schemas/evaluation
 * The offline evaluation report a challenger must pass before any exposure.
 */
import { z } from 'zod'
import type * as core from '../core/evaluation/types'
import type { Checked } from './conforms'

const Direction = z.enum(['higher_is_better', 'lower_is_better'])

export const EvaluationReport = z
  .strictObject({
    quality: z.strictObject({
      metric: z.string().max(100).meta({ example: 'auc' }),
      direction: Direction.default('higher_is_better'),
      challenger: z.number(),
      champion: z.number(),
      threshold: z
        .number()
        .meta({ description: 'The challenger must reach this value (≥ for higher-is-better, ≤ otherwise)' }),
      max_regression: z
        .number()
        .min(0)
        .max(1)
        .default(0.01)
        .meta({ description: 'Largest tolerated relative regression vs the champion' }),
    }),
    fairness: z
      .array(
        z.strictObject({
          metric: z.string().max(100).meta({ example: 'demographic_parity_difference' }),
          value: z.number(),
          threshold: z.number(),
          bound: z
            .enum(['max', 'min'])
            .default('max')
            .meta({ description: 'max: value must be ≤ threshold; min: ≥ threshold' }),
        }),
      )
      .max(50)
      .default([]),
    latency: z
      .strictObject({ p99_ms: z.number().positive(), load_rps: z.number().positive().optional() })
      .meta({ description: 'p99 measured under load, compared with the model SLA' }),
    slices: z
      .array(
        z.strictObject({
          name: z.string().max(200),
          challenger: z.number(),
          champion: z.number(),
          max_regression: z.number().min(0).max(1).default(0.05),
        }),
      )
      .max(200)
      .default([]),
    dataset: z.string().max(500).optional(),
    notes: z.string().max(5000).optional(),
  })
  .meta({ id: 'EvaluationReport' })
export type EvaluationReport = Checked<typeof EvaluationReport, core.EvaluationReport>
