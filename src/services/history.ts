/**
 * @module services/history
 * The door to D1 for a coordinator's outbox: history, audit, rollouts, verdicts, incidents.
 */
import { writeOutbox, type OutboxRecord } from '../adapters/d1/outbox'
import type { Db } from '../adapters/d1/registry-store'

export interface HistoryWriter {
  /** Writes records idempotently (a replay after a partial failure changes nothing). */
  write(records: OutboxRecord[]): Promise<void>
}

export function d1History(db: Db): HistoryWriter {
  return { write: (records) => writeOutbox(db, records) }
}
