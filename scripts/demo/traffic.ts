/**
 * Live traffic for `npm run demo`: applicants scored through the gateway at a steady rate, and
 * each approved loan's outcome reported to /v1/outcomes after its delay.
 */
import type { Gateway } from './client'
import { loanOutcome, type Case } from './simulation'

export interface VersionTally {
  requests: number
  approved: number
  repaid: number
}

export interface TrafficStats {
  sent: number
  ok: number
  /** Non-200 answers by status, and network errors/timeouts under "network". */
  failed: Record<string, number>
  /** The first body seen per failure kind. */
  failedSample: Record<string, string>
  byVersion: Record<string, VersionTally>
}

interface PendingOutcome {
  dueAt: number
  requestedAt: number
  item: { request_id: string; value: number; metric: string }
}

/** Collects outcomes from every driver and posts the due ones in batches. */
export class OutcomeSink {
  private queue: PendingOutcome[] = []
  private timer: NodeJS.Timeout | null = null
  private busy = false
  readonly stats = {
    queued: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    dropped: 0,
    postErrors: 0,
    reasons: {} as Record<string, number>,
  }

  constructor(
    private readonly gw: Gateway,
    /** Outcomes older than this are not retried (the attribution window is 60 s). */
    private readonly maxAgeMs = 50_000,
  ) {}

  add(o: PendingOutcome): void {
    this.queue.push(o)
    this.stats.queued++
  }

  start(everyMs = 500): void {
    this.timer = setInterval(() => void this.flush(Date.now()), everyMs)
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  pending(): number {
    return this.queue.length
  }

  async flush(now: number): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      const due = this.queue.filter((o) => o.dueAt <= now).slice(0, 1_000)
      if (due.length === 0) return
      const taken = new Set(due)
      this.queue = this.queue.filter((o) => !taken.has(o))
      try {
        const r = await this.gw.outcomes(due.map((o) => o.item))
        this.stats.accepted += r.accepted
        this.stats.duplicates += r.duplicates
        this.stats.rejected += r.rejected
        for (const x of r.results)
          if (x.status === 'rejected')
            this.stats.reasons[x.reason ?? '?'] = (this.stats.reasons[x.reason ?? '?'] ?? 0) + 1
      } catch {
        this.stats.postErrors++
        // Put them back for the next round unless they are about to leave the attribution window.
        for (const o of due) {
          if (now - o.requestedAt < this.maxAgeMs) this.queue.push(o)
          else this.stats.dropped++
        }
      }
    } finally {
      this.busy = false
    }
  }
}

/** Scores one model's applicants at `rate` requests/s with at most `maxInFlight` in flight. */
export class TrafficDriver {
  readonly stats: TrafficStats = { sent: 0, ok: 0, failed: {}, failedSample: {}, byVersion: {} }
  private timer: NodeJS.Timeout | null = null
  private inFlight = new Set<Promise<void>>()
  private seq = 0
  private t0 = 0
  private launched = 0

  constructor(
    private readonly gw: Gateway,
    readonly model: string,
    private readonly nextCase: () => Case,
    private readonly sink: OutcomeSink,
    private currentRate: number,
    private readonly opts: { metric: string; unitPrefix: string; maxInFlight?: number },
  ) {}

  get rate(): number {
    return this.currentRate
  }

  get running(): boolean {
    return this.timer !== null
  }

  start(): void {
    if (this.timer) return
    this.t0 = Date.now()
    this.launched = 0
    this.timer = setInterval(() => this.pump(), 20)
  }

  /** Changes the rate from now on (no-op when unchanged). */
  setRate(rate: number): void {
    if (rate === this.currentRate) return
    this.currentRate = rate
    this.t0 = Date.now()
    this.launched = 0
  }

  /** Stops sending and waits (bounded) for the requests in flight. */
  async stop(waitMs = 5_000): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, waitMs))])
  }

  private pump(): void {
    const now = Date.now()
    let due = Math.floor((this.currentRate * (now - this.t0)) / 1000) - this.launched
    const cap = this.opts.maxInFlight ?? 48
    if (due > this.currentRate) {
      // The gateway fell behind: do not burst to catch up, just continue at the rate from now.
      this.t0 = now
      this.launched = 0
      due = 0
    }
    while (due > 0 && this.inFlight.size < cap) {
      due--
      this.launched++
      const p = this.one().finally(() => this.inFlight.delete(p))
      this.inFlight.add(p)
    }
  }

  private async one(): Promise<void> {
    const c = this.nextCase()
    const unit = `${this.opts.unitPrefix}-${String(this.seq++).padStart(6, '0')}`
    this.stats.sent++
    let r
    try {
      r = await this.gw.predict(this.model, unit, c.applicant)
    } catch (e) {
      this.stats.failed.network = (this.stats.failed.network ?? 0) + 1
      this.stats.failedSample.network ??= (e as Error).message
      return
    }
    if (r.status !== 200) {
      const key = r.problem ? `${r.status} ${r.problem}` : String(r.status)
      this.stats.failed[key] = (this.stats.failed[key] ?? 0) + 1
      this.stats.failedSample[key] ??= (r.body ?? '').replace(/\s+/g, ' ').slice(0, 160)
      return
    }
    this.stats.ok++
    const version = r.version ?? '?'
    const tally = (this.stats.byVersion[version] ??= { requests: 0, approved: 0, repaid: 0 })
    tally.requests++
    const value = loanOutcome(c, r.label)
    if (value === null || r.requestId === null) return
    tally.approved++
    tally.repaid += value
    const now = Date.now()
    this.sink.add({
      dueAt: now + c.delayMs,
      requestedAt: now,
      item: { request_id: r.requestId, value, metric: this.opts.metric },
    })
  }
}
