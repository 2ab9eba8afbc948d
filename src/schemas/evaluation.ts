/**
 * @module schemas/evaluation
 * The offline evaluation report a challenger must pass before any exposure.
 */
import { z } from 'zod'
import type * as core from '../core/evaluation/types'
import type { Assert, Conforms } from './conforms'

const Direction = z.enum(['higher_is_better', 'lower_is_better'])

export const EvaluationReport = z
  .object({
    quality: z
      .object({
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
      })
      .strict(),
    fairness: z
      .array(
        z
          .object({
            metric: z.string().max(100).meta({ example: 'demographic_parity_difference' }),
            value: z.number(),
            threshold: z.number(),
            bound: z
              .enum(['max', 'min'])
              .default('max')
              .meta({ description: 'max: value must be ≤ threshold; min: ≥ threshold' }),
          })
          .strict(),
      )
      .max(50)
      .default([]),
    latency: z
      .object({ p99_ms: z.number().positive(), load_rps: z.number().positive().optional() })
      .strict()
      .meta({ description: 'p99 measured under load, compared with the model SLA' }),
    slices: z
      .array(
        z
          .object({
            name: z.string().max(200),
            challenger: z.number(),
            champion: z.number(),
            max_regression: z.number().min(0).max(1).default(0.05),
          })
          .strict(),
      )
      .max(200)
      .default([]),
    dataset: z.string().max(500).optional(),
    notes: z.string().max(5000).optional(),
  })
  .strict()
  .meta({ id: 'EvaluationReport' })
export type EvaluationReport = core.EvaluationReport
type _EvaluationReport = Assert<Conforms<typeof EvaluationReport, core.EvaluationReport>>
