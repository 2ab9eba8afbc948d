/**
 * @module services/coordinator/evaluate-step
 * The gate verdict for a rollout's current step: the step's evidence from the metrics shards (from
 * the step's epoch on; a watch also reads the baseline before the final step), judged by the gates
 * configured for the step.
 */
import { evaluateGates } from '../../core/gates/evaluate'
import { stageEta } from '../../core/gates/eta'
import { ALL_SIDES } from '../../core/gates/planned-look'
import type { LookSide, PlannedLook, VerdictRecord } from '../../core/gates/types'
import { buildEvidence, type EvidenceSpec, type MetricSpec } from '../../core/metrics/evidence'
import type { ModelState } from '../../core/registry/model-state'
import { gateConfigForStep, type RolloutState, type Step } from '../../core/rollout/index'
import type { CoordinatorPort, LooksRecord, StoredRollout } from './ports'

export function metricSpecs(model: ModelState): MetricSpec[] {
  return model.metrics.map((m) => ({
    name: m.name,
    kind: m.kind,
    source: m.source,
    covariate: m.covariate !== undefined,
  }))
}

/** Outcome metrics mature with their window; response metrics are counted when the answer ends. */
export function metricWindows(model: ModelState) {
  return model.metrics
    .filter((m) => m.source !== 'response')
    .map((m) => ({ name: m.name, windowMs: m.window_s * 1000 }))
}

/** The step whose gates apply now (a watch reads the step before it for routing only). */
export function currentStep(r: RolloutState): Step | null {
  return r.stepIndex >= 0 ? (r.plan[r.stepIndex] ?? null) : null
}

/** The looks record of the rollout's current step, or null (another step's or none). */
function currentRecord(stored: StoredRollout): LooksRecord | null {
  const l = stored.looks
  const r = stored.state
  if (!l || l.epoch !== r.stepEpoch) return null
  // Records written before `step` existed are keyed by the epoch alone.
  return l.step === undefined || l.step === r.stepIndex ? l : null
}

/** The planned looks recorded for the rollout's current step (none after a step change). */
export function recordedLooks(stored: StoredRollout): PlannedLook[] {
  return currentRecord(stored)?.looks ?? []
}

/**
 * The look sides the current step was planned with: those its record lists, or the FAIL look
 * alone for a step that began before steps recorded their sides (docs/statistics.md §5.7).
 */
export function plannedSides(stored: StoredRollout): ReadonlySet<LookSide> {
  return new Set<LookSide>(currentRecord(stored)?.sides ?? ['fail'])
}

/** The looks record a step starts with: no looks yet, and every side planned. */
export function freshLooks(r: RolloutState): LooksRecord | null {
  return r.stepEpoch === null ? null : { epoch: r.stepEpoch, step: r.stepIndex, sides: [...ALL_SIDES], looks: [] }
}

/** The record with `taken` added to the current step's looks (kept `step` and `sides`). */
export function withTakenLooks(stored: StoredRollout, taken: PlannedLook[]): LooksRecord | null {
  const r = stored.state
  if (r.stepEpoch === null) return stored.looks ?? null
  const current = currentRecord(stored) ?? { epoch: r.stepEpoch, step: r.stepIndex, looks: [] }
  return { ...current, looks: [...current.looks, ...taken] }
}

/**
 * Gate verdict for the current step, or null while there is nothing to evaluate. Its `looks` are
 * the planned looks it took: the caller saves them before acting on it (see `tickRollout`).
 */
export async function evaluateStep(
  port: Pick<CoordinatorPort, 'model' | 'summary'>,
  stored: StoredRollout,
  now: number,
): Promise<VerdictRecord | null> {
  const r = stored.state
  const step = currentStep(r)
  if (step === null || r.stepEpoch === null || step.kind === 'switch') return null
  const gate = gateConfigForStep(r.config, step)
  if (gate === null) return null
  const model = port.model()
  const q = { minEpoch: r.stepEpoch, now, metrics: metricWindows(model) }
  const summary = await port.summary(q)
  const { champion, challenger } = r.config
  let spec: EvidenceSpec
  switch (step.kind) {
    case 'canary':
      spec = { kind: 'canary', champion, challenger, weight: step.weight }
      break
    case 'cohort':
      spec = { kind: 'cohort', champion, challenger, percent: step.percent }
      break
    case 'shadow':
      spec = { kind: 'shadow', champion, challenger }
      break
    case 'watch': {
      const before = (stored.meta.finalEpoch ?? r.stepEpoch) - 1
      const baseline = await port.summary({ minEpoch: 0, maxEpoch: before, now, metrics: q.metrics })
      spec = { kind: 'watch', champion, challenger, baseline }
      break
    }
    default: {
      const never: never = step
      return never
    }
  }
  const opts = { stageStartedAt: r.stepStartedAt, now, latencyMeasure: model.latency_measure }
  const evidence = buildEvidence(summary, spec, metricSpecs(model), opts)
  const looks = recordedLooks(stored)
  const sides = plannedSides(stored)
  const verdict = evaluateGates(evidence, gate, looks, sides)
  // The forecast sits beside the verdict and never changes it (docs/statistics.md §2.8); it models
  // the planned looks from the recorded ones, and its projected looks are never recorded.
  if (verdict.decision !== 'CONTINUE') return verdict
  return {
    ...verdict,
    eta: forecast(() => stageEta(evidence, gate, verdict, { championGrows: step.kind !== 'watch', looks, sides })),
  }
}

/** A forecast that cannot be made is no forecast: it must never stop the tick that judges the stage. */
function forecast<T>(make: () => T): T | null {
  try {
    return make()
  } catch (err) {
    console.warn('eta: no forecast:', err instanceof Error ? err.message : String(err))
    return null
  }
}
