/**
 * @module ui/collapse
 * Runs of repeated entries folded into one line, so the decisive verdicts stand out: a stage that
 * waits for 38 ticks reads "CONTINUE ×38 — waiting for repaid: 412 of 1,000 matured" (the latest
 * numbers), in the stage timeline and in the audit log. Pure.
 */

export interface Run<T> {
  /** The run's entries, in input order. */
  items: T[]
  count: number
  /** The last entry of the run in input order. */
  last: T
  /** The first entry of the run in input order. */
  first: T
}

/**
 * Consecutive entries with the same non-null key become one run; a null key never joins a run.
 * @example collapseRuns(['a', 'a', 'b'], (x) => x).map((r) => r.count) // [2, 1]
 */
export function collapseRuns<T>(items: readonly T[], key: (item: T) => string | null): Array<Run<T>> {
  const out: Array<Run<T>> = []
  let prevKey: string | null = null
  for (const item of items) {
    const k = key(item)
    const current = out.at(-1)
    if (current !== undefined && k !== null && k === prevKey) {
      current.items.push(item)
      current.count++
      current.last = item
    } else {
      out.push({ items: [item], count: 1, first: item, last: item })
    }
    prevKey = k
  }
  return out
}

/** A verdict of the timeline: repeated non-decisive CONTINUEs of one step fold together. */
export function verdictRunKey(v: { decision: string; decisive: boolean; step_index: number }): string | null {
  return v.decision === 'CONTINUE' && !v.decisive ? `continue-${v.step_index}` : null
}

/** An audit entry: the controller's repeated non-decisive CONTINUE verdicts of one rollout step fold together. */
export function auditRunKey(e: { action: string; target: string; after: unknown }): string | null {
  if (e.action !== 'rollout.verdict' || typeof e.after !== 'object' || e.after === null) return null
  const a = e.after as { decision?: unknown; decisive?: unknown; step?: unknown }
  return a.decision === 'CONTINUE' && a.decisive !== true ? `${e.target}-${String(a.step)}` : null
}

/** "CONTINUE ×38 — waiting for repaid: 412 of 1,000 matured": the count and the latest reason. */
export function runLine(decision: string, count: number, latestReason: string): string {
  const reason = latestReason.replace(new RegExp(`^${decision}\\s*[:—-]\\s*`), '')
  return count > 1 ? `${decision} ×${count.toLocaleString('en-US')} — ${reason}` : `${decision}: ${reason}`
}

/**
 * The verdict history (D1, written through the outbox, so it may lag a tick behind) joined with the
 * rollout's own recent verdicts (its state, always current): one entry per time and step, oldest
 * first.
 */
export function mergeVerdicts<V extends { at: string; step_index: number }>(
  history: readonly V[],
  recent: readonly V[],
): V[] {
  const byKey = new Map<string, V>()
  for (const v of [...history, ...recent]) byKey.set(`${Date.parse(v.at)}|${v.step_index}`, v)
  return [...byKey.values()].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
}
