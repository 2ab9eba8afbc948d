/**
 * @module cli/watch
 * Follows a rollout until it ends, for `rollout status --watch` and `rollout start --wait`: polls
 * GET /admin/rollouts/{id}, prints each new verdict and event once (cli/watch-timeline), and
 * returns the exit code of how it ended (cli/watch-outcome).
 *
 * A gateway that fails for a moment (unreachable, 5xx, 429) does not end a watch: polls are
 * retried until they have failed for `FAILING_FOR_MS` in a row, then the error ends it with the
 * CLI's usual code (src/cli/exit.ts). A 4xx (unknown rollout, bad token) ends it at once.
 */
import type { Context, OptionSpec, Parsed } from './args'
import { bool, booleanOption, str, stringOption } from './args'
import type { RolloutView, VerdictRow } from './api-types'
import { formatDuration, parseDuration } from './duration'
import { ApiError, NetworkError, UsageError } from './exit'
import { eprintln, println } from './io'
import { WATCH_EXIT, watchOutcome, type WatchOutcome } from './watch-outcome'
import { Timeline, entryJson, entryLine } from './watch-timeline'

export const DEFAULT_INTERVAL_MS = 5_000
export const DEFAULT_TIMEOUT_MS = 2 * 3_600_000
const MIN_INTERVAL_MS = 1_000
/** How long polls may fail in a row before the watch gives up on the gateway. */
export const FAILING_FOR_MS = 120_000
/** Verdict history rows fetched to fill a gap in the view (see Timeline.mayHaveDropped). */
const HISTORY_LIMIT = 200

export interface WatchOptions {
  intervalMs: number
  timeoutMs: number
  waitForHuman: boolean
}

/** The options both commands take. */
export const WATCH_OPTIONS: Record<string, OptionSpec> = {
  interval: stringOption('<duration>', 'time between polls (default 5s, at least 1s)'),
  timeout: stringOption('<duration>', 'give up after this long with exit code 13 (default 2h)'),
  'wait-for-human': booleanOption(
    'keep watching while the rollout waits for an approver, a report or a resume (instead of exit 12)',
  ),
}

export function watchOptions(p: Parsed, command: string): WatchOptions {
  const interval = str(p, 'interval')
  const timeout = str(p, 'timeout')
  const intervalMs = interval === undefined ? DEFAULT_INTERVAL_MS : parseDuration(interval, 'interval')
  if (intervalMs < MIN_INTERVAL_MS) throw new UsageError(`--interval: "${interval}" is below 1s`, command)
  const timeoutMs = timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(timeout, 'timeout')
  if (timeoutMs <= 0) throw new UsageError(`--timeout: "${timeout}" must be above 0`, command)
  return { intervalMs, timeoutMs, waitForHuman: bool(p, 'wait-for-human') }
}

/** Whether a failed poll is worth retrying: the gateway may answer the next one. */
function transient(err: unknown): boolean {
  if (err instanceof NetworkError) return true
  return err instanceof ApiError && (err.status >= 500 || err.status === 429)
}

/** Follows the rollout from `first` (an answer already fetched) to its end; returns the exit code. */
export async function followRollout(ctx: Context, first: RolloutView, opts: WatchOptions): Promise<number> {
  const { io, api } = ctx
  const path = `/rollouts/${encodeURIComponent(first.id)}`
  const deadline = io.now() + opts.timeoutMs
  const timeline = new Timeline()
  let view = first
  let failingSince: number | null = null
  if (!ctx.json)
    eprintln(
      io,
      `watching ${first.id} every ${formatDuration(opts.intervalMs)} (for up to ${formatDuration(opts.timeoutMs)})`,
    )
  for (;;) {
    let extra: VerdictRow[] = []
    if (timeline.mayHaveDropped(view)) {
      extra = await api
        .json<{ verdicts: VerdictRow[] }>('GET', `${path}/verdicts?limit=${HISTORY_LIMIT}`)
        .then((l) => l.verdicts)
        .catch(() => [])
    }
    for (const e of timeline.take(view, extra)) {
      if (ctx.json) println(io, JSON.stringify(entryJson(e)))
      else println(io, entryLine(e, view))
    }
    const outcome = watchOutcome(view.phase, opts)
    if (outcome) return finish(ctx, view, outcome)
    if (io.now() >= deadline) return finish(ctx, view, 'timed_out')
    await io.sleep(Math.min(opts.intervalMs, deadline - io.now()))
    try {
      view = await api.json<RolloutView>('GET', path)
      failingSince = null
    } catch (err) {
      if (!transient(err)) throw err
      failingSince ??= io.now()
      if (io.now() - failingSince >= FAILING_FOR_MS) throw err
      eprintln(io, `poll failed (${err instanceof Error ? err.message : String(err)}); retrying`)
    }
  }
}

function finish(ctx: Context, view: RolloutView, outcome: WatchOutcome): number {
  const code = WATCH_EXIT[outcome]
  if (ctx.json) {
    println(ctx.io, JSON.stringify({ kind: 'outcome', outcome, exit_code: code, phase: view.phase, rollout: view.id }))
    return code
  }
  const why = outcome === 'timed_out' ? '--timeout ran out first' : view.phase_description
  const detail = view.outcome ? ` (${view.outcome})` : ''
  println(ctx.io, `${outcomeWord(outcome)}${detail}: ${view.id} is ${view.phase}: ${why}; exit ${code}`)
  return code
}

function outcomeWord(o: WatchOutcome): string {
  switch (o) {
    case 'completed':
      return 'completed'
    case 'rolled_back':
      return 'ROLLED BACK'
    case 'aborted':
      return 'ABORTED'
    case 'needs_human':
      return 'WAITING FOR A PERSON'
    case 'timed_out':
      return 'TIMED OUT'
    default: {
      const never: never = o
      return never
    }
  }
}
