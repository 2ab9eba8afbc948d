/**
 * @module services/coordinator/rollout-runner
 * Executes the pure rollout machine inside the model's coordinator: gathers evidence from the
 * metrics shards, asks the gates for a verdict, applies the machine and runs the actions it returns
 * (publishing routing through the registry, alerts, incidents, verdict rows). Everything runs under
 * the coordinator's lock, so a tick and an operator action never interleave.
 */
import { sha256Hex } from '../../core/audit/chain'
import { alertBody, type AlertMessage } from '../../core/alerts/format'
import { snakeKeys } from '../../core/case'
import { buildEvidence, type EvidenceSpec, type MetricSpec } from '../../core/metrics/evidence'
import { evaluateGates } from '../../core/gates/evaluate'
import type { VerdictRecord } from '../../core/gates/types'
import {
  QUIET_EVENTS,
  apply,
  evidenceDigestInput,
  gateConfigForStep,
  type Action,
  type Input,
  type RolloutState,
  type Step,
  type Transition,
} from '../../core/rollout/index'
import { incidentImpact, type IncidentImpact } from '../../core/rollout/impact'
import type { ModelState } from '../../core/registry/model-state'
import type { RolloutView } from '../../schemas/rollout-view'
import { rolloutView } from '../views/rollout'
import type { CoordinatorPort, StoredRollout } from './ports'

export type { StoredRollout }

/** What the runner needs from the coordinator: a part of the use cases' port. */
export type RunnerPort = Pick<
  CoordinatorPort,
  | 'now'
  | 'newId'
  | 'model'
  | 'registry'
  | 'audit'
  | 'outbox'
  | 'summary'
  | 'webhooks'
  | 'enqueueDelivery'
  | 'saveRollout'
  | 'incident'
  | 'saveIncident'
  | 'noteRollback'
>

function metricSpecs(model: ModelState): MetricSpec[] {
  return model.metrics.map((m) => ({ name: m.name, kind: m.kind }))
}

function metricWindows(model: ModelState) {
  return model.metrics.map((m) => ({ name: m.name, windowMs: m.window_s * 1000 }))
}

const iso = (ms: number) => new Date(ms).toISOString()

export class RolloutRunner {
  constructor(private readonly port: RunnerPort) {}

  /** The step whose gates apply now (a watch reads the step before it for routing only). */
  currentStep(r: RolloutState): Step | null {
    return r.stepIndex >= 0 ? (r.plan[r.stepIndex] ?? null) : null
  }

