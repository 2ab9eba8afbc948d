/**
 * What `npm run demo` registers and asks for: the model settings, the rollout plans and the gate
 * overrides, each with the reason it is printed with. Pure data.
 *
 * Sizing (checked with the real gate code at the demo's volume, ~80 requests/s in all):
 * - repaid ≈ 92% (v1, v2) vs 86% (v3); one minute of matured traffic in a 25% stage gives each
 *   arm a few hundred approved loans;
 * - non-inferiority at a 5% relative margin needs ~350–500 challenger loans (2% would need
 *   2,200–3,200, i.e. several minutes per stage at this volume);
 * - showing zero errors below a 2% floor needs ~770 requests (0.1%: ~7,900);
 * - showing v2's 4.4% decision changes below 10% needs ~570 shadow pairs (5%: ~10,000).
 */
import type { ScorerVersion } from './credit-model'

export const METRIC = 'repaid'

/** Where the model's outcome metric and the shadow comparison are declared. */
export function modelInput(): Record<string, unknown> {
  return {
    risk: 'medium',
    unit_header: 'x-unit-id',
    metrics: [
      {
        name: METRIC,
        // A mean over approved loans: a proportion would count every matured request, declined
        // applicants (who never get a loan) included, as "not repaid".
        kind: 'mean',
        direction: 'higher_is_better',
        window_s: 60,
        // 1 = repaid, 0 = defaulted: the bounds every mean metric declares.
        cap: 1,
        floor: 0,
        margin: 0.02,
      },
    ],
    shadow_compare: { pointer: '/predictions/0/label', comparator: { kind: 'label' } },
  }
}

/** Gate overrides for every stage kind (the same policy for both scenarios). */
export const GATE_OVERRIDES = {
  min_sample: 200,
  business: [{ metric: METRIC, margin: 0.05, fail_margin: 0 }],
  error_rate: { margin: 0.25, floor: 0.02 },
  divergence: { max_rate: 0.1 },
} as const

export const DURATIONS = { stage_min_s: 60, watch_s: 30 } as const
/** The shadow step lasts at least this long, and until the next minute boundary (see `shadowSeconds`). */
export const SHADOW_MIN_S = 20
export const STAGES = [25, 50, 100] as const
export const SHADOW = { sample_rate: 1, min_samples: 500 } as const

/** Why each override, as printed before the rollouts start. */
export const OVERRIDE_REASONS: Array<[string, string]> = [
  [
    'durations',
    `shadow ≥ ${SHADOW_MIN_S} s until a minute boundary, canary stages ≥ ${DURATIONS.stage_min_s} s (= the attribution window), watch ${DURATIONS.watch_s} s ` +
      '(defaults 48 h / 24 h / 72 h: a full daily cycle; the demo traffic has none). Outcomes mature per whole minute ' +
      '(a request made in minute M counts from the end of M + 1 min + the 60 s window), so the shadow ends on a minute boundary ' +
      'and the canary stages start on the minute, as they do under the once-a-minute production cron.',
  ],
  [
    'min_sample 200',
    'default 1,000 exposures per arm. A 25% stage at 24–56 req/s matures a few hundred approved loans per arm per minute; ' +
      '200 per arm is still plenty for the normal approximation behind the test.',
  ],
  [
    'repaid margin 5%',
    'default 2% (relative). With repay rates near 92%, showing "no worse than 5%" (92% → 87.4%) takes ~350–500 loans per arm; ' +
      'showing 2% would take 2,200–3,200 per arm, i.e. several minutes per stage at demo volume.',
  ],
  [
    'repaid fail_margin 0',
    'stricter than the default (= margin): roll back as soon as the challenger is shown to repay less at all, not only 5% less.',
  ],
  [
    'error_rate floor 2%',
    'default 0.1%. With no errors at all, showing a rate below 0.1% needs ~7,900 clean requests, below 2% ~770. ' +
      'The relative test (FAIL at +25% errors vs the champion) still applies.',
  ],
  [
    'divergence max 10%',
    'default 5%. A retrained scorer legitimately changes ~4.4% of decisions; showing that is below 5% needs ~10,000 shadow pairs, below 10% ~570.',
  ],
  [
    'latency',
    'no gate: the demo model declares no SLA and its champion has fewer than 1,000 answers when the rollout starts, so there is no threshold. ' +
      '(The local scorers answer in ~1 ms: a tail-exceedance test would find no slow answers to count.)',
  ],
  ['α, SRM', 'defaults: α_pass = α_fail = 0.05 (Bonferroni over the gates), SRM α = 0.001.'],
]

/** An offline evaluation that passes (the bad model's offline numbers looked fine too). */
export function evaluationReport(version: ScorerVersion): Record<string, unknown> {
  const auc = version === 'v3' ? 0.79 : 0.81
  return {
    quality: { metric: 'auc', challenger: auc, champion: 0.8, threshold: 0.75, max_regression: 0.02 },
    fairness: [{ metric: 'demographic_parity_difference', value: 0.02, threshold: 0.05 }],
    latency: { p99_ms: 12, load_rps: 200 },
    slices: [{ name: 'thin_file_applicants', challenger: 0.77, champion: 0.76 }],
    dataset: version === 'v3' ? 'holdout from the approved-only 2025 book' : 'holdout 2026-Q3, 50k applications',
  }
}

export interface ScenarioSpec {
  key: 'A' | 'B'
  challenger: ScorerVersion
  expect: 'promoted' | 'rolled_back'
  title: string
  strategy: string | string[]
  /**
   * Share of the demo's request rate. A's path is longer (two canary stages), so it gets more;
   * B only has to be caught once. A finished scenario hands its share to the other.
   */
  trafficShare: number
}

export const SCENARIOS: ScenarioSpec[] = [
  {
    key: 'A',
    challenger: 'v2',
    expect: 'promoted',
    title: 'good challenger v2 (retrained on recent data)',
    strategy: ['shadow', 'canary'],
    trafficShare: 0.7,
  },
  {
    key: 'B',
    challenger: 'v3',
    expect: 'rolled_back',
    title: 'bad challenger v3 (biased training sample: approves ~95%)',
    strategy: 'canary',
    trafficShare: 0.3,
  },
]

/**
 * Shadow duration (whole seconds) for a rollout approved at about `now`: until just after the
 * first minute boundary at least SHADOW_MIN_S away, so that the canary stage that follows starts
 * on the minute (the demo ticks cron right after each boundary).
 */
export function shadowSeconds(now: number): number {
  const boundary = Math.ceil((now + SHADOW_MIN_S * 1000) / 60_000) * 60_000
  return Math.ceil((boundary + 300 - now) / 1000)
}

/** The start request of a scenario's rollout (`now`: when it will be approved). */
export function rolloutRequest(s: ScenarioSpec, now: number): Record<string, unknown> {
  const gates = { shadow: GATE_OVERRIDES, canary: GATE_OVERRIDES, watch: GATE_OVERRIDES }
  const shadow = Array.isArray(s.strategy) && s.strategy.includes('shadow')
  return {
    challenger: s.challenger,
    strategy: s.strategy,
    stages: [...STAGES],
    durations: { ...DURATIONS, ...(shadow ? { shadow_min_s: shadowSeconds(now) } : {}) },
    ...(shadow ? { shadow: SHADOW } : {}),
    gates,
    evaluation: evaluationReport(s.challenger),
    reason: `npm run demo: scenario ${s.key}, ${s.title}`,
  }
}
