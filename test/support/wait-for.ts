/**
 * Waiting in tests: a bounded poll for a condition, never a bare sleep. The bound is only there so
 * that a condition that never comes fails with `what` instead of the test's own timeout; it is not
 * a claim about speed, so keep it generous (a busy 2-core machine runs everything several times
 * slower).
 */
export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number
  /** Pause between checks (default 50 ms). */
  intervalMs?: number
}

/** Polls `check` until it answers something other than undefined/false, and answers that. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  opts: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000)
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`)
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50))
  }
}
