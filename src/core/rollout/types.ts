/**
 * @module core/rollout/types
 * The vocabulary of rollouts: strategies, phases, plan steps, configuration and stored state.
 *
 * Everything here is plain JSON, because the state lives in Durable Object storage and is shown
 * as-is by the admin API: no classes, no `undefined` members (absent values are `null`), and
 * times are epoch milliseconds passed in by the caller.
 */
import type { GateConfig, VerdictRecord } from '../gates/types'
import type { RollbackTarget } from '../registry/model-state'
import type { RiskTier } from '../registry/types'
import type { CohortRule, RuleCondition } from '../routing/types'

export type { RiskTier, RollbackTarget }

/** How a rollout exposes the challenger. A plan composes several, in order. */
export const STRATEGIES = ['shadow', 'canary', 'blue_green', 'feature_flag'] as const
export type Strategy = (typeof STRATEGIES)[number]

/** One line per phase, for the admin view and the docs (as Flagger documents its phases). */
export const PHASE_DESCRIPTIONS = {
  awaiting_evaluation: 'waiting for a passing offline evaluation report; the challenger gets no traffic',
  awaiting_approval: 'the next step needs an approver; the current exposure is held',
  progressing: 'the current step is live and its gates are evaluated every tick',
  paused: 'held by an operator or by an INCONCLUSIVE verdict; never promotes on its own',
  halted: 'sample-ratio mismatch or contradicted outcomes: the evidence is untrustworthy; no promotion and no rollback',
  watching: 'the challenger carries its final exposure; watched against the pre-rollout baseline',
  completed: 'the watch ended cleanly; the rollout is over',
  rolled_back: 'traffic went back to the stable version after a FAIL or an operator rollback',
  aborted: 'stopped by an operator; traffic went back to the stable version',
} satisfies Record<string, string>
export type Phase = keyof typeof PHASE_DESCRIPTIONS
/** Every phase, in the order above. */
export const PHASES = Object.keys(PHASE_DESCRIPTIONS) as readonly Phase[]

/** Whether the rollout is over: ticks and operator actions no longer change it. */
export function isTerminal(phase: Phase): boolean {
  switch (phase) {
    case 'completed':
    case 'rolled_back':
    case 'aborted':
      return true
    case 'awaiting_evaluation':
    case 'awaiting_approval':
    case 'progressing':
    case 'paused':
    case 'halted':
    case 'watching':
      return false
    default: {
      const never: never = phase
      return never
    }
  }
}

/** 0% served: a sample of requests is copied to the challenger and the outputs compared. */
export interface ShadowStep {
  kind: 'shadow'
  sampleRate: number
  minDurationMs: number
  /** Shadowed comparisons needed before a PASS (the gate's minimum sample). */
  minSamples: number
}

/** `weight`% of units to the challenger (≤ 2 decimals). 100 is the promotion step. */
export interface CanaryStep {
  kind: 'canary'
  weight: number
  minDurationMs: number
  /**
   * The cohort rule of a preceding feature-flag ramp, kept while the canary widens so that units
   * of the cohort never flip back to the champion. Null when there was none, and at 100%.
   */
  cohort: { when: RuleCondition; percent: number } | null
}

/** Blue/green: 100% in one publish (the challenger becomes champion) after verification. */
export interface SwitchStep {
  kind: 'switch'
}

/** Feature flag: units matching `when` (for `percent` of that cohort) get the challenger. */
export interface CohortStep {
  kind: 'cohort'
  when: RuleCondition
  percent: number
  minDurationMs: number
}

/** After the final exposure: gates against the pre-rollout baseline for `durationMs`. */
export interface WatchStep {
  kind: 'watch'
  durationMs: number
}

export type Step = ShadowStep | CanaryStep | SwitchStep | CohortStep | WatchStep
export type StepKind = Step['kind']
/** Step kinds evaluated by gates; a switch completes as soon as its routing is live. */
export type GatedStepKind = Exclude<StepKind, 'switch'>

