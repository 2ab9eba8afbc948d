/**
 * Builders of stage evidence for the gate tests: arms with exact counts, latency histograms with a
 * chosen share above a threshold, and shadow evidence.
 */

import { defaultGateConfig } from '../../../../src/core/gates/defaults'
import type { ArmEvidence, GateConfig, ShadowEvidence, StageEvidence } from '../../../../src/core/gates/types'
import { emptyHistogram, recordValue } from '../../../../src/core/stats/histogram'
import { momentsFromProportion } from '../../../../src/core/stats/moments'

export const HOUR = 3_600_000

/** Latency threshold of the test config (the champion's p99). */
export const THRESHOLD_MS = 320

/** An arm with `n` exposures, rates for conversion, errors and latency above 320 ms. */
export function arm(n: number, rates: { conversion?: number; error?: number; slow?: number } = {}): ArmEvidence {
  const errors = Math.round(n * (rates.error ?? 0.005))
  const answered = n - errors
  const slow = Math.round(answered * (rates.slow ?? 0.01))
  const latency = emptyHistogram()
  recordValue(latency, 100, answered - slow)
  recordValue(latency, 500, slow)
  const conversions = Math.round(n * (rates.conversion ?? 0.05))
  return {
    exposures: n,
    errors,
    latency,
    outcomes: { conversion: momentsFromProportion(conversions, n) },
  }
}

/** A 10% canary stage `hours` in, with 100 challenger requests per 900 champion ones by default. */
export function canary(
  challenger: ArmEvidence,
  champion: ArmEvidence,
  hours: number,
  extra: Partial<StageEvidence> = {},
): StageEvidence {
  return {
    champion,
    challenger,
    shadow: null,
    expectedChallengerShare: 0.1,
    stageStartedAt: 1_700_000_000_000,
    now: 1_700_000_000_000 + hours * HOUR,
    ...extra,
  }
}

/** Shadow evidence: `pairs` comparisons, `diverged` of them different, `errors` failed calls. */
export function shadow(pairs: number, diverged: number, errors: number): ShadowEvidence {
  return {
    pairs,
    diverged,
    errors,
    attempts: pairs + errors,
    latency: emptyHistogram(),
    counterfactual: {},
  }
}

/** Canary defaults with a conversion gate and a latency threshold of 320 ms. */
export function canaryConfig(overrides: Partial<GateConfig> = {}): GateConfig {
  return {
    ...defaultGateConfig({
      stage: 'canary',
      championP99Ms: THRESHOLD_MS,
      business: [{ metric: 'conversion', kind: 'proportion', direction: 'higher_is_better' }],
    }),
    ...overrides,
  }
}
