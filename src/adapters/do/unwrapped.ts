/**
 * @module adapters/do/unwrapped
 * Durable Object RPC methods answer `Result<T>` (see durable-objects/rpc). Callers hold an
 * `Unwrapped` view of the stub instead: the same methods, answering `T` and throwing the rebuilt
 * DomainError, so no caller handles a Result by hand.
 */
import { withDeadline } from '../../core/deadline'
import { DomainError, unwrap, type Result } from '../../core/errors'

/** The methods of an RPC contract, each answering its value instead of a Result. */
export type Unwrapped<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<Result<infer R>> ? (...args: A) => Promise<R> : never
}

/** The default DO_TIMEOUT_MS (config/settings). */
export const DEFAULT_DEADLINE_MS = 20_000

/** How a client waits: `what` names the object in errors; a call gets `deadlineMs` to answer. */
export interface CallPolicy {
  what: string
  deadlineMs: number
}

/**
 * Wraps a stub (typed by its contract `T`) so every method call unwraps its Result. Calls are
 * forwarded by name: a Durable Object stub is itself a proxy that turns any property into an RPC.
 *
 * A call that throws (the object is overloaded, was reset, cannot be reached) or does not answer
 * within the deadline is a `storage_unavailable` DomainError (503 with a retry hint), never a 500
 * or a hung caller. The object may still finish the call: every command is safe to retry (an
 * If-Match, a rollout already started, or an already-applied change answers so).
 */
export function unwrapped<T extends object>(stub: T, policy: CallPolicy): Unwrapped<T> {
  return new Proxy({} as Unwrapped<T>, {
    get(_target, name) {
      // Not a method: awaiting or inspecting the client must not turn into an RPC.
      if (typeof name !== 'string' || name === 'then') return undefined
      // Called as a method of the stub: `stub[name].apply(...)` would be taken by the RPC stub
      // as a remote property named `apply`.
      const target = stub as unknown as Record<string, (...args: unknown[]) => Promise<Result<unknown>>>
      return async (...args: unknown[]) => {
        let result: Result<unknown>
        try {
          result = await withDeadline(target[name]!(...args), policy.deadlineMs, `${policy.what} (${name})`)
        } catch (err) {
          console.error(`${policy.what}.${name}: ${(err as Error)?.message ?? String(err)}`)
          throw new DomainError(
            'storage_unavailable',
            `${policy.what} is unavailable; the request can be retried shortly`,
            {
              cause: err,
            },
          )
        }
        return unwrap(result)
      }
    },
  })
}

/** What the clients need of a Durable Object namespace (any class: the contract types the stub). */
export interface StubSource {
  idFromName(name: string): DurableObjectId
  get(id: DurableObjectId): unknown
}
