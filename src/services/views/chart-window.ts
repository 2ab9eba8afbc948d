/**
 * @module services/views/chart-window
 * The time span the model page's charts show by default: from a little before the rollout's start
 * to now, bucketed so the charts stay readable, and which bucket is still filling. Pure.
 */

const MINUTE = 60_000

/** Bucket sizes (minutes) the fitted window may use, smallest that keeps ≤ 120 buckets. */
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120]
const MAX_BUCKETS = 120

export interface FittedWindow {
  fromMinute: number
  toMinute: number
  stepMinutes: number
}

/**
 * From a little before the rollout's start (a fifth of its length, at least 2 minutes) to now
 * (after the end too: the rollback's confirmation and the promoted version's traffic belong to the
 * story); minute-aligned, with a bucket size that keeps the chart to ≤ 120 buckets.
 */
export function fitWindow(startMs: number, now: number): FittedWindow {
  const end = now
  const span = Math.max(MINUTE, end - startMs)
  const history = Math.max(2 * MINUTE, span / 5)
  const toMinute = Math.floor(end / MINUTE)
  const rawFrom = Math.floor((startMs - history) / MINUTE)
  const minutes = toMinute - rawFrom + 1
  const stepMinutes = STEPS.find((s) => minutes / s <= MAX_BUCKETS) ?? Math.ceil(minutes / MAX_BUCKETS)
  // Buckets start on multiples of the step, so the last one is the one holding `now`.
  const fromMinute = Math.floor(rawFrom / stepMinutes) * stepMinutes
  return { fromMinute, toMinute, stepMinutes }
}

/**
 * The start of the bucket holding `now` (still filling), or null when `now` is past the window:
 * from there on points are drawn as partial, not as a drop.
 */
export function partialFrom(fromMs: number, toMs: number, stepMs: number, now: number): number | null {
  if (!(now < toMs)) return null
  return fromMs + Math.max(0, Math.floor((now - fromMs) / stepMs)) * stepMs
}