  /** Gate verdict for the current step, or null while there is nothing to evaluate. */
  async evaluate(stored: StoredRollout, now: number): Promise<VerdictRecord | null> {
    const r = stored.state
    const step = this.currentStep(r)
    if (step === null || r.stepEpoch === null || step.kind === 'switch') return null
    const gate = gateConfigForStep(r.config, step)
    if (gate === null) return null
    const model = this.port.model()
    const q = { minEpoch: r.stepEpoch, now, metrics: metricWindows(model) }
    const summary = await this.port.summary(q)
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
        const baseline = await this.port.summary({ minEpoch: 0, maxEpoch: before, now, metrics: q.metrics })
        spec = { kind: 'watch', champion, challenger, baseline }
        break
      }
      default: {
        const never: never = step
        return never
      }
    }
    return evaluateGates(
      buildEvidence(summary, spec, metricSpecs(model), { stageStartedAt: r.stepStartedAt, now }),
      gate,
    )
  }

  async evidenceHash(r: RolloutState): Promise<string> {
    return sha256Hex(evidenceDigestInput(r))
  }

  /** Apply one input and run everything it asks for (including follow-up confirmations). */
  async run(stored: StoredRollout, input: Input, actor: string): Promise<StoredRollout> {
    return this.execute(stored, apply(stored.state, input), actor)
  }

  async execute(stored: StoredRollout, t: Transition, actor: string): Promise<StoredRollout> {
    let current: StoredRollout = { state: t.state, meta: stored.meta }
    await this.record(current, t)
    for (const action of t.actions) current = await this.act(current, action, actor)
    return current
  }

  /** Persist the state, the D1 row and (for real events) an audit entry. */
  private async record(s: StoredRollout, t: Transition): Promise<void> {
    await this.port.saveRollout(s)
    const r = s.state
    const last = r.verdicts.at(-1) ?? null
    await this.port.outbox([
      {
        kind: 'rollout',
        row: {
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
        },
      },
    ])
    if (!QUIET_EVENTS.has(t.event.type)) {
      await this.port.audit({
        action: `rollout.${t.event.type}`,
        target: r.id,
        before: null,
        after: { phase: r.phase, step: r.stepIndex, details: snakeKeys(t.event.details ?? null) },
        reason: t.event.reason,
        actor: t.event.actor,
      })
    }
  }

  private async act(s: StoredRollout, action: Action, actor: string): Promise<StoredRollout> {
    const r = s.state
    switch (action.type) {
      case 'publish_routing': {
        const snap = await this.port.registry(
          {
            type: 'set_routing',
            input: {
              weights: action.routing.weights,
              rules: action.routing.rules,
              shadow: action.routing.shadow,
              reason: action.reason,
            },
          },
          actor,
        )
        return this.published(s, snap.epoch)
      }
      case 'set_champion': {
        const snap = await this.port.registry(
          { type: 'set_champion', input: { version: action.version, keep_weights: false }, reason: action.reason },
          actor,
        )
        return this.published({ ...s, meta: { ...s.meta, finalEpoch: snap.epoch } }, snap.epoch)
      }
      case 'rollback_routing': {
        const liveFrom = r.stepEpoch ?? s.meta.startEpoch
        const snap = await this.port.registry({ type: 'rollback', target: action.target, reason: action.reason }, actor)
        await this.port.noteRollback(this.port.now())
        const next = {
          ...s,
          meta: { ...s.meta, rollbackEpoch: snap.epoch, failedStep: { fromEpoch: liveFrom, toEpoch: snap.epoch - 1 } },
        }
        await this.port.saveRollout(next)
        return next
      }
      case 'alert': {
        const msg: AlertMessage = {
          kind: action.kind,
          severity: action.severity,
          summary: action.summary,
          details: snakeKeys(action.details) as Record<string, unknown>,
          model: r.config.model,
          rolloutId: r.id,
          at: this.port.now(),
        }
        for (const wh of this.port.webhooks()) {
          const events = wh.events as string[]
          if (!events.includes(action.kind)) continue
          await this.port.enqueueDelivery(
            wh,
            action.kind,
            alertBody(wh.format as 'json' | 'slack' | 'pagerduty', msg, { routingKey: wh.routingKey ?? null }),
          )
        }
        return s
      }
      case 'open_incident': {
        const id = this.port.newId('inc')
        const impact = await this.impact(s)
        const now = this.port.now()
        await this.port.saveIncident({
          id,
          model: r.config.model,
          rolloutId: r.id,
          at: iso(now),
          trigger: action.trigger,
          actor,
          summary: action.summary,
          impact,
          confirmation: null,
          retrospective: null,
          openActionItems: 0,
          updatedAt: iso(now),
        })
        await this.port.audit({
          action: 'incident.open',
          target: id,
          before: null,
          after: { rollout: r.id, trigger: action.trigger, impact },
          reason: action.summary,
          actor,
        })
        const next = { ...s, meta: { ...s.meta, incidentId: id } }
        await this.port.saveRollout(next)
        return next
      }
      case 'record_verdict': {
        const v = action.verdict
        await this.port.outbox([
          {
            kind: 'verdict',
            row: {
              id: this.port.newId('vrd'),
              rolloutId: r.id,
              model: r.config.model,
              stepIndex: v.stepIndex,
              stepEpoch: v.stepEpoch,
              at: iso(v.at),
              decision: v.decision,
              decisive: v.decisive,
              reason: v.reason,
              metrics: v.metrics,
              srm: v.srm,
            },
          },
        ])
        await this.port.audit({
          action: 'rollout.verdict',
          target: r.id,
          before: null,
          after: { decision: v.decision, step: v.stepIndex, decisive: v.decisive, metrics: v.metrics, srm: v.srm },
          reason: v.reason,
          actor: 'controller',
        })
        return s
      }
      default: {
        const never: never = action
        return never
      }
    }
  }

  /** The step's routing is live: tell the machine (statistics restart from this epoch). */
  private async published(s: StoredRollout, epoch: number): Promise<StoredRollout> {
    return this.run(
      s,
      { type: 'step_published', now: this.port.now(), stepIndex: s.state.stepIndex, epoch },
      'controller',
    )
  }

  /** Requests the challenger served, and how its errors and metrics compared, over the rollout. */
  private async impact(s: StoredRollout): Promise<IncidentImpact> {
    const summary = await this.port.summary({ minEpoch: s.meta.startEpoch, now: this.port.now(), metrics: [] })
    return incidentImpact(summary, s.state)
  }

  /** The admin view of a rollout. */
  async view(s: StoredRollout): Promise<RolloutView> {
    return rolloutView(s, await this.evidenceHash(s.state))
  }
}