export interface Durations {
  /** Minimum time in each canary or cohort stage. */
  stageMinMs: number
  shadowMinMs: number
  watchMs: number
  /**
   * `durations: "auto"`: canary stages planned by power (./auto-durations); absent or null when
   * the durations are fixed, or when nothing measured could plan them.
   */
  auto?: AutoDurations | null
}

/** Canary stage lengths planned by power, and what they were planned from. */
export interface AutoDurations {
  power: number
  /** Requests per second to the model, measured before the start. */
  trafficPerS: number
  measured: AutoMeasured[]
  /** One entry per planned canary weight below 100. */
  stages: Array<{ weight: number; ms: number; capped: boolean }>
  /**
   * Set when the canary stages were re-planned from the shadow step's measurements (./replan): the
   * traffic and stages planned at the start, which the fields above replaced.
   */
  replanned?: AutoReplanned | null
}

/** One business metric as the plan measured it (docs/statistics.md §2.7). */
export interface AutoMeasured {
  metric: string
  mean: number
  sd: number
  margin: number
  /** Added to the metric's planned length: its window plus the fold minute (absent in older plans). */
  maturationMs?: number
  /** Mean metrics: the outcomes per second the plan used in place of the traffic. */
  outcomesPerS?: number
}

/** What a re-plan from the shadow step replaced (docs/statistics.md §2.7). */
export interface AutoReplanned {
  at: number
  from: 'shadow'
  trafficPerS: number
  stages: Array<{ weight: number; ms: number }>
}

export interface ShadowSettings {
  /** Share of requests copied to the challenger, in (0, 1]. */
  sampleRate: number
  minSamples: number
}

export interface CohortPlan {
  when: RuleCondition
  /** Share of the cohort given the challenger at each stage, strictly increasing. */
  percents: number[]
  /**
   * When feature_flag is the last strategy: follow the cohort ramp with a switch to 100%
   * (true), or leave the challenger serving the cohort only, as a permanent flag (false).
   */
  promote: boolean
}

export interface ApprovalSettings {
  /** Risk tier at and above which the step to 100% needs an approver. */
  requireFinalApprovalForRisk: RiskTier
  /** A rollout started this soon after a rollback of the same model needs an approver. */
  recentRollbackWindowMs: number
  /** Largest step, in percentage points, that proceeds without an approver. */
  maxStageJump: number
  /** How long the evidence put before an approver stays approvable. */
  approvalTtlMs: number
}

/** Gate configuration per gated step kind, chosen by the caller (model defaults + overrides). */
export type StepGates = Partial<Record<GatedStepKind, GateConfig>>

/** A fully resolved rollout configuration, as stored. See `resolveConfig` for the defaults. */
export interface RolloutConfig {
  model: string
  challenger: string
  /** The champion when the rollout started: the stable version traffic returns to. */
  champion: string
  /** Composite plan, in order, e.g. ['shadow', 'canary']. */
  strategies: Strategy[]
  /** Canary weights in percent. */
  stages: number[]
  durations: Durations
  shadow: ShadowSettings
  gates: StepGates
  cohort: CohortPlan | null
  approval: ApprovalSettings
}

/** What a caller passes in: anything with a default may be left out. */
export interface RolloutConfigInput {
  model: string
  challenger: string
  champion: string
  strategies: Strategy[]
  stages?: number[] | undefined
  durations?: Partial<Durations> | undefined
  shadow?: Partial<ShadowSettings> | undefined
  gates: StepGates
  cohort?: { when: RuleCondition; percents?: number[]; promote?: boolean } | null | undefined
  approval?: Partial<ApprovalSettings> | undefined
}

/** Facts about the model captured at start; approval policy reads them at every step. */
export interface PolicyFacts {
  risk: RiskTier
  /** When the model was last rolled back, or null. */
  lastRollbackAt: number | null
  /** Gate settings weaker than the model's defaults, found by the caller (e.g. 'canary.margin'). */
  gatesWeakerThanDefaults: string[]
}

