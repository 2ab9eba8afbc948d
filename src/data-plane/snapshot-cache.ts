/**
 * @module data-plane/snapshot-cache
 * Per-isolate cache of routing snapshots: the data plane's only source of routing truth.
 *
 * - At most one KV read per model per isolate per TTL: reads are single-flight, and a stale entry
 *   is served while one background refresh runs (stale-while-revalidate through `waitUntil`).
 * - The last good snapshot survives KV failures and malformed values; only an isolate that has
 *   never seen the model reports 503.
 * - Epochs never go backwards: an older snapshot (a lagging KV edge cache) never replaces a newer
 *   one, e.g. the one the admin path installed after a rollback in this isolate.
 * - A failed read with nothing good to fall back on is remembered for one TTL too (503 meanwhile),
 *   so an outage costs one KV read per TTL, not one per request, and is never taken for "missing".
 * - A request waits for another request's read at most `waitMs`: on Workers a read started by a
 *   request that was then cancelled may never settle, and must not hang every later request.
 * - Every read, the first one included, gets `readTimeoutMs`: a hanging KV costs a cold isolate a
 *   503 `snapshot_unavailable` within that time (remembered for one TTL), not a hung request.
 */
import { withDeadline } from '../core/deadline'
import { DomainError } from '../core/errors'
import { NAME_RE } from '../schemas/common'
import type { RoutingSnapshot, SnapshotRead } from '../schemas/routing'

interface Entry {
  snapshot: RoutingSnapshot | null
  fetchedAt: number
  refreshing: Promise<void> | null
  /** Why the last read failed while there was no snapshot to keep serving; null otherwise. */
  error: string | null
  /** When the read in `refreshing` started. */
  refreshingSince: number
}

export interface SnapshotCacheOptions {
  ttlMs: number
  now: () => number
  read: (model: string) => Promise<SnapshotRead>
  maxEntries?: number
  /** Longest wait for a read another request started (default 2 s); then this request reads itself. */
  waitMs?: number
  /** Longest wait for one KV read (default 2 s); then it counts as failed. */
  readTimeoutMs?: number
}

export class SnapshotCache {
  private readonly entries = new Map<string, Entry>()
  /** KV reads issued, for tests and the benchmark. */
  reads = 0

  constructor(private opts: SnapshotCacheOptions) {}

  configure(opts: Partial<SnapshotCacheOptions>): void {
    this.opts = { ...this.opts, ...opts }
  }

  /**
   * The cached snapshot while it is fresh; undefined when `get` must run (no entry, a stale one, or
   * a cached "does not exist"). Synchronous, so the hot path awaits nothing for a fresh entry.
   */
  peek(model: string): RoutingSnapshot | undefined {
    const entry = this.entries.get(model)
    if (entry === undefined || entry.snapshot === null) return undefined
    return this.opts.now() - entry.fetchedAt < this.opts.ttlMs ? entry.snapshot : undefined
  }

  /**
   * The current snapshot for `model`, or null if the model does not exist.
   * @param defer schedules background work (ctx.waitUntil) for stale-while-revalidate.
   */
  async get(model: string, defer: (p: Promise<unknown>) => void): Promise<RoutingSnapshot | null> {
    // Not a model name (schemas/common): no such model, without a KV read or an entry. KV refuses
    // keys over 512 bytes, so a long name would otherwise read as an outage (503), not a 404.
    if (!NAME_RE.test(model)) return null
    const entry = this.entries.get(model)
    const now = this.opts.now()
    if (entry === undefined) {
      await this.wait(model)
      return this.current(model)
    }
    if (now - entry.fetchedAt < this.opts.ttlMs) return this.current(model)
    if (entry.snapshot === null) {
      // Never serve a stale "does not exist" or a stale outage: the model may exist by now.
      await this.wait(model)
      return this.current(model)
    }
    defer(this.refresh(model).catch(() => undefined))
    return entry.snapshot
  }

