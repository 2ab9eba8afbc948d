/**
 * @module core/gates/conflicts
 * The outcome-conflict check: how many accepted outcomes of each arm a later report contradicted,
 * per business metric, and the HALT it calls for above a threshold (docs/statistics.md §10.6).
 *
 * Invariants:
 * - Pure: a function of (evidence, config). It is a data-integrity check, not a statistical test:
 *   it adds nothing to K (the Bonferroni count of FAIL tests) and makes no PASS or FAIL claim.
 * - An arm alarms when, for a business metric of the config, conflicts ≥ minConflicts and
 *   conflicts / accepted > maxConflictRate. Either arm: a poisoned champion misleads as much as a
 *   poisoned challenger.
 */
import { GATE_DEFAULTS } from './defaults'
import { int, pct } from './format'
import type {
  ArmEstimate,
  ArmEvidence,
  ConflictCheck,
  ConflictFinding,
  GateConfig,
  MetricVerdict,
  StageEvidence,
} from './types'

const ARMS = ['champion', 'challenger'] as const

/** An arm's contradicted outcomes for `metric`, and their share of the accepted ones (null: none accepted). */
export function armConflicts(
  arm: ArmEvidence,
  metric: string,
): { conflicts: number; accepted: number; rate: number | null } {
  const r = arm.reports?.[metric]
  const conflicts = r?.conflicts ?? 0
  const accepted = r?.accepted ?? 0
  return { conflicts, accepted, rate: accepted > 0 ? conflicts / accepted : null }
}

/** The thresholds of `c`, with the defaults for configs stored before the check. */
export function conflictLimits(c: GateConfig): { maxRate: number; minConflicts: number } {
  return {
    maxRate: c.maxConflictRate ?? GATE_DEFAULTS.maxConflictRate,
    minConflicts: c.minConflicts ?? GATE_DEFAULTS.minConflicts,
  }
}

/** A business metric's verdict with each arm's contradicted outcomes beside its numbers. */
export function withConflicts(v: MetricVerdict, e: StageEvidence): MetricVerdict {
  const arm = (est: ArmEstimate, evidence: ArmEvidence): ArmEstimate => {
    const c = armConflicts(evidence, v.metric)
    return { n: est.n, estimate: est.estimate, conflicts: c.conflicts, conflictRate: c.rate }
  }
  return { ...v, champion: arm(v.champion, e.champion), challenger: arm(v.challenger, e.challenger) }
}

function describe(f: ConflictFinding): string {
  return (
    `${f.metric} on the ${f.arm} arm: ${int(f.conflicts)} of ${int(f.accepted)} accepted outcomes ` +
    `contradicted by a later report (${pct(f.rate)})`
  )
}

/**
 * Checks every business metric of `c` on both arms. `applies` is false in stages that run no
 * business gate (shadow only): their outcomes steer nothing.
 */
export function checkConflicts(e: StageEvidence, c: GateConfig, applies: boolean): ConflictCheck {
  const { maxRate, minConflicts } = conflictLimits(c)
  const limit = `above ${pct(maxRate)} with at least ${int(minConflicts)}`
  if (!applies || c.business.length === 0) {
    const reason = 'Outcome conflicts not checked: no business gate in this stage.'
    return { alarm: false, findings: [], maxRate, minConflicts, reason }
  }
  const findings: ConflictFinding[] = []
  for (const g of c.business) {
    for (const arm of ARMS) {
      const { conflicts, accepted, rate } = armConflicts(e[arm], g.metric)
      if (rate !== null && conflicts >= minConflicts && rate > maxRate) {
        findings.push({ metric: g.metric, arm, conflicts, accepted, rate })
      }
    }
  }
  findings.sort((a, b) => b.rate - a.rate)
  if (findings.length === 0) {
    return { alarm: false, findings, maxRate, minConflicts, reason: `No outcome conflicts ${limit}.` }
  }
  const reason =
    `outcome_conflicts: ${findings.map(describe).join('; ')}; ${limit}. ` +
    'Some reporter sends values that contradict earlier ones for the same requests: find it before trusting the business gates.'
  return { alarm: true, findings, maxRate, minConflicts, reason }
}
