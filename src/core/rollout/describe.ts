/**
 * @module core/rollout/describe
 * Short human labels for steps and durations. They end up in event reasons, alert summaries and
 * publish reasons, so they are deterministic (no locale) and compact.
 */
import type { RuleCondition } from '../routing/types'
import type { Step } from './types'

/** "36 h", "90 min", "45 s", "250 ms": the largest unit that keeps a whole number. */
export function formatDuration(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1_000, 's'],
  ]
  for (const [size, unit] of units) {
    if (ms >= size && ms % size === 0 && !(unit === 'd' && ms < 7 * size)) {
      return `${ms / size} ${unit}`
    }
  }
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`
  if (ms >= 1_000) return `${Math.round(ms / 1_000)} s`
  return `${ms} ms`
}

/** `x-tier=beta`, `x-tier in [a, b]`, `x-user^=emp-`. */
export function formatCondition(when: RuleCondition): string {
  if (when.equals !== undefined) return `${when.header}=${when.equals}`
  if (when.in !== undefined) return `${when.header} in [${when.in.join(', ')}]`
  return `${when.header}^=${when.prefix ?? ''}`
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
