/**
 * @module services/coordinator/rollout-records
 * What a rollout writes beside its state: its D1 row, and ids derived from the decision that
 * creates something, so that running an effect again after a crash rewrites it instead of adding
 * a second one.
 */
import { sha256Hex } from '../../core/audit/chain'
import { encodeBase32 } from '../../core/ids'
import type { RolloutState } from '../../core/rollout/index'

const iso = (ms: number) => new Date(ms).toISOString()

/**
 * An id that the same decision always gives the same thing it creates (an incident, a verdict row,
 * a webhook delivery), so that running an effect again rewrites it instead of adding a second one.
 */
export async function derivedId(prefix: 'inc' | 'vrd' | 'whd', ...parts: Array<string | number>): Promise<string> {
  const hex = await sha256Hex(parts.join('|'))
  return `${prefix}_${encodeBase32(hexBytes(hex).subarray(0, 16))}`
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from({ length: hex.length / 2 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16))
}

/** The D1 row of a rollout as it stands. */
export function rolloutRow(r: RolloutState) {
  const last = r.verdicts.at(-1) ?? null
  return {
    id: r.id,
    model: r.config.model,
    challenger: r.config.challenger,
    champion: r.config.champion,
    strategies: r.config.strategies,
    phase: r.phase,
    stepIndex: r.stepIndex,
    outcome: r.outcome,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
    endedAt: r.endedAt === null ? null : iso(r.endedAt),
    lastVerdict: last ? { decision: last.decision, reason: last.reason, at: iso(last.at) } : null,
  }
}
