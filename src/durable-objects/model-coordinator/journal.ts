/**
 * @module durable-objects/model-coordinator/journal
 * The coordinator's audit chain and outbox. Every change is committed to the object's storage
 * first, in one atomic `put` with its audit entry and an outbox record; the outbox then goes to
 * D1 (history, audit, rollouts, incidents). A D1 failure leaves the records in the outbox and arms
 * the alarm, so D1 trouble delays history but never loses a committed change.
 */
import type { OutboxRecord } from '../../adapters/d1/outbox'
import { GENESIS_HASH, sealEntry, type AuditEntry } from '../../core/audit/chain'
import { newId } from '../../core/ids'
import type { AuditFacts } from '../../services/coordinator/ports'

export interface AuditHead {
  seq: number
  hash: string
}

const OUTBOX_PREFIX = 'outbox:'
const RETRY_DELAY_MS = 2_000

export interface JournalDeps {
  storage: DurableObjectStorage
  /** Writes outbox records to D1 (idempotent: a replay after a partial failure changes nothing). */
  writeHistory: (records: OutboxRecord[]) => Promise<void>
  armAlarm: (at: number) => Promise<void>
  /** For log lines. */
  label: () => string
}

export class Journal {
  head: AuditHead = { seq: 0, hash: GENESIS_HASH }
  private outboxSeq = 0
  private appendLock: Promise<unknown> = Promise.resolve()
  private flushing: Promise<void> | null = null

  constructor(private readonly deps: JournalDeps) {}

  /** Restores the head and sequence from the keys `load` read (see the coordinator). */
  restore(head: AuditHead | undefined, outboxSeq: number | undefined): void {
    this.head = head ?? { seq: 0, hash: GENESIS_HASH }
    this.outboxSeq = outboxSeq ?? 0
  }

  static readonly KEYS = ['head', 'outbox_seq'] as const

  /**
   * One atomic write: `facts` sealed into the chain (when given), `records(entry)` in the outbox
   * (when any), and `extra` keys (the model's new state, a rollout, an incident...).
   */
  write(w: {
    audit?: AuditFacts | undefined
    stream: string
    at: string
    records: (entry: AuditEntry | null) => OutboxRecord[]
    extra?: Record<string, unknown>
  }): Promise<AuditEntry | null> {
    return this.appending(async () => {
      const entry = w.audit === undefined ? null : await this.seal(w.audit, w.stream, w.at)
      const records = w.records(entry)
      const seq = records.length > 0 ? this.outboxSeq + 1 : this.outboxSeq
      await this.deps.storage.put({
        ...(w.extra ?? {}),
        ...(entry ? { head: { seq: entry.seq, hash: entry.hash } } : {}),
        ...(records.length > 0 ? { outbox_seq: seq, [outboxKey(seq)]: records } : {}),
      })
      this.outboxSeq = seq
      if (entry) this.head = { seq: entry.seq, hash: entry.hash }
      return entry
    })
  }

  /** Seals `facts` and commits it with `records(entry)` and `extra` keys in one atomic put. */
  async commit(
    facts: AuditFacts,
    stream: string,
    at: string,
    records: (entry: AuditEntry) => OutboxRecord[],
    extra: Record<string, unknown> = {},
  ): Promise<AuditEntry> {
    const entry = await this.write({ audit: facts, stream, at, records: (e) => records(e as AuditEntry), extra })
    return entry as AuditEntry
  }

  /** Appends a non-registry audit entry (incidents, webhooks). */
  async audit(facts: AuditFacts, stream: string, at: string): Promise<void> {
    await this.write({ audit: facts, stream, at, records: (entry) => (entry ? [{ kind: 'audit', entry }] : []) })
  }

  async outbox(records: OutboxRecord[]): Promise<void> {
    await this.write({ stream: '', at: '', records: () => records })
    void this.flush()
  }

  private seal(facts: AuditFacts, stream: string, at: string): Promise<AuditEntry> {
    return sealEntry({
      id: newId('aud'),
      stream,
      seq: this.head.seq + 1,
      at,
      actor: facts.actor,
      action: facts.action,
      target: facts.target,
      before: facts.before ?? null,
      after: facts.after ?? null,
      reason: facts.reason,
      prev_hash: this.head.hash,
    })
  }

  /** Whether records are still waiting for D1 (a D1 write failed and the alarm retries). */
  async pending(): Promise<boolean> {
    return (await this.deps.storage.list({ prefix: OUTBOX_PREFIX, limit: 1 })).size > 0
  }

  /** Single-flight: concurrent callers share one flush, which drains everything committed so far. */
  flush(): Promise<void> {
    if (this.flushing === null) this.flushing = this.drain().finally(() => (this.flushing = null))
    return this.flushing
  }

  /**
   * Writes outbox records to D1 until none are left. It loops because a command may commit while a
   * round is in flight; that caller joined this flush and must not return before its record is in.
   */
  private async drain(): Promise<void> {
    for (;;) {
      const pending = await this.deps.storage.list<OutboxRecord[]>({ prefix: OUTBOX_PREFIX, limit: 25 })
      if (pending.size === 0) return
      try {
        await this.deps.writeHistory([...pending.values()].flat())
        await this.deps.storage.delete([...pending.keys()])
      } catch (err) {
        console.error(`D1 write failed for ${this.deps.label()}: ${(err as Error).message}`)
        await this.deps.armAlarm(Date.now() + RETRY_DELAY_MS)
        return
      }
    }
  }

  /**
   * Audit entries and outbox records are appended one at a time: each reads the chain head and the
   * outbox sequence, awaits (hashing, storage), then advances them. Two appends overlapping across
   * that await (a webhook delivery outside the command lock, say) would take the same sequence
   * number (one record overwriting the other) or fork the hash chain.
   */
  private appending<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.appendLock.then(fn, fn)
    this.appendLock = run.catch(() => undefined)
    return run
  }
}

const outboxKey = (seq: number) => `${OUTBOX_PREFIX}${String(seq).padStart(12, '0')}`
