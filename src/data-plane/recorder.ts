/**
 * @module data-plane/recorder
 * Aggregates measurements per (model, shard) in the isolate and ships each batch to the shard's
 * Durable Object as rows (see core/metrics/aggregate AggRow): a shard merges a handful of rows per
 * batch, however many requests the batch holds. Batches carry an id; a retried batch that already
 * landed is a no-op in the shard, so retries never double count.
 *
 * Shards: a shadow copy goes to the shard of its request id, where its outcome will arrive
 * (counterfactual scoring pairs them there). Plain request counts can land on any shard, since
 * gates and series sum every shard, so an isolate puts them in whichever batch of the model is open,
 * or opens one on a random shard: one batch per model and flush interval instead of one per shard,
 * while many isolates still spread over all shards.
 *
 * Request contexts: the request that opens a batch owns it. Its timer flushes the batch, and its
 * `waitUntil` holds the batch's promise, so that invocation stays alive until the shard has
 * acknowledged every record in it. Later requests only add and wait for nothing. Nothing crosses
 * request contexts: a promise created in one request and settled from another is flagged by
 * workerd ("resolved from a different request context"), and continuations of a finished request
 * are cancelled. A full batch is closed to new records and still flushed by its owner's timer.
 *
 * Loss: a batch whose every attempt failed is dropped. Its counts (records, and one batch) stay in
 * the isolate, per model, and the next batch of that model to leave carries them (`dropped`); the
 * shard adds them to its Prometheus loss counters when that batch lands (once: batch ids make
 * retries no-ops). A batch takes the counts it carries out of the isolate's tally while in flight,
 * so two batches never report the same loss, and gives them back if it is dropped too. What is
 * still lost: the counts of an isolate that ends (evicted, redeployed, crashed) before another
 * batch of that model lands, and, until one lands, the counts of a model that gets no more traffic
 * in this isolate. The measurements themselves are gone either way; only their number is kept.
 */
import {
  addMeasurement,
  type AggRow,
  type Measurement,
  type MeasurementBatch,
  type ShadowMeasurement,
} from '../core/metrics/aggregate'
import type { DroppedCounts } from '../core/metrics/prometheus'
import { shardName, shardOf } from '../core/metrics/shards'
import { newId } from '../core/ids'

interface Pending {
  key: string
  model: string
  rows: Map<string, AggRow>
  shadows: ShadowMeasurement[]
  /** Measurements added (the batch closes at maxBatch). */
  records: number
  done: Promise<void>
  resolve: () => void
  reject: (e: unknown) => void
}

const RETRY_DELAYS_MS = [50, 200, 800, 2_000]

export interface RecorderStats {
  batches: number
  records: number
  retries: number
  /** Records in batches dropped after every retry failed. */
  dropped: number
  /** Batches dropped after every retry failed. */
  droppedBatches: number
}

export interface RecorderOptions {
  flushMs: number
  maxBatch: number
  /** Picks the shard of a batch opened for request counts; injected by tests. */
  random?: () => number
  /** Delivers one batch to the shard named `shard` (idempotent per batch id). */
  ship: (shard: string, batchId: string, batch: MeasurementBatch) => Promise<unknown>
}

export class MeasurementRecorder {
  private readonly pending = new Map<string, Pending>()
  /** Per model: the open batch that takes request counts. */
  private readonly requestBatch = new Map<string, Pending>()
  readonly stats: RecorderStats = { batches: 0, records: 0, retries: 0, dropped: 0, droppedBatches: 0 }
  /** Per model: losses not yet reported to a shard (and not carried by a batch in flight). */
  private readonly unreported = new Map<string, DroppedCounts>()
  private readonly random: () => number

  constructor(private readonly opts: RecorderOptions) {
    this.random = opts.random ?? Math.random
  }

  /**
   * Queue one measurement. Returns the batch's promise (settled when the shard acknowledged it)
   * to the request that opened the batch, which must hand it to `waitUntil`; null to the others,
   * whose record the owner carries.
   */
  add(model: string, shards: number, m: Measurement): Promise<void> | null {
    let batch: Pending | undefined
    let key: string
    if (m.type === 'shadow') {
      key = shardName(model, shardOf(m.requestId, shards))
      batch = this.pending.get(key)
    } else {
      batch = this.requestBatch.get(model)
      key = batch?.key ?? shardName(model, Math.floor(this.random() * shards) % shards)
      batch ??= this.pending.get(key)
    }
    let opened: Promise<void> | null = null
    if (!batch) {
      batch = this.open(key, model)
      opened = batch.done
    }
    if (m.type === 'request') this.requestBatch.set(model, batch)
    addMeasurement(batch.rows, m)
    if (m.type === 'shadow') batch.shadows.push(m)
    // Full: later records open a new batch; this one still leaves on its owner's timer.
    if (++batch.records >= this.opts.maxBatch) this.close(batch)
    return opened
  }

  private open(key: string, model: string): Pending {
    let resolve!: () => void
    let reject!: (e: unknown) => void
    const done = new Promise<void>((res, rej) => {
      resolve = res
      reject = rej
    })
    const batch: Pending = { key, model, rows: new Map(), shadows: [], records: 0, done, resolve, reject }
    this.pending.set(key, batch)
    setTimeout(() => void this.flush(batch), this.opts.flushMs)
    return batch
  }

  /** Takes the batch out of the maps, so that no further record joins it. */
  private close(batch: Pending): void {
    if (this.pending.get(batch.key) === batch) this.pending.delete(batch.key)
    for (const [model, b] of this.requestBatch) if (b === batch) this.requestBatch.delete(model)
  }

  private async flush(batch: Pending): Promise<void> {
    this.close(batch)
    const id = newId('bat')
    const payload: MeasurementBatch = { rows: [...batch.rows.values()], shadows: batch.shadows }
    // Earlier losses of this model ride along, taken out of the tally while this batch is in flight.
    const carried = this.unreported.get(batch.model)
    if (carried !== undefined) {
      this.unreported.delete(batch.model)
      payload.dropped = carried
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.opts.ship(batch.key, id, payload)
        this.stats.batches++
        this.stats.records += batch.records
        batch.resolve()
        return
      } catch (err) {
        const delay = RETRY_DELAYS_MS[attempt]
        if (delay === undefined) {
          this.stats.dropped += batch.records
          this.stats.droppedBatches++
          this.lose(batch.model, {
            records: batch.records + (carried?.records ?? 0),
            batches: 1 + (carried?.batches ?? 0),
          })
          console.error(
            `measurement batch ${id} for ${batch.key} dropped after ${attempt + 1} attempts: ${(err as Error).message}`,
          )
          batch.reject(err)
          return
        }
        this.stats.retries++
        await new Promise((r) => setTimeout(r, delay))
      }
    }
  }

  /** Adds losses to the model's tally, for its next batch to report. */
  private lose(model: string, n: DroppedCounts): void {
    const cur = this.unreported.get(model)
    this.unreported.set(model, cur ? { records: cur.records + n.records, batches: cur.batches + n.batches } : n)
  }

  /** Losses of `model` not yet reported (nor carried by a batch in flight); for tests and diagnostics. */
  unreportedLoss(model: string): DroppedCounts | null {
    return this.unreported.get(model) ?? null
  }
}
