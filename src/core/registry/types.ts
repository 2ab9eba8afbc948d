/**
 * @module core/registry/types
 * The registry's vocabulary as the core uses it: risk tiers, backends, business metrics and the
 * inputs of registry commands. src/schemas validates the wire format into exactly these shapes
 * (a compile-time check there keeps the two equal).
 */
import type { ComparatorConfig } from '../shadow/comparator'

export const RISK_TIERS = ['low', 'medium', 'high'] as const
/** Blast radius of the model, used by approval policy. */
export type RiskTier = (typeof RISK_TIERS)[number]

/** How long a version's answer body may go without a byte before the gateway ends it (ms). */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 30_000
export const MAX_STREAM_IDLE_TIMEOUT_MS = 300_000

/**
 * An HTTP base URL (the request path is appended) or a Workers service binding. `timeout_ms` bounds
 * the wait for the response head once the request body has been sent; `stream_idle_timeout_ms` the
 * silence between two chunks of the answer's body (a body that stalls longer ends for the client
 * and counts as an error). Backends stored before `stream_idle_timeout_ms` existed lack it: read it
 * as DEFAULT_STREAM_IDLE_TIMEOUT_MS.
 */
export type Backend =
  | { url: string; timeout_ms: number; stream_idle_timeout_ms: number }
  | { service: string; timeout_ms: number; stream_idle_timeout_ms: number }

export const LATENCY_MEASURES = ['ttfb', 'duration'] as const
/**
 * Which latency the latency gate reads: `ttfb`, time to the response head (first byte; for an LLM
 * stream, the first token), or `duration`, time to the last byte of the body (the last token).
 */
export type LatencyMeasure = (typeof LATENCY_MEASURES)[number]

export type MetricDirection = 'higher_is_better' | 'lower_is_better'

/** A business metric: outcomes that arrive after the response (POST /v1/outcomes), or read from it. */
export interface BusinessMetric {
  name: string
  kind: 'proportion' | 'mean'
  direction: MetricDirection
  /** Attribution window: outcomes later than this after the request are rejected. */
  window_s: number
  /** Winsorization bounds for mean metrics. */
  cap?: number | undefined
  floor?: number | undefined
  /** For proportion metrics sent as labels: which labels count as a positive outcome. */
  positive_labels: string[]
  /** Relative non-inferiority margin used by gates. */
  margin: number
  /**
   * Where values come from: `outcome` (POST /v1/outcomes, the default; absent in models stored
   * before the setting) or `response`, read from each answer (see data-plane/response-metrics).
   */
  source?: MetricSource | undefined
  /** Response metrics: a JSON pointer into the answer's body (the last JSON event of a stream)… */
  pointer?: string | undefined
  /** …or a response header. */
  header?: string | undefined
  /**
   * A pre-exposure covariate for CUPED: the request header carrying the unit's value (outcome
   * metrics only; one header per model; see core/metrics/covariate).
   */
  covariate?: MetricCovariate | undefined
}

export interface MetricCovariate {
  header: string
}

export type MetricSource = 'outcome' | 'response'

/** How shadow outputs are extracted (a JSON pointer) and compared with the champion's. */
export interface ShadowCompare {
  pointer: string
  comparator: ComparatorConfig
}

/**
 * Who must agree before an operator's change takes effect (core/registry/two-person; README, "Two-person
 * rule"): the risk tiers whose guarded changes need an approver as well (true: every tier, false:
 * none), and the share of traffic an operator may move off the champion alone outside a rollout.
 */
export interface ApprovalPolicy {
  two_person: RiskTier[] | boolean
  max_unapproved_shift_percent: number
}

/** The policy of a model that never set one. */
export const DEFAULT_APPROVAL_POLICY: ApprovalPolicy = {
  two_person: ['medium', 'high'],
  max_unapproved_shift_percent: 10,
}

export interface ModelInput {
  risk: RiskTier
  unit_header: string
  sla?: { p99_ms: number } | undefined
  fallback_to_champion: boolean
  metrics: BusinessMetric[]
  shadow_compare: ShadowCompare | null
  metric_shards: number
  latency_measure: LatencyMeasure
  /** Absent: the model keeps its policy (a new model gets DEFAULT_APPROVAL_POLICY). */
  approval_policy?: ApprovalPolicy | undefined
}

export interface ChampionInput {
  version: string
  /** Keep the current weights instead of switching 100% to the new champion. */
  keep_weights: boolean
}
