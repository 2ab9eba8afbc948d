/**
 * @module core/rollout/describe
 * Short human labels for steps and durations. They end up in event reasons, alert summaries and
 * publish reasons, so they are deterministic (no locale) and compact.
 */
import type { RuleCondition } from '../routing/types'
import type { Step } from './types'
import { formatDuration } from '../duration'

/** Re-exported so rollout labels and reasons share the one duration wording (`core/duration.ts`). */
export { formatDuration } from '../duration'

/** `x-tier=beta`, `x-tier in [a, b]`, `x-user^=emp-`, `cf.country in [NZ]`. */
export function formatCondition(when: RuleCondition): string {
  const subject = when.cf !== undefined ? `cf.${when.cf}` : (when.header ?? '')
  if (when.equals !== undefined) return `${subject}=${when.equals}`
  if (when.in !== undefined) return `${subject} in [${when.in.join(', ')}]`
  return `${subject}^=${when.prefix ?? ''}`
}

/**
 * e.g. "shadow (10% copied)", "canary 25%", "switch to 100%", "cohort x-tier=beta 50%",
 * "watch (72 h)".
 */
export function stepLabel(step: Step): string {
  switch (step.kind) {
    case 'shadow':
      return `shadow (${round2(step.sampleRate * 100)}% copied)`
    case 'canary':
      return `canary ${step.weight}%`
    case 'switch':
      return 'switch to 100%'
    case 'cohort':
      return `cohort ${formatCondition(step.when)} ${step.percent}%`
    case 'watch':
      return `watch (${formatDuration(step.durationMs)})`
    default: {
      const never: never = step
      return never
    }
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100
}

/**
 * "PASS at canary 25%: all 3 gates passed …": a verdict's reason under one prefix. Gate reasons
 * start with their decision ("PASS: …") and end with a period; both are dropped here so that an
 * event reason reads "PASS at shadow: …; canary 25% started", not "PASS at shadow: PASS: ….; …".
 */
export function verdictSays(decision: string, label: string, reason: string): string {
  const own = `${decision}: `
  const body = (reason.startsWith(own) ? reason.slice(own.length) : reason).replace(/\.\s*$/, '')
  return `${decision} at ${label}: ${body}`
}
