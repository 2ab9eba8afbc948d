/**
 * @module measure/recorder
 * Batches measurements per (model, shard) in the isolate and ships them to the shard's Durable
 * Object. Each request's `waitUntil` holds the promise of the batch that carries its measurement,
 * so the runtime keeps the invocation alive until the shard has acknowledged it: batching never
 * loses a record that a client response was counted for. Batches carry an id; a retried batch that
 * already landed is a no-op in the shard, so retries never double count.
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
  timer: ReturnType<typeof setTimeout> | null
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

  /** Queue one measurement; resolves when its batch has been acknowledged by the shard. */
  add(env: Env, model: string, shards: number, m: Measurement): Promise<void> {
    const shard = shardOf(m.requestId, shards)
    const key = shardName(model, shard)
    let p = this.pending.get(key)
    if (!p) {
      let resolve!: () => void
      let reject!: (e: unknown) => void
      const done = new Promise<void>((res, rej) => {
        resolve = res
        reject = rej
      })
      p = { model, shard, items: [], done, resolve, reject, timer: null }
      this.pending.set(key, p)
      const batch = p
      batch.timer = setTimeout(() => void this.flush(env, key, batch), this.opts.flushMs)
    }
    p.items.push(m)
    if (p.items.length >= this.opts.maxBatch) {
      if (p.timer) clearTimeout(p.timer)
      void this.flush(env, key, p)
    }
    return p.done
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
