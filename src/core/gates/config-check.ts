/**
 * @module core/gates/config-check
 * Gate settings the tests cannot run with: a fail margin above the margin, a relative margin of
 * 100% or more on a higher-is-better metric, a rate maximum or error floor outside (0, 1).
 *
 * The API rejects them before a rollout starts (src/core/rollout/validate.ts, with the field
 * names of the gate overrides); the gates use the same checks to answer `insufficient_data` for
 * a configuration stored before that validation, so every tick still gets a verdict instead of
 * an exception (docs/statistics.md §2.1).
 */
import type { FieldError } from '../errors'
import { pct } from './format'
import type { GateConfig } from './types'

/** Why a (margin, fail margin) pair cannot be tested, or null. */
export function marginProblem(margin: number, failMargin: number, higherIsBetter: boolean): string | null {
  if (!(margin >= 0) || !Number.isFinite(margin)) return `margin ${margin} must be a finite number ≥ 0`
  if (!(failMargin >= 0 && failMargin <= margin)) {
    return `fail margin ${pct(failMargin)} must be between 0 and the margin ${pct(margin)}`
  }
  if (higherIsBetter && margin >= 1)
    return `a relative margin of ${pct(margin)} on a higher-is-better metric must be < 100%`
  return null
}

/** Why a rate maximum (divergence, error floor) cannot be tested, or null. */
export function rateProblem(name: string, rate: number, zeroAllowed: boolean): string | null {
  const ok = zeroAllowed ? rate >= 0 && rate < 1 : rate > 0 && rate < 1
  return ok ? null : `${name} ${rate} must be in ${zeroAllowed ? '[0' : '(0'}, 1)`
}

/** Every untestable setting of `c`, with the gate override field it comes from (e.g. `error_rate.floor`). */
export function gateConfigProblems(c: GateConfig): FieldError[] {
  const out: FieldError[] = []
  const add = (field: string, message: string | null) => {
    if (message !== null) out.push({ field, message })
  }
  for (const g of c.business) {
    const why = marginProblem(g.margin, g.failMargin ?? g.margin, g.direction === 'higher_is_better')
    add('business', why === null ? null : `${g.metric}: ${why}`)
  }
  if (c.errorRate) {
    add('error_rate', marginProblem(c.errorRate.margin, c.errorRate.failMargin ?? c.errorRate.margin, false))
    add('error_rate.floor', rateProblem('floor', c.errorRate.floor ?? 0, true))
  }
  if (c.latency) add('latency', marginProblem(c.latency.margin, c.latency.failMargin ?? c.latency.margin, false))
  if (c.divergence) add('divergence.max_rate', rateProblem('max rate', c.divergence.maxRate, false))
  return out
}
