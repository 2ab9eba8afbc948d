/**
 * @module cli/watch-outcome
 * When `rollout status --watch` and `rollout start --wait` stop following a rollout, and the exit
 * code a CI job reads from it. Pure: the rollout's phase in, a decision out.
 *
 * The outcome codes sit above the CLI's error codes (src/cli/exit.ts, 1–6), so a pipeline never
 * mistakes "the gates rolled the challenger back" for "the gateway could not be reached".
 */
import type { Phase } from '../core/rollout/types'

/** How a watch ends. */
export type WatchOutcome = 'completed' | 'rolled_back' | 'aborted' | 'needs_human' | 'timed_out'

export const WATCH_EXIT = {
  /** The plan ran to its end: promoted (or, for a plan that asked for it, a cohort release or a shadow pass). */
  completed: 0,
  rolled_back: 10,
  aborted: 11,
  /** awaiting_evaluation, awaiting_approval, paused or halted: someone has to act (unless --wait-for-human). */
  needs_human: 12,
  timed_out: 13,
} as const satisfies Record<WatchOutcome, number>

export interface WatchPolicy {
  /** --wait-for-human: keep following a rollout that waits for a person or a report. */
  waitForHuman: boolean
}

/** Whether the watch ends at this phase, and how; null: keep following. */
export function watchOutcome(phase: Phase, policy: WatchPolicy): WatchOutcome | null {
  switch (phase) {
    case 'completed':
      return 'completed'
    case 'rolled_back':
      return 'rolled_back'
    case 'aborted':
      return 'aborted'
    case 'awaiting_evaluation':
    case 'awaiting_approval':
    case 'paused':
    case 'halted':
      return policy.waitForHuman ? null : 'needs_human'
    case 'progressing':
    case 'watching':
      return null
    default: {
      const never: never = phase
      return never
    }
  }
}

/** `modelgate help` and the README list these, in this order. */
export const WATCH_EXIT_HELP: ReadonlyArray<readonly [number, string]> = [
  [WATCH_EXIT.completed, 'completed: the challenger was promoted (or the plan ended as asked: cohort, shadow)'],
  [WATCH_EXIT.rolled_back, 'rolled back (a gate FAIL or an operator rollback)'],
  [WATCH_EXIT.aborted, 'aborted by an operator'],
  [
    WATCH_EXIT.needs_human,
    'waits for a person: awaiting_evaluation, awaiting_approval, paused or halted (--wait-for-human: keep watching)',
  ],
  [WATCH_EXIT.timed_out, '--timeout ran out before any of these'],
]
