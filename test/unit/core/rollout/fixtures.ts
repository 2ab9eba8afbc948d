/**
 * Fixtures for the rollout machine tests: hand-built verdicts, a demo-sized configuration and a
 * driver that plays the caller (Durable Object + cron) tick by tick with an explicit clock.
 */
import { createHash } from 'node:crypto'
import type { GateConfig, GateDecision, VerdictRecord } from '../../../../src/core/gates/types'
import {
  apply,
  evidenceDigestInput,
  start,
  type Action,
  type Input,
  type OperatorAction,
  type RolloutConfigInput,
  type RolloutState,
  type StartContext,
  type Transition,
} from '../../../../src/core/rollout'

export const MIN = 60_000
export const HOUR = 60 * MIN
export const DAY = 24 * HOUR
export const T0 = Date.UTC(2026, 10, 26, 9, 0, 0)

export function gate(overrides: Partial<GateConfig> = {}): GateConfig {
  return {
    business: [{ metric: 'approved', kind: 'proportion', direction: 'higher_is_better', margin: 0.02 }],
    errorRate: { margin: 0.25 },
    latency: { thresholdMs: 250, margin: 0.2 },
    divergence: null,
    alphaPass: 0.05,
    alphaFail: 0.05,
    srmAlpha: 0.001,
    minSamplePerArm: 500,
    minDurationMs: 10 * MIN,
    maxDurationMs: 4 * HOUR,
    ...overrides,
  }
}

const METRIC_DECISION = {
  PASS: 'pass',
  FAIL: 'fail',
  CONTINUE: 'continue',
  INCONCLUSIVE: 'continue',
  HALT: 'insufficient_data',
} as const

/** A verdict as `evaluateGates` would return it, with numbers that read plausibly. */
export function verdict(decision: GateDecision, overrides: Partial<VerdictRecord> = {}): VerdictRecord {
  const d = METRIC_DECISION[decision]
  const worse = decision === 'FAIL'
  return {
    decision,
    reason: `${decision.toLowerCase()} (fixture)`,
    metrics: [
      {
        metric: 'approved',
        test: 'ni_proportion',
        champion: { n: 4000, estimate: 0.31 },
        challenger: { n: 1000, estimate: worse ? 0.27 : 0.312 },
        contrast: worse ? -0.04 : 0.002,
        boundary: 0.011,
        pValue: worse ? 0.0004 : 0.01,
        margin: 0.02,
        alpha: 0.025,
        decision: d,
        reason: `approved ${d}`,
      },
      {
        metric: 'error_rate',
        test: 'event_split',
        champion: { n: 4000, estimate: 0.01 },
        challenger: { n: 1000, estimate: 0.011 },
        contrast: 0.1,
        boundary: 0.2,
        pValue: 0.2,
        margin: 0.25,
        alpha: 0.025,
        decision: d === 'fail' ? 'continue' : d,
        reason: 'error rate within margin',
      },
    ],
    srm: {
      alarm: decision === 'HALT',
      pValue: decision === 'HALT' ? 1e-6 : 0.4,
      observedShare: decision === 'HALT' ? 0.09 : 0.05,
      expectedShare: 0.05,
      reason: decision === 'HALT' ? 'observed 9% vs expected 5%' : 'split as designed',
    },
    elapsedMs: 30 * MIN,
    ...overrides,
  }
}

/** Demo-sized durations: shadow 30 min, stages 10 min, watch 60 min. */
export function config(overrides: Partial<RolloutConfigInput> = {}): RolloutConfigInput {
  return {
    model: 'credit-risk',
    challenger: 'v2',
    champion: 'v1',
    strategies: ['shadow', 'canary'],
    durations: { stageMinMs: 10 * MIN, shadowMinMs: 30 * MIN, watchMs: 60 * MIN },
    shadow: { sampleRate: 0.5, minSamples: 1000 },
    gates: {
      shadow: gate(),
      canary: gate(),
      cohort: gate(),
      watch: gate({ maxDurationMs: 6 * HOUR }),
    },
    ...overrides,
  }
}

export function startContext(overrides: Partial<StartContext> = {}): StartContext {
  return {
    id: 'ro_test',
    now: T0,
    risk: 'medium',
    lastRollbackAt: null,
    openActionItems: 0,
    evaluationWaived: false,
    gatesWeakerThanDefaults: [],
    ...overrides,
  }
}

/** What the caller would hash: SHA-256 hex of the canonical evidence. */
export function evidenceHash(state: RolloutState): string {
  return createHash('sha256').update(evidenceDigestInput(state)).digest('hex')
}

export function actionTypes(t: Transition): string[] {
  return t.actions.map((a) => (a.type === 'alert' ? `alert:${a.kind}` : a.type))
}

export function only<T extends Action['type']>(t: Transition, type: T): Extract<Action, { type: T }>[] {
  return t.actions.filter((a): a is Extract<Action, { type: T }> => a.type === type)
}

/** Plays the caller: applies inputs with an explicit clock and confirms publishes. */
export class Driver {
  now = T0
  epoch = 40
  last: Transition
  readonly log: Transition[] = []

  constructor(cfg: RolloutConfigInput = config(), ctx: Partial<StartContext> = {}) {
    this.last = start(cfg, startContext({ now: this.now, ...ctx }))
    this.log.push(this.last)
  }

  get state(): RolloutState {
    return this.last.state
  }

  wait(ms: number): this {
    this.now += ms
    return this
  }

  apply(input: Input): Transition {
    this.last = apply(this.state, input)
    this.log.push(this.last)
    return this.last
  }

  /** The caller publishes whatever the last transition asked for and confirms the new epoch. */
  confirmPublish(): Transition | null {
    const publishes = this.last.actions.some((a) => a.type === 'publish_routing' || a.type === 'set_champion')
    if (!publishes) return null
    this.epoch += 1
    return this.apply({
      type: 'step_published',
      now: this.now,
      stepIndex: this.state.stepIndex,
      epoch: this.epoch,
    })
  }

  evaluation(passed = true): Transition {
    const t = this.apply({
      type: 'evaluation_report',
      now: this.now,
      passed,
      report: { auc: 0.81 },
    })
    this.confirmPublish()
    return t
  }

  /** A tick with evidence for the current step, one minute later by default. */
  tick(decision: GateDecision | null, after = MIN): Transition {
    this.now += after
    const { stepIndex, stepEpoch } = this.state
    const v = decision === null ? null : verdict(decision)
    return this.apply({ type: 'tick', now: this.now, stepIndex, stepEpoch, verdict: v })
  }

  /** Wait out the current step's minimum duration and PASS it; confirm any publish. */
  passStep(): Transition {
    const t = this.tick('PASS', 61 * MIN)
    this.confirmPublish()
    return t
  }

  approve(approver = 'alice', hash = evidenceHash(this.state)): Transition {
    const t = this.apply({
      type: 'approve',
      now: this.now,
      approver,
      evidenceHash: hash,
      currentEvidenceHash: evidenceHash(this.state),
    })
    this.confirmPublish()
    return t
  }

  operator(type: OperatorAction, actor = 'bob', reason?: string): Transition {
    return this.apply({ type, now: this.now, actor, reason })
  }

  /** Weight of the challenger in the last published routing, or null. */
  lastPublishedWeight(): number | null {
    for (let i = this.log.length - 1; i >= 0; i--) {
      for (const a of this.log[i]?.actions ?? []) {
        if (a.type === 'publish_routing') {
          return a.routing.weights[this.state.config.challenger] ?? 0
        }
        if (a.type === 'set_champion') return 100
      }
    }
    return null
  }
}
