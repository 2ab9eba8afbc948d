/**
 * @module gateway/snapshot-cache
 * Per-isolate cache of routing snapshots: the data plane's only source of routing truth.
 *
 * - At most one KV read per model per isolate per TTL: reads are single-flight, and a stale entry
 *   is served while one background refresh runs (stale-while-revalidate through `waitUntil`).
 * - The last good snapshot survives KV failures and malformed values; only an isolate that has
 *   never seen the model reports 503.
 * - Epochs never go backwards: an older snapshot (a lagging KV edge cache) never replaces a newer
 *   one, e.g. the one the admin path installed after a rollback in this isolate.
 */
import { DomainError } from '../core/errors'
import type { RoutingSnapshot } from '../schemas/routing'
import type { SnapshotRead } from '../adapters/kv/routing-snapshot-store'

interface Entry {
  snapshot: RoutingSnapshot | null
  fetchedAt: number
  refreshing: Promise<void> | null
}

export interface SnapshotCacheOptions {
  ttlMs: number
  now: () => number
  read: (model: string) => Promise<SnapshotRead>
  maxEntries?: number
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
    const entry = this.entries.get(model)
    const now = this.opts.now()
    if (entry === undefined) {
      await this.refresh(model, true)
      return this.entries.get(model)?.snapshot ?? null
    }
    if (now - entry.fetchedAt < this.opts.ttlMs) return entry.snapshot
    if (entry.snapshot === null) {
      // Never serve a stale "does not exist": the model may have been created meanwhile.
      await this.refresh(model, false)
      return this.entries.get(model)?.snapshot ?? null
    }
    defer(this.refresh(model, false).catch(() => undefined))
    return entry.snapshot
  }

  /** Install a snapshot we know is current (the admin path, right after the coordinator published). */
  put(snapshot: RoutingSnapshot): void {
    const entry = this.entries.get(snapshot.model)
    if (entry?.snapshot && entry.snapshot.epoch > snapshot.epoch) return
    this.set(snapshot.model, { snapshot, fetchedAt: this.opts.now(), refreshing: null })
  }

  clear(): void {
    this.entries.clear()
  }

  private refresh(model: string, initial: boolean): Promise<void> {
    const existing = this.entries.get(model)
    if (existing?.refreshing) return existing.refreshing
    const run = (async () => {
      this.reads++
      const result = await this.opts.read(model)
      const current = this.entries.get(model)
      const last = current?.snapshot ?? null
      switch (result.kind) {
        case 'found': {
          const keep = last !== null && last.epoch > result.snapshot.epoch ? last : result.snapshot
          this.set(model, { snapshot: keep, fetchedAt: this.opts.now(), refreshing: null })
          return
        }
        case 'missing':
          // A model we have seen never disappears (there is no delete); treat "missing" as a glitch.
          this.set(model, { snapshot: last, fetchedAt: this.opts.now(), refreshing: null })
          return
        case 'error':
          if (last === null && initial) {
            this.entries.delete(model)
            throw new DomainError('snapshot_unavailable', `routing for ${model} could not be loaded: ${result.reason}`)
          }
          // Keep serving the last good snapshot; try KV again after one TTL.
          this.set(model, { snapshot: last, fetchedAt: this.opts.now(), refreshing: null })
          return
        default: {
          const unknown: never = result
          throw new Error(`unexpected read result ${JSON.stringify(unknown)}`)
        }
      }
    })()
    const entry = existing ?? { snapshot: null, fetchedAt: Number.NEGATIVE_INFINITY, refreshing: null }
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
