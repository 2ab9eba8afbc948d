/**
 * @module core/routing/publish-pacer
 * Writes the latest snapshot to a rate-limited key (KV allows one write per second per key)
 * without ever making a caller wait for a snapshot older than its own.
 *
 * Calls made while a write is pending or the key is cooling down are coalesced: only the newest
 * snapshot is written, and every caller whose epoch it covers is released by that one write. A burst
 * of N changes therefore costs about one interval, not N. Clock and sleep are injected for tests.
 */

export interface PacerOptions<T> {
  minIntervalMs: number
  now: () => number
  sleep: (ms: number) => Promise<void>
  write: (snapshot: T) => Promise<void>
}

interface Waiter {
  epoch: number
  resolve: () => void
  reject: (err: unknown) => void
}

export class PublishPacer<T extends { epoch: number }> {
  private latest: T | null = null
  private writtenEpoch = -1
  private lastWriteAt = Number.NEGATIVE_INFINITY
  private waiters: Waiter[] = []
  /**
   * Whether a write loop is running. Cleared by the loop itself, synchronously as it exits: a flag
   * cleared in a `.finally` would still be set when a caller released by the last write publishes
   * again, and that publish would start no loop and wait for some later one.
   */
  private running = false

  constructor(private readonly opts: PacerOptions<T>) {}

  /** Epoch of the newest snapshot known to be written. */
  get published(): number {
    return this.writtenEpoch
  }

  /** Record an epoch found already written (e.g. read back after a restart). */
  markPublished(epoch: number): void {
    if (epoch > this.writtenEpoch) this.writtenEpoch = epoch
    this.settle(epoch, undefined)
  }

  /** Resolves once a snapshot with epoch ≥ `snapshot.epoch` has been written. */
  publish(snapshot: T): Promise<void> {
    if (snapshot.epoch <= this.writtenEpoch) return Promise.resolve()
    if (this.latest === null || snapshot.epoch > this.latest.epoch) this.latest = snapshot
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ epoch: snapshot.epoch, resolve, reject }))
    if (!this.running) {
      this.running = true
      void this.run()
    }
    return done
  }

  private async run(): Promise<void> {
    try {
      await this.drain()
    } catch (err) {
      // Only a failing sleep gets here (write errors are handled in the loop): release everyone
      // waiting with it so that nobody waits for a loop that has stopped.
      this.running = false
      this.settle(Number.POSITIVE_INFINITY, err)
    }
  }

  // `running` is cleared at the end of this loop, in the same synchronous step as its last check:
  // no caller released by the last write can run in between.
  private async drain(): Promise<void> {
    while (this.latest !== null && this.latest.epoch > this.writtenEpoch) {
      const wait = this.lastWriteAt + this.opts.minIntervalMs - this.opts.now()
      if (wait > 0) await this.opts.sleep(wait)
      const snapshot = this.latest
      try {
        await this.opts.write(snapshot)
      } catch (err) {
        // Release everyone covered by this attempt with the error; newer callers retry on their own.
        this.settle(snapshot.epoch, err)
        this.lastWriteAt = this.opts.now()
        if (this.latest === snapshot) this.latest = null
        continue
      }
      this.lastWriteAt = this.opts.now()
      this.writtenEpoch = snapshot.epoch
      this.settle(snapshot.epoch, undefined)
    }
    this.running = false
  }

  private settle(upTo: number, err: unknown): void {
    const keep: Waiter[] = []
    for (const w of this.waiters) {
      if (w.epoch > upTo) keep.push(w)
      else if (err === undefined) w.resolve()
      else w.reject(err)
    }
    this.waiters = keep
  }
}
