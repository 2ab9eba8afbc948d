/**
 * @module adapters/faults
 * Fault injection for tests and `npm run chaos`: wrappers around the D1, KV and Durable Object
 * bindings that fail, hang or slow down on command. Only when the Worker runs with
 * FAULT_INJECTION=on (never in wrangler.toml): src/compose.ts then builds every service, the data
 * plane's and the Durable Objects' included, over the wrapped bindings.
 *
 * The plan lives in module scope, which every request and every Durable Object of the Worker
 * share when they run in one workerd process (Miniflare, `wrangler dev`, the test pool); it is
 * set with `setFaultPlan` (tests in the pool) or `PUT /__faults` (a live gateway).
 */
import type { FaultPlan, FaultState, FaultTarget } from '../schemas/faults'

export type { FaultPlan, FaultTarget }

/** Calls each fault turned away, by target: what a chaos run reports as injected. */
export type FaultCounts = Record<FaultTarget, number>

let plan: FaultPlan = {}
const counts: FaultCounts = { d1: 0, kv: 0, coordinator: 0, shard: 0 }

export function setFaultPlan(next: FaultPlan): void {
  // A copy: the caller's objects changing later must not change the plan in force.
  plan = structuredClone(next)
}

export function faultState(): FaultState {
  return { plan: structuredClone(plan), injected: { ...counts } }
}

export class InjectedFault extends Error {
  constructor(target: FaultTarget, method: string) {
    super(`injected fault: ${target}.${method} failed`)
    this.name = 'InjectedFault'
  }
}

/** Runs `call` through the fault planned for `target`, if any applies to this call. */
async function through<T>(target: FaultTarget, method: string, call: () => Promise<T>): Promise<T> {
  const mode = plan[target]
  if (!mode || (mode.methods && !mode.methods.includes(method)) || Math.random() >= (mode.rate ?? 1)) return call()
  counts[target] += 1
  switch (mode.kind) {
    case 'fail':
      throw new InjectedFault(target, method)
    case 'hang':
      return new Promise<T>(() => undefined)
    case 'delay':
      await new Promise((r) => setTimeout(r, mode.delay_ms ?? 1_000))
      return call()
    default: {
      const never: never = mode.kind
      return never
    }
  }
}

/**
 * An object whose methods go through the target's faults: `methods` are wrapped (their results
 * are awaited, so a synchronous builder like D1's `prepare` must be left out), everything else is
 * passed through, bound to the original.
 */
function faulty<T extends object>(target: FaultTarget, inner: T, methods: ReadonlySet<string> | null): T {
  return new Proxy(inner, {
    get(obj, name, receiver) {
      const value = Reflect.get(obj, name, receiver) as unknown
      if (typeof name !== 'string' || typeof value !== 'function') return value
      if (methods !== null && !methods.has(name)) return (value as (...a: unknown[]) => unknown).bind(obj)
      return (...args: unknown[]) =>
        through(target, name, () => (obj as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!(...args))
    },
  })
}

const KV_METHODS = new Set(['get', 'getWithMetadata', 'put', 'delete', 'list'])
const D1_STATEMENT_METHODS = new Set(['all', 'run', 'raw', 'first'])

function faultyD1(d1: D1Database): D1Database {
  const original = new WeakMap<object, D1PreparedStatement>()
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const w = faulty('d1', stmt, D1_STATEMENT_METHODS)
    const bound = new Proxy(w, {
      get: (obj, name, receiver) =>
        name === 'bind' ? (...v: unknown[]) => wrap(stmt.bind(...v)) : Reflect.get(obj, name, receiver),
    })
    original.set(bound, stmt)
    return bound
  }
  const db: Pick<D1Database, 'prepare' | 'batch' | 'exec'> = {
    prepare: (sql) => wrap(d1.prepare(sql)),
    batch: (stmts) => through('d1', 'batch', () => d1.batch(stmts.map((s) => original.get(s) ?? s))),
    exec: (sql) => through('d1', 'exec', () => d1.exec(sql)),
  }
  return db as D1Database
}

/** A namespace whose stubs' RPC calls go through the target's faults. */
function faultyNamespace<T extends Rpc.DurableObjectBranded | undefined>(
  target: FaultTarget,
  ns: DurableObjectNamespace<T>,
): DurableObjectNamespace<T> {
  return new Proxy(ns, {
    get(obj, name, receiver) {
      const value = Reflect.get(obj, name, receiver) as unknown
      if (name !== 'get' || typeof value !== 'function') {
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(obj) : value
      }
      return (...args: Parameters<DurableObjectNamespace<T>['get']>) => {
        const stub = obj.get(...args) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>
        // A stub turns any property into an RPC: forward each call by name (never `.apply`).
        return new Proxy({} as Record<string, unknown>, {
          get: (_t, method) =>
            typeof method !== 'string' || method === 'then'
              ? undefined
              : (...a: unknown[]) => through(target, method, () => stub[method]!(...a)),
        })
      }
    },
  })
}

/** The bindings with faults injectable, for a Worker running with FAULT_INJECTION=on. */
export function faultyBindings(env: Env): Env {
  return {
    ...env,
    DB: faultyD1(env.DB),
    ROUTING: faulty('kv', env.ROUTING, KV_METHODS),
    MODEL_COORDINATOR: faultyNamespace('coordinator', env.MODEL_COORDINATOR),
    METRICS_SHARD: faultyNamespace('shard', env.METRICS_SHARD),
  }
}