  /** The cached answer: a snapshot, null for "does not exist", or the remembered outage (503). */
  private current(model: string): RoutingSnapshot | null {
    const entry = this.entries.get(model)
    if (entry?.error)
      throw new DomainError('snapshot_unavailable', `routing for ${model} could not be loaded: ${entry.error}`)
    return entry?.snapshot ?? null
  }

  /**
   * Waits for this model's read, starting one if none runs. A read another request started is
   * waited for at most `waitMs`; after that it is dropped and this request reads on its own.
   */
  private async wait(model: string): Promise<void> {
    const inFlight = this.entries.get(model)?.refreshing ?? null
    if (inFlight === null) return this.refresh(model)
    let timer: ReturnType<typeof setTimeout> | undefined
    const gaveUp = new Promise<'gave_up'>(
      (resolve) => (timer = setTimeout(resolve, this.opts.waitMs ?? 2_000, 'gave_up')),
    )
    try {
      if ((await Promise.race([inFlight, gaveUp])) !== 'gave_up') return
    } finally {
      if (timer !== undefined) clearTimeout(timer)
    }
    const e = this.entries.get(model)
    if (e && e.refreshing === inFlight) e.refreshing = null
    return this.refresh(model)
  }

  /** Install a snapshot we know is current (the admin path, right after the coordinator published). */
  put(snapshot: RoutingSnapshot): void {
    const entry = this.entries.get(snapshot.model)
    if (entry?.snapshot && entry.snapshot.epoch > snapshot.epoch) return
    this.set(snapshot.model, {
      snapshot,
      fetchedAt: this.opts.now(),
      refreshing: null,
      error: null,
      refreshingSince: 0,
    })
  }

  clear(): void {
    this.entries.clear()
  }

  /** Starts a read unless one is in flight; one in flight longer than `waitMs` counts as lost. */
  private refresh(model: string): Promise<void> {
    const existing = this.entries.get(model)
    const startedAt = this.opts.now()
    if (existing?.refreshing && startedAt - existing.refreshingSince < (this.opts.waitMs ?? 2_000))
      return existing.refreshing
    const run = (async () => {
      this.reads++
      const timeout = this.opts.readTimeoutMs ?? 2_000
      const result = await withDeadline(this.opts.read(model), timeout, `the KV read of ${model}'s routing`).catch(
        (err: unknown): SnapshotRead => ({ kind: 'error', reason: (err as Error).message }),
      )
      const current = this.entries.get(model)
      const last = current?.snapshot ?? null
      switch (result.kind) {
        case 'found': {
          const keep = last !== null && last.epoch > result.snapshot.epoch ? last : result.snapshot
          this.set(model, {
            snapshot: keep,
            fetchedAt: this.opts.now(),
            refreshing: null,
            error: null,
            refreshingSince: 0,
          })
          return
        }
        case 'missing':
          // A model we have seen never disappears (there is no delete); treat "missing" as a glitch.
          this.set(model, {
            snapshot: last,
            fetchedAt: this.opts.now(),
            refreshing: null,
            error: null,
            refreshingSince: 0,
          })
          return
        case 'error':
          // Keep serving the last good snapshot; with none, remember the outage (503, not 404).
          // Either way KV is tried again after one TTL.
          this.set(model, {
            snapshot: last,
            fetchedAt: this.opts.now(),
            refreshing: null,
            error: last === null ? result.reason : null,
            refreshingSince: 0,
          })
          return
        default: {
          const unknown: never = result
          throw new Error(`unexpected read result ${JSON.stringify(unknown)}`)
        }
      }
    })()
    const entry = existing ?? {
      snapshot: null,
      fetchedAt: Number.NEGATIVE_INFINITY,
      refreshing: null,
      error: null,
      refreshingSince: 0,
    }
    entry.refreshingSince = startedAt
    entry.refreshing = run.finally(() => {
      const e = this.entries.get(model)
      if (e && e.refreshing === entry.refreshing) e.refreshing = null
    })
    if (!existing) this.entries.set(model, entry)
    return entry.refreshing
  }

  private set(model: string, entry: Entry): void {
    this.entries.delete(model)
    this.entries.set(model, entry)
    const max = this.opts.maxEntries ?? 10_000
    if (this.entries.size > max) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
  }
}