export interface Evaluation {
  status: 'missing' | 'passed' | 'failed' | 'waived'
  /** The offline report as submitted (JSON), or null. */
  report: unknown
  reason: string
  at: number | null
}

export type ApprovalRule = 'final_step_risk' | 'recent_rollback' | 'stage_jump' | 'weak_gates'

export interface PendingApproval {
  forStep: number
  reason: string
  rules: ApprovalRule[]
  /** When the evidence was put before approvers; the evidence digest includes it. */
  requestedAt: number
  expiresAt: number
}

export interface Approval {
  approver: string
  at: number
  forStep: number
  evidenceHash: string
  reason: string
  rules: ApprovalRule[]
  comment: string | null
}

/** Why a rollout is held in `paused` or `halted`; resuming after a verdict restarts the stage. */
export interface Hold {
  cause: 'operator' | 'inconclusive' | 'srm' | 'outcome_conflicts'
  since: number
  actor: string
}

/** One gate evaluation as kept in state: the full record plus where and when it was made. */
export interface VerdictSummary extends VerdictRecord {
  at: number
  stepIndex: number
  stepEpoch: number | null
  /** Whether this verdict changed the rollout (advance, rollback, pause, halt, completion). */
  decisive: boolean
}

export interface RollbackRecord {
  at: number
  actor: string
  trigger: 'gate_fail' | 'operator_rollback' | 'abort'
  /** What the routing went back to (the registry's rollback target). */
  target: RollbackTarget
  /** The stable version that carries the traffic afterwards. */
  version: string
  fromStep: number
  reason: string
  confirmation: { at: number; ok: boolean; timeToConfirmMs: number; details: unknown } | null
}

export const OUTCOMES = ['promoted', 'cohort_released', 'shadow_passed', 'rolled_back', 'aborted'] as const
export type Outcome = (typeof OUTCOMES)[number]

export const EVENT_TYPES = [
  'started',
  'evaluation_failed',
  'approval_requested',
  'approval_renewed',
  'approved',
  'advanced',
  'step_live',
  'paused',
  'resumed',
  'halted',
  'completed',
  'rolled_back',
  'aborted',
  'rollback_confirmed',
  'rollback_unconfirmed',
  'held',
  'ignored',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** Returned for the caller's logs but not kept in the timeline: they happen every tick. */
export const QUIET_EVENTS: ReadonlySet<EventType> = new Set<EventType>(['held', 'ignored'])

/** One line of the rollout's timeline in the UI. */
export interface RolloutEvent {
  at: number
  type: EventType
  actor: string
  reason: string
  details?: Record<string, unknown>
}

export interface RolloutState {
  id: string
  config: RolloutConfig
  /** `buildPlan(config)`, kept so that the admin view and every transition read the same steps. */
  plan: Step[]
  /** Operator cohort rules in force at start; every published step keeps them, first. */
  baseRules: CohortRule[]
  policy: PolicyFacts
  phase: Phase
  hold: Hold | null
  /** Index into `plan` of the current step; -1 before the first exposure. */
  stepIndex: number
  /** When the current step's statistics started (reset when its routing goes live). */
  stepStartedAt: number
  /** Routing epoch of the current step, set by `step_published`; null while publishing. */
  stepEpoch: number | null
  /** Clock of the last tick acted on: older or repeated ticks are ignored. */
  lastTickAt: number | null
  evaluation: Evaluation
  approvals: Approval[]
  pendingApproval: PendingApproval | null
  verdicts: VerdictSummary[]
  events: RolloutEvent[]
  createdAt: number
  updatedAt: number
  endedAt: number | null
  /** How traffic left the challenger; null unless it was exposed and taken back. */
  rollback: RollbackRecord | null
  outcome: Outcome | null
}
