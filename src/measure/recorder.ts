/**
 * @module measure/recorder
 * Batches measurements per (model, shard) in the isolate and ships them to the shard's Durable
 * Object. Batches carry an id; a retried batch that already landed is a no-op in the shard, so
 * retries never double count.
 *
 * Request contexts: the request that opens a batch owns it. Its timer flushes the batch, and its
 * `waitUntil` holds the batch's promise, so that invocation stays alive until the shard has
 * acknowledged every record in it. Later requests only append and wait for nothing. Nothing
 * crosses request contexts: a promise created in one request and settled from another is flagged
 * by workerd ("resolved from a different request context"), and continuations of a finished request
 * are cancelled. A full batch is closed to new records and still flushed by its owner's timer.
 */
import type { Measurement } from '../core/metrics/aggregate'
import { fnv1a32 } from '../core/routing/hash'
import { newId } from '../core/ids'
import type { Env } from '../env'

interface Pending {
  model: string
  shard: number
  items: Measurement[]
  done: Promise<void>
  resolve: () => void
  reject: (e: unknown) => void
}

const encoder = new TextEncoder()
const RETRY_DELAYS_MS = [50, 200, 800, 2_000]

/** A request and its outcome must meet in the same shard: shard by the request id. */
export function shardOf(requestId: string, shards: number): number {
  return fnv1a32(encoder.encode(requestId)) % shards
}

export function shardName(model: string, shard: number): string {
  return `${model}#${shard}`
}

export interface RecorderStats {
  batches: number
  records: number
  retries: number
  dropped: number
}

export class MeasurementRecorder {
  private readonly pending = new Map<string, Pending>()
  readonly stats: RecorderStats = { batches: 0, records: 0, retries: 0, dropped: 0 }

  constructor(private readonly opts: { flushMs: number; maxBatch: number }) {}

  /**
   * Queue one measurement. Returns the batch's promise (settled when the shard acknowledged it)
   * to the request that opened the batch, which must hand it to `waitUntil`; null to the others,
   * whose record the owner carries.
   */
  add(env: Env, model: string, shards: number, m: Measurement): Promise<void> | null {
    const shard = shardOf(m.requestId, shards)
    const key = shardName(model, shard)
    const open = this.pending.get(key)
    if (open) {
      open.items.push(m)
      // Full: later records open a new batch; this one still leaves on its owner's timer.
      if (open.items.length >= this.opts.maxBatch) this.pending.delete(key)
      return null
    }
    let resolve!: () => void
    let reject!: (e: unknown) => void
    const done = new Promise<void>((res, rej) => {
      resolve = res
      reject = rej
    })
    const batch: Pending = { model, shard, items: [m], done, resolve, reject }
    if (this.opts.maxBatch > 1) this.pending.set(key, batch)
    setTimeout(() => void this.flush(env, key, batch), this.opts.flushMs)
    return done
  }

  private async flush(env: Env, key: string, batch: Pending): Promise<void> {
    if (this.pending.get(key) === batch) this.pending.delete(key)
    const id = newId('bat')
    const stub = env.METRICS_SHARD.get(env.METRICS_SHARD.idFromName(key))
    for (let attempt = 0; ; attempt++) {
      try {
        await stub.ingest(id, batch.items)
        this.stats.batches++
        this.stats.records += batch.items.length
        batch.resolve()
        return
      } catch (err) {
        const delay = RETRY_DELAYS_MS[attempt]
        if (delay === undefined) {
          this.stats.dropped += batch.items.length
          console.error(`measurement batch ${id} for ${key} dropped after ${attempt + 1} attempts: ${(err as Error).message}`)
          batch.reject(err)
          return
        }
        this.stats.retries++
        await new Promise((r) => setTimeout(r, delay))
      }
    }
  }
}
