/**
 * @module core/deadline
 * Bounded waits. On Workers a binding call (D1, KV, a Durable Object) can hang: a hung call must
 * cost its caller a bounded time and an error, never a request, a tick or a lock held forever.
 * The call itself is not cancelled (bindings take no signal); its late result is dropped.
 */

export class DeadlineExceeded extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not answer within ${ms} ms`)
    this.name = 'DeadlineExceeded'
  }
}

/** `p`, or a `DeadlineExceeded` rejection after `ms` (no deadline when `ms` is not finite). */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  if (!Number.isFinite(ms)) return p
  let timer: ReturnType<typeof setTimeout> | null = null
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(what, ms)), ms)
  })
  return Promise.race([p, expired]).finally(() => {
    if (timer !== null) clearTimeout(timer)
  })
}
