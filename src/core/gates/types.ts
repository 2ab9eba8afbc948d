/**
 * @module core/gates/types
 * The contract between measurement (what the gateway observed) and gates (what it means).
 * Evidence is cumulative for one stage: statistics restart per stage (docs/statistics.md §10.4).
 */
import type { ExpHistogram } from '../stats/histogram'
import type { Moments } from '../stats/moments'

/** What one arm did during the stage so far. */
export interface ArmEvidence {
  /** Requests routed to this arm (including attempts that failed and fell back to the champion). */
  exposures: number
  /** Failed exposures: 5xx answers, timeouts, connect errors (fallbacks count against this arm). */
  errors: number
  /** Upstream latency of answered requests, ms. */
  latency: ExpHistogram
  /**
   * Business outcomes per metric, counting matured requests only (docs/statistics.md §10.2): a request is
   * added once `now ≥ t_request + attribution window`, with its final outcome.
   * - proportion metrics: n = matured exposures, mean = share with a positive outcome;
   * - mean metrics: n = matured requests that received an outcome, moments of the winsorised value.
   */
  outcomes: Record<string, Moments>
  /**
   * Of `exposures`, those routed by the unit key (sticky routing assigns whole units, so request
   * counts are overdispersed and the early SRM look is skipped, docs/statistics.md §9.4). Absent
   * (evidence from before it): none known.
   */
  stickyExposures?: number
  /**
   * Outcome reports per metric as they arrived (not matured): outcomes accepted, and requests whose
   * outcome a later report contradicted (docs/statistics.md §10.6). Absent: none known.
   */
  reports?: Record<string, OutcomeReports>
}

/** Outcomes accepted for an arm and metric, and how many of those requests were contradicted. */
export interface OutcomeReports {
  accepted: number
  conflicts: number
}

/** Paired shadow comparisons: same request, champion output vs shadow output. */
export interface ShadowEvidence {
  /** Comparable pairs (both sides answered and were extractable). */
  pairs: number
  diverged: number
  /** Shadow calls that failed (timeout, error status, unparsable output). */
  errors: number
  /** Shadow calls attempted. */
  attempts: number
  latency: ExpHistogram
  /** Counterfactual scoring per metric once outcomes arrive (labels: correct-rate; numbers: loss). */
  counterfactual: Record<
    string,
    { n: number; championCorrect: number; shadowCorrect: number; championLoss: Moments; shadowLoss: Moments }
  >
}

export interface StageEvidence {
  champion: ArmEvidence
  challenger: ArmEvidence
  shadow: ShadowEvidence | null
  /** Design share of the challenger among champion+challenger exposures (for SRM), e.g. 0.05. */
  expectedChallengerShare: number
  /** When the stage started and the evaluation clock (ms since epoch). */
  stageStartedAt: number
  now: number
}

export type MetricDirection = 'higher_is_better' | 'lower_is_better'

export interface BusinessGate {
  metric: string
  kind: 'proportion' | 'mean'
  direction: MetricDirection
  /** Relative non-inferiority margin, e.g. 0.02 = "within 2% of the champion". */
  margin: number
  /** FAIL margin m_f (0 ≤ m_f ≤ margin); default 0.55·margin (docs/statistics.md §5.6). */
  failMargin?: number
  /**
   * The model declares a pre-exposure covariate for this metric: when both arms' outcome moments
   * carry one (`Moments.x`), the test runs on CUPED-adjusted moments (docs/statistics.md §5.8).
   */
  covariate?: boolean
}

export interface GateConfig {
  business: BusinessGate[]
  /**
   * Error rate: event-split test with a relative margin (e.g. 0.25 = up to +25% errors). When
   * errors are too rare for a relative comparison, the metric may also PASS by showing the
   * challenger's rate below an absolute `floor` (e.g. 0.001 = 0.1%); FAIL stays relative.
   */
  errorRate: { margin: number; failMargin?: number; floor?: number } | null
  /** Latency: tail exceedance above threshold_ms (SLA or champion historical p99) with a relative margin on the exceedance rate. */
  latency: { thresholdMs: number; margin: number; failMargin?: number } | null
  /** Shadow divergence: FAIL when the rate is shown above maxRate, PASS when shown below. */
  divergence: { maxRate: number } | null
  alphaPass: number
  /** Family-wise FAIL level; each of the K FAIL tests uses alphaFail / K (Bonferroni). */
  alphaFail: number
  srmAlpha: number
  /** Minimum exposures per arm before any PASS; FAIL may happen earlier (but needs n_min for CLT-based tests). */
  minSamplePerArm: number
  /** PASS also needs this much time in the stage (≥ one seasonality cycle and ≥ attribution windows). */
  minDurationMs: number
  /** Stage cap: reaching it without a decision gives INCONCLUSIVE. */
  maxDurationMs: number
  /**
   * Outcome conflicts (docs/statistics.md §10.6): HALT when an arm's share of contradicted outcomes
   * for a business metric exceeds `maxConflictRate` with at least `minConflicts` of them. Absent in
   * configs stored before the check: the defaults (GATE_DEFAULTS).
   */
  maxConflictRate?: number
  minConflicts?: number
}

