/**
 * @module adapters/do/unwrapped
 * Durable Object RPC methods answer `Result<T>` (see durable-objects/rpc). Callers hold an
 * `Unwrapped` view of the stub instead: the same methods, answering `T` and throwing the rebuilt
 * DomainError, so no caller handles a Result by hand.
 */
import { unwrap, type Result } from '../../core/errors'

/** The methods of an RPC contract, each answering its value instead of a Result. */
export type Unwrapped<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<Result<infer R>> ? (...args: A) => Promise<R> : never
}

/**
 * Wraps a stub (typed by its contract `T`) so every method call unwraps its Result. Calls are
 * forwarded by name: a Durable Object stub is itself a proxy that turns any property into an RPC.
 */
export function unwrapped<T extends object>(stub: T): Unwrapped<T> {
  return new Proxy({} as Unwrapped<T>, {
    get(_target, name) {
      // Not a method: awaiting or inspecting the client must not turn into an RPC.
      if (typeof name !== 'string' || name === 'then') return undefined
      // Called as a method of the stub: `stub[name].apply(...)` would be taken by the RPC stub
      // as a remote property named `apply`.
      const target = stub as unknown as Record<string, (...args: unknown[]) => Promise<Result<unknown>>>
      return async (...args: unknown[]) => unwrap(await target[name]!(...args))
    },
  })
}

/** What the clients need of a Durable Object namespace (any class: the contract types the stub). */
export interface StubSource {
  idFromName(name: string): DurableObjectId
  get(id: DurableObjectId): unknown
}
