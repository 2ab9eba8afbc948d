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
import { modelScopedId } from '../../core/ids'
import type { VerdictRecord } from '../../core/gates/types'
import {
  QUIET_EVENTS,
  apply,
  evidenceDigestInput,
  subscribedTo,
  type Action,
  type Input,
  type RolloutState,
  type Transition,
} from '../../core/rollout/index'
import { incidentImpact, type IncidentImpact } from '../../core/rollout/impact'
import type { RegistryCommand } from '../../core/registry/commands'
import type { IncidentRow } from '../../adapters/d1/outbox'
import type { RolloutView } from '../../schemas/rollout-view'
import { rolloutView } from '../views/rollout'
import type { CoordinatorPort, Intent, PendingAction, RolloutEffects, StoredRollout } from './ports'
import { pendingDelivery, type PendingDelivery } from './webhook-deliverer'
import { evaluateStep, freshLooks } from './evaluate-step'
import { derivedId, rolloutRow } from './rollout-records'

export type { StoredRollout }

/** What the runner needs from the coordinator: a part of the use cases' port. */
export type RunnerPort = Pick<
  CoordinatorPort,
  'now' | 'newId' | 'model' | 'registry' | 'summary' | 'webhooks' | 'persist' | 'incident' | 'noteRollback'
>

const iso = (ms: number) => new Date(ms).toISOString()

type AlertAction = Extract<Action, { type: 'alert' }>

export class RolloutRunner {
  constructor(private readonly port: RunnerPort) {}

  /** Gate verdict for the current step, or null while there is nothing to evaluate. */
  evaluate(stored: StoredRollout, now: number): Promise<VerdictRecord | null> {
    return evaluateStep(this.port, stored, now)
  }

  async evidenceHash(r: RolloutState): Promise<string> {
    return sha256Hex(evidenceDigestInput(r))
  }

  /**
   * Apply one input and run everything it asks for (including follow-up confirmations). The
   * effects of an earlier decision still pending run first: the input meets the state they leave.
   */
  async run(stored: StoredRollout, input: Input, actor: string, with_: RolloutEffects = {}): Promise<StoredRollout> {
    const s = await this.drain(stored)
    return this.execute(s, apply(s.state, input), actor, with_)
  }

  /**
   * Durable execution: the decision and everything it asks for are written as one intent, in one
   * atomic write, before any effect runs; then the effects run in order, each one's own writes and
   * the intent's progress again in one write. An intent left by a throw, an object reset or a
   * deploy is run on by `resume`, and every effect is safe to run twice (see `act`), so a rollout
   * is never `rolled_back` while its routing still serves the challenger once the intent has run.
   */
  async execute(
    stored: StoredRollout,
    t: Transition,
    actor: string,
    with_: RolloutEffects = {},
  ): Promise<StoredRollout> {
    return this.drain(await this.begin(stored, t, actor, [], with_))
  }

  /** Runs the rest of an intent a throw or a reset left behind (a no-op without one). */
  async resume(stored: StoredRollout): Promise<StoredRollout> {
    return this.drain(stored)
  }

  private async begin(
    stored: StoredRollout,
    t: Transition,
    actor: string,
    rest: PendingAction[],
    with_: RolloutEffects = {},
  ): Promise<StoredRollout> {
    const seq = (stored.decisions ?? 0) + 1
    const pending = [...t.actions.map((action) => ({ action, actor })), ...rest]
    const next: StoredRollout = {
      state: t.state,
      meta: stored.meta,
      decisions: seq,
      // A new step starts a looks record planned with every side; the current step keeps its own
      // (./evaluate-step). The record is in the same atomic write as the step change.
      ...looksAfter(stored, t.state),
      intent: pending.length > 0 ? { pending, epoch: this.port.model().epoch, seq, done: 0 } : null,
    }
    const quiet = QUIET_EVENTS.has(t.event.type)
    const r = t.state
    await this.port.persist(next, {
      ...with_,
      records: [...(with_.records ?? []), { kind: 'rollout', row: rolloutRow(r) }],
      ...(quiet
        ? {}
        : {
            audit: {
              action: `rollout.${t.event.type}`,
              target: r.id,
              before: null,
              after: { phase: r.phase, step: r.stepIndex, details: snakeKeys(t.event.details ?? null) },
              reason: t.event.reason,
              actor: t.event.actor,
            },
          }),
    })
    return next
  }

  private async drain(stored: StoredRollout): Promise<StoredRollout> {
    let s = stored
    while (s.intent) s = await this.act(s, s.intent)
    return s
  }

  /** The rollout with the head action done: the rest of the intent, and its epoch, from now on. */
  private advanced(s: StoredRollout, intent: Intent, meta = s.meta): StoredRollout {
    const pending = intent.pending.slice(1)
    const next =
      pending.length > 0 ? { pending, epoch: this.port.model().epoch, seq: intent.seq, done: intent.done + 1 } : null
    return { ...s, meta, intent: next }
  }

  /**
   * A registry change of the head action, made once: if the model's epoch moved on since the head
   * became due, this action already committed it (only this object writes the registry, under its
   * lock) and its epoch is the current one.
   */
  private async registry(intent: Intent, cmd: RegistryCommand, actor: string): Promise<number> {
    const epoch = this.port.model().epoch
    if (epoch > intent.epoch) return epoch
    return (await this.port.registry(cmd, actor)).epoch
  }

