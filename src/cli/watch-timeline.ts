/**
 * @module cli/watch-timeline
 * A followed rollout's decisions, each printed once and in order: the gate verdicts and timeline
 * events of successive GET /admin/rollouts/{id} answers, deduplicated by what they are (time, kind,
 * step, decision), since every answer repeats the ones before.
 *
 * The view keeps every decisive verdict but only the newest few ordinary ones per step
 * (`VERDICTS_KEPT_PER_STEP`, core/rollout/record.ts). When a poll may have missed some (the
 * gateway ticked more often than the CLI polled), `mayHaveDropped` says so and the watch fills the
 * gap from the verdict history (GET /admin/rollouts/{id}/verdicts).
 */
import { CONTROLLER, VERDICTS_KEPT_PER_STEP } from '../core/rollout/record'
import type { RolloutView, VerdictView } from './api-types'
import { time } from './format'
import { stepLabel, withDecision } from './rollout-view'

type EventView = RolloutView['events'][number]

export type TimelineEntry =
  | { kind: 'verdict'; key: string; at: number; verdict: VerdictView }
  | { kind: 'event'; key: string; at: number; event: EventView }

export function verdictEntry(v: VerdictView): TimelineEntry {
  return { kind: 'verdict', key: `v|${v.at}|${v.step_index}|${v.decision}`, at: Date.parse(v.at), verdict: v }
}

function eventEntry(e: EventView): TimelineEntry {
  return { kind: 'event', key: `e|${e.at}|${e.type}|${e.actor}|${e.reason}`, at: Date.parse(e.at), event: e }
}

/** Oldest first; at the same instant the verdict comes before the event it caused. */
export function ordered(entries: readonly TimelineEntry[]): TimelineEntry[] {
  const rank = (e: TimelineEntry) => (e.kind === 'verdict' ? 0 : 1)
  return [...entries].sort((a, b) => a.at - b.at || rank(a) - rank(b))
}

/** What a follower has printed so far. */
export class Timeline {
  private readonly seen = new Set<string>()
  /** The newest entry printed; history rows older than it are not news. */
  private newest = -Infinity

  /** The entries of `view` (and `extra` verdicts, from the history) not returned before, in order. */
  take(view: RolloutView, extra: readonly VerdictView[] = []): TimelineEntry[] {
    const floor = this.newest
    const fresh: TimelineEntry[] = []
    for (const e of ordered([
      ...view.verdicts.map(verdictEntry),
      ...view.events.map(eventEntry),
      ...extra.map(verdictEntry).filter((x) => x.at > floor),
    ])) {
      if (this.seen.has(e.key)) continue
      this.seen.add(e.key)
      this.newest = Math.max(this.newest, e.at)
      fresh.push(e)
    }
    return fresh
  }

  /**
   * Whether the view may have dropped ordinary verdicts this follower never saw: some step keeps
   * as many as the view holds per step, none of which was printed, after something was printed.
   */
  mayHaveDropped(view: RolloutView): boolean {
    if (this.newest === -Infinity) return false
    const byStep = new Map<number, VerdictView[]>()
    for (const v of view.verdicts) {
      if (v.decisive) continue
      byStep.set(v.step_index, [...(byStep.get(v.step_index) ?? []), v])
    }
    return [...byStep.values()].some(
      (vs) => vs.length >= VERDICTS_KEPT_PER_STEP && vs.every((v) => !this.seen.has(verdictEntry(v).key)),
    )
  }
}

/** One line per entry: time, then what was decided and why. */
export function entryLine(e: TimelineEntry, r: Pick<RolloutView, 'plan'>): string {
  if (e.kind === 'verdict') {
    const v = e.verdict
    return `${time(v.at)}  verdict ${stepLabel(r, v.step_index)}: ${withDecision(v)}${v.decisive ? ' (decisive)' : ''}`
  }
  const ev = e.event
  const by = ev.actor === CONTROLLER ? '' : ` (by ${ev.actor})`
  return `${time(ev.at)}  ${ev.type}: ${ev.reason}${by}`
}

/** The entry as one JSON line (--json), for scripts that read the stream. */
export function entryJson(e: TimelineEntry): Record<string, unknown> {
  return e.kind === 'verdict' ? { kind: 'verdict', ...e.verdict } : { kind: 'event', ...e.event }
}