export type GateDecision = 'PASS' | 'FAIL' | 'CONTINUE' | 'INCONCLUSIVE' | 'HALT'

/**
 * An arm's numbers in a metric verdict. Business metrics also carry the arm's contradicted outcomes
 * and their share of the accepted ones (null: none accepted yet).
 */
export interface ArmEstimate {
  n: number
  estimate: number | null
  conflicts?: number
  conflictRate?: number | null
}

export interface MetricVerdict {
  metric: string
  test: 'ni_proportion' | 'ni_mean' | 'event_split' | 'tail_exceedance' | 'divergence_rate'
  champion: ArmEstimate
  challenger: ArmEstimate
  contrast: number | null
  boundary: number | null
  pValue: number | null
  margin: number
  alpha: number
  decision: 'pass' | 'fail' | 'continue' | 'insufficient_data'
  reason: string
}

export interface VerdictRecord {
  decision: GateDecision
  reason: string
  metrics: MetricVerdict[]
  srm: { alarm: boolean; pValue: number; observedShare: number | null; expectedShare: number; reason: string }
  /** The outcome-conflict check (absent in verdicts stored before it). */
  conflicts?: ConflictCheck
  elapsedMs: number
  /**
   * When the stage is expected to decide at the current rates (./eta). `evaluateGates` never sets
   * it: the coordinator adds it beside the verdict of a CONTINUE.
   */
  eta?: StageEta | null
  /**
   * The planned looks this evaluation took (only when the caller passed its recorded looks to
   * `evaluateGates`): the caller records them before acting on the verdict (docs/statistics.md §5.6).
   */
  looks?: PlannedLook[]
}

/**
 * One planned look, as recorded by the caller (docs/statistics.md §5.6, §5.7, §9.4): a business
 * metric's FAIL look (`side` absent in looks recorded before the other sides existed), its PASS
 * look at the stage's minimum duration, or the stage's early SRM look (`metric: "srm"`).
 */
export interface PlannedLook {
  metric: string
  side?: LookSide
  /** Evaluation clock of the look (ms since epoch). */
  at: number
  /**
   * The variance at the look (V̂ of the contrast; for SRM, N·λ(1−λ) of the challenger's count) and
   * the plan it reached (V_plan; V̂ itself for a PASS look; for SRM the exposure count N_plan).
   */
  variance: number
  vPlan: number
  /** The contrast (D̂(m_f) for FAIL, D̂(m) for PASS, n_B − N·λ for SRM), z = contrast/√V̂, and the z-boundary. */
  contrast: number
  z: number
  boundary: number
  /** `fail` = FAIL (SRM: alarm), `pass` = PASS; `continue` = the look made no claim. */
  decision: 'fail' | 'pass' | 'continue'
}

export type LookSide = 'fail' | 'pass' | 'srm'

/** One gate's forecast: what it is expected to decide, when, and the range of that time (ms since epoch). */
export interface GateEta {
  metric: string
  expect: 'pass' | 'fail' | 'unknown'
  at: number | null
  range: [number, number] | null
}

/** The stage's forecast: when it decides (PASS or FAIL) at current rates, its range, and each gate's. */
export interface StageEta {
  decideAt: number | null
  range: [number, number] | null
  gates: GateEta[]
}

/** An arm and business metric whose contradicted outcomes are over the threshold. */
export interface ConflictFinding {
  metric: string
  arm: 'champion' | 'challenger'
  conflicts: number
  accepted: number
  rate: number
}

export interface ConflictCheck {
  alarm: boolean
  /** Every arm and metric over the threshold, worst first; empty without an alarm. */
  findings: ConflictFinding[]
  maxRate: number
  minConflicts: number
  reason: string
}
