/**
 * @module durable-objects/metrics-shard/counterfactual
 * Shadow pairs and counterfactual scoring: each shadowed request keeps both outputs until its
 * outcome arrives, then both are scored against it (labels: correct-rate; numbers: loss).
 *
 * An outcome can arrive before its request's shadow pair: the pair lands after the shadow call
 * (up to SHADOW_TIMEOUT_MS) and the next batch flush. Outcomes that early wait PENDING_CF_MS for
 * it. Only early ones: most requests are never shadowed, and later outcomes find their pair.
 */
import { minuteOf, type ShadowMeasurement } from '../../core/metrics/aggregate'
import type { OutcomeItem } from '../../core/metrics/outcomes'
import type { ComparatorConfig } from '../../core/shadow/comparator'
import { scoreOutcome } from '../../core/shadow/score'
import { isOmittedOutput, storedOutput } from '../../core/shadow/stored-output'
import { addValue, emptyMoments, type Moments } from '../../core/stats/moments'

export const PENDING_CF_MS = 60_000

export class ShardCounterfactuals {
  constructor(private readonly sql: SqlStorage) {}

  /** Keeps each shadow pair for scoring and as a sample for D1 (inside the caller's transaction). */
  store(shadows: ShadowMeasurement[], rev: number): void {
    for (const m of shadows) {
      if (m.verdict === 'skipped') continue
      // Outputs above the bound become markers, so one huge answer cannot fail the batch; a pair
      // with a marker is not kept for counterfactual scoring (there is nothing to score).
      const champion = storedOutput(m.championOutput)
      const shadow = storedOutput(m.shadowOutput)
      const scorable =
        champion.kind === 'kept' &&
        shadow.kind === 'kept' &&
        !isOmittedOutput(champion.value) &&
        !isOmittedOutput(shadow.value)
      if (m.championOutput !== undefined && m.shadowOutput !== undefined && scorable) {
        this.sql.exec(
          'INSERT OR REPLACE INTO pairs (request_id, minute, epoch, version, champion, shadow) VALUES (?, ?, ?, ?, ?, ?)',
          m.requestId,
          minuteOf(m.at),
          m.epoch,
          m.version,
          JSON.stringify(m.championOutput),
          JSON.stringify(m.shadowOutput),
        )
        this.scorePending(m.requestId)
      }
      const sample = {
        at: m.at,
        requestId: m.requestId,
        version: m.version,
        verdict: m.verdict,
        championOutput: champion.value ?? null,
        shadowOutput: shadow.value ?? null,
      }
      this.sql.exec('INSERT INTO samples (data, rev) VALUES (?, ?)', JSON.stringify(sample), rev)
    }
  }

  /** Scores an accepted outcome against its request's shadow pair, or parks it until the pair lands. */
  score(item: OutcomeItem): void {
    if (item.comparator === null || item.comparator === undefined) return
    const pair = this.sql
      .exec<{ epoch: number; version: string; champion: string; shadow: string }>(
        'SELECT epoch, version, champion, shadow FROM pairs WHERE request_id = ?',
        item.requestId,
      )
      .toArray()[0]
    if (!pair) {
      if (Date.now() - item.claims.at < PENDING_CF_MS) {
        this.sql.exec(
          'INSERT OR IGNORE INTO cf_pending (request_id, metric, raw, comparator, at) VALUES (?, ?, ?, ?, ?)',
          item.requestId,
          item.metric,
          JSON.stringify(item.raw),
          JSON.stringify(item.comparator),
          Date.now(),
        )
      }
      return
    }
    this.scorePair(pair, item.metric, item.raw, item.comparator as ComparatorConfig)
  }

  /** Scores the outcomes that arrived before this request's pair (see PENDING_CF_MS). */
  private scorePending(requestId: string): void {
    const pending = this.sql
      .exec<{ metric: string; raw: string; comparator: string }>(
        'SELECT metric, raw, comparator FROM cf_pending WHERE request_id = ?',
        requestId,
      )
      .toArray()
    if (pending.length === 0) return
    const pair = this.sql
      .exec<{ epoch: number; version: string; champion: string; shadow: string }>(
        'SELECT epoch, version, champion, shadow FROM pairs WHERE request_id = ?',
        requestId,
      )
      .one()
    for (const p of pending)
      this.scorePair(
        pair,
        p.metric,
        JSON.parse(p.raw) as OutcomeItem['raw'],
        JSON.parse(p.comparator) as ComparatorConfig,
      )
    this.sql.exec('DELETE FROM cf_pending WHERE request_id = ?', requestId)
  }

  private scorePair(
    pair: { epoch: number; version: string; champion: string; shadow: string },
    metric: string,
    raw: OutcomeItem['raw'],
    comparator: ComparatorConfig,
  ): void {
    const item = { raw, metric }
    let champion: ReturnType<typeof scoreOutcome>
    let shadow: ReturnType<typeof scoreOutcome>
    try {
      champion = scoreOutcome(JSON.parse(pair.champion), item.raw, comparator)
      shadow = scoreOutcome(JSON.parse(pair.shadow), item.raw, comparator)
    } catch {
      return // outputs that cannot be scored against this outcome (e.g. non-numeric) are skipped
    }
    const row = this.sql
      .exec<{ data: string }>(
        'SELECT data FROM cf_cum WHERE epoch = ? AND version = ? AND metric = ?',
        pair.epoch,
        pair.version,
        item.metric,
      )
      .toArray()[0]
    const cf = row
      ? (JSON.parse(row.data) as {
          n: number
          championCorrect: number
          shadowCorrect: number
          championLoss: Moments
          shadowLoss: Moments
        })
      : { n: 0, championCorrect: 0, shadowCorrect: 0, championLoss: emptyMoments(), shadowLoss: emptyMoments() }
    cf.n++
    if ('correct' in champion && champion.correct) cf.championCorrect++
    if ('correct' in shadow && shadow.correct) cf.shadowCorrect++
    if ('loss' in champion) cf.championLoss = addValue(cf.championLoss, champion.loss)
    if ('loss' in shadow) cf.shadowLoss = addValue(cf.shadowLoss, shadow.loss)
    this.sql.exec(
      'INSERT INTO cf_cum (epoch, version, metric, data) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET data = excluded.data',
      pair.epoch,
      pair.version,
      item.metric,
      JSON.stringify(cf),
    )
  }
}
