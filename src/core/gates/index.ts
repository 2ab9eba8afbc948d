/**
 * @module core/gates
 * Public API of the gate evaluator: the evidence/verdict contract, `evaluateGates`, the default
 * configs with the weaker-than-defaults check, and the canonical digest input for approvals.
 *
 * Invariant: pure (no clock, no randomness, no runtime imports), like the statistics core below it.
 * Source: statistics.md §0 (recommended design).
 */

export type * from './types'
export { evaluateGates } from './evaluate'
export {
  type BusinessGateInput,
  type DefaultGateOptions,
  type GateStage,
  GATE_DEFAULTS,
  defaultGateConfig,
  exceedanceMarginForSlowdown,
  isWeakerThan,
} from './defaults'
export { DIGEST_VERSION, canonicalEvidenceDigestInput } from './evidence-hash'
export { MIN_POOLED_EVENTS, MIN_TAU_REL, marginScaleTau2 } from './metric-tests'