  /** Runs the head action of `intent`; every case is safe to run again after a crash. */
  private async act(s: StoredRollout, intent: Intent): Promise<StoredRollout> {
    const { action, actor } = intent.pending[0] as PendingAction
    const r = s.state
    const rest = intent.pending.slice(1)
    switch (action.type) {
      case 'publish_routing': {
        const { weights, rules, shadow } = action.routing
        const cmd: RegistryCommand = { type: 'set_routing', input: { weights, rules, shadow, reason: action.reason } }
        const epoch = await this.registry(intent, cmd, actor)
        return this.published({ ...s, intent: null }, epoch, rest)
      }
      case 'set_champion': {
        const input = { version: action.version, keep_weights: false }
        const epoch = await this.registry(intent, { type: 'set_champion', input, reason: action.reason }, actor)
        return this.published({ ...s, intent: null, meta: { ...s.meta, finalEpoch: epoch } }, epoch, rest)
      }
      case 'rollback_routing': {
        const liveFrom = r.stepEpoch ?? s.meta.startEpoch
        const cmd: RegistryCommand = { type: 'rollback', target: action.target, reason: action.reason }
        const epoch = await this.registry(intent, cmd, actor)
        await this.port.noteRollback(this.port.now())
        const failedStep = { fromEpoch: liveFrom, toEpoch: epoch - 1 }
        const next = this.advanced(s, intent, { ...s.meta, rollbackEpoch: epoch, failedStep })
        await this.port.persist(next, {})
        return next
      }
      case 'alert': {
        const next = this.advanced(s, intent)
        await this.port.persist(next, { deliveries: await this.deliveries(r, action, intent) })
        return next
      }
      case 'open_incident': {
        // Named by the decision that opened it: a replay rewrites the same incident.
        const id = modelScopedId(await derivedId('inc', r.id, intent.seq, intent.done), r.config.model)
        const impact = await this.impact(s)
        const now = iso(this.port.now())
        const row: IncidentRow = {
          id,
          model: r.config.model,
          rolloutId: r.id,
          at: now,
          trigger: action.trigger,
          actor,
          summary: action.summary,
          impact,
          confirmation: null,
          retrospective: null,
          openActionItems: 0,
          updatedAt: now,
        }
        const next = this.advanced(s, intent, { ...s.meta, incidentId: id })
        await this.port.persist(next, {
          incident: row,
          records: [{ kind: 'incident', row }],
          audit: {
            action: 'incident.open',
            target: id,
            before: null,
            after: { rollout: r.id, trigger: action.trigger, impact },
            reason: action.summary,
            actor,
          },
        })
        return next
      }
      case 'record_verdict': {
        const v = action.verdict
        const row = {
          id: await derivedId('vrd', r.id, intent.seq, intent.done),
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
        }
        const next = this.advanced(s, intent)
        await this.port.persist(next, {
          records: [{ kind: 'verdict', row }],
          audit: {
            action: 'rollout.verdict',
            target: r.id,
            before: null,
            after: { decision: v.decision, step: v.stepIndex, decisive: v.decisive, metrics: v.metrics, srm: v.srm },
            reason: v.reason,
            actor: 'controller',
          },
        })
        return next
      }
      default: {
        const never: never = action
        return never
      }
    }
  }

  /** One delivery per webhook subscribed to the alert's kind, each named by the decision. */
  private async deliveries(r: RolloutState, action: AlertAction, intent: Intent): Promise<PendingDelivery[]> {
    const msg: AlertMessage = {
      kind: action.kind,
      severity: action.severity,
      summary: action.summary,
      details: snakeKeys(action.details) as Record<string, unknown>,
      model: r.config.model,
      rolloutId: r.id,
      at: this.port.now(),
    }
    const out: PendingDelivery[] = []
    for (const wh of this.port.webhooks()) {
      if (!subscribedTo(wh.events as string[], action.kind)) continue
      const body = alertBody(wh.format as 'json' | 'slack' | 'pagerduty', msg, { routingKey: wh.routingKey ?? null })
      const id = await derivedId('whd', r.id, intent.seq, intent.done, wh.id)
      out.push(pendingDelivery(id, wh, action.kind, body))
    }
    return out
  }

  /**
   * The step's routing is live: tell the machine (statistics restart from this epoch). Its own
   * actions run before the rest of the intent, as they would have in a nested call.
   */
  private async published(s: StoredRollout, epoch: number, rest: PendingAction[]): Promise<StoredRollout> {
    const input: Input = { type: 'step_published', now: this.port.now(), stepIndex: s.state.stepIndex, epoch }
    return this.begin(s, apply(s.state, input), 'controller', rest)
  }

  /** Requests the challenger served, and how its errors and metrics compared, over the rollout. */
  private async impact(s: StoredRollout): Promise<IncidentImpact> {
    // The rollout's own epochs: everything before its start epoch is the champion's past.
    const q = { minEpoch: s.meta.startEpoch + 1, now: this.port.now(), metrics: [] }
    const summary = await this.port.summary(q)
    return incidentImpact(summary, s.state)
  }

  /** The admin view of a rollout. */
  async view(s: StoredRollout): Promise<RolloutView> {
    return rolloutView(s, await this.evidenceHash(s.state))
  }
}

/** The looks record to store with `next`: a fresh one when the step changed, else the stored one. */
function looksAfter(stored: StoredRollout, next: RolloutState): Pick<StoredRollout, 'looks'> {
  const prev = stored.state
  const changed = next.stepEpoch !== prev.stepEpoch || next.stepIndex !== prev.stepIndex
  const looks = changed ? freshLooks(next) : stored.looks
  return looks ? { looks } : {}
}
