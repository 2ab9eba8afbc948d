/**
 * @module services/coordinator/start-rollout
 * Starting a rollout: validate the challenger against the registry, resolve the plan and gates
 * from the model's defaults and the request (./rollout-request), fix the approval facts, and
 * run the machine's first transition.
 */
import { judgeOfflineReport } from '../../core/evaluation/offline'
import { DomainError } from '../../core/errors'
import { modelScopedId } from '../../core/ids'
import { sumWhere } from '../../core/metrics/summary'
import { isTerminal, start, type Input } from '../../core/rollout/index'
import { buildRolloutConfig } from './rollout-request'
import { measureTraffic } from './auto-plan'
import { quantile } from '../../core/stats/histogram'
import type { EvaluationReport } from '../../schemas/evaluation'
import type { StartRolloutInput } from '../../schemas/rollout'
import type { CoordinatorPort } from './ports'
import type { RolloutRunner, StoredRollout } from './rollout-runner'

/** A champion p99 from fewer answers than this is too noisy to anchor a latency gate. */
const MIN_BASELINE_ANSWERS = 1_000

export async function startRollout(
  port: CoordinatorPort,
  runner: RolloutRunner,
  req: StartRolloutInput,
  actor: string,
): Promise<StoredRollout> {
  const model = port.model()
  const active = port.active()
  if (active && !isTerminal(active.state.phase)) {
    throw new DomainError(
      'conflict',
      `model ${model.model} already has an active rollout ${active.state.id} (${active.state.phase})`,
    )
  }
  const champion = model.routing?.champion
  if (!champion) {
    // A conflict with the model's state (409), not an outage: the data plane's 503 `no_champion` is
    // about serving, this is a request that cannot succeed until a champion is set.
    throw new DomainError('conflict', `model ${model.model} has no champion to compare with`, {
      extra: { reason: 'no_champion' },
    })
  }
  if (!model.versions[req.challenger]) {
    throw new DomainError('validation_failed', `unknown version ${req.challenger}`, {
      fields: [{ field: 'challenger', message: `register ${req.challenger} first` }],
    })
  }
  if (req.waive_evaluation && req.evaluation) {
    // Refused before anything is stored: a waived rollout never waits for a report, so applying
    // this one after the start would fail while the rollout was already running.
    throw new DomainError('validation_failed', 'submit the offline evaluation or waive it, not both', {
      fields: [{ field: 'evaluation', message: 'waive_evaluation is set: drop one of them' }],
    })
  }
  if (req.challenger === champion) {
    throw new DomainError('validation_failed', 'the challenger is the champion', {
      fields: [{ field: 'challenger', message: 'choose another version' }],
    })
  }
  const now = port.now()
  const history = await port.summary({ minEpoch: 0, now, metrics: [] })
  const champ = sumWhere(history, (r) => r.version === champion && r.arm !== 'shadow')
  const anchored = champ.latency.count >= MIN_BASELINE_ANSWERS
  const { config, weaker } = buildRolloutConfig(req, {
    model: model.model,
    champion,
    slaP99Ms: model.sla?.p99_ms ?? null,
    metrics: model.metrics,
    championLatency: anchored ? champ.latency : null,
    championP99Ms: anchored ? quantile(champ.latency, 0.99) : null,
    traffic: req.durations === 'auto' ? await measureTraffic(port, now) : null,
  })
  const openItems = (await port.incidents()).reduce((a, i) => a + (i.openActionItems ?? 0), 0)
  const t = start(config, {
    id: modelScopedId(port.newId('ro'), model.model),
    now,
    risk: model.risk,
    lastRollbackAt: port.lastRollbackAt(),
    gatesWeakerThanDefaults: weaker,
    openActionItems: openItems,
    evaluationWaived: req.waive_evaluation,
    actor,
    baseRules: model.routing?.rules ?? [],
  })
  let stored: StoredRollout = {
    state: t.state,
    meta: { startEpoch: model.epoch, finalEpoch: null, rollbackEpoch: null, failedStep: null, incidentId: null },
  }
  stored = await runner.execute(stored, t, actor)
  if (req.evaluation) stored = await runner.run(stored, evaluationInput(port, req.evaluation, actor), actor)
  return stored
}

/** The machine input for an offline evaluation report, judged against the model's SLA. */
export function evaluationInput(port: CoordinatorPort, report: EvaluationReport, actor: string): Input {
  const verdict = judgeOfflineReport(report, port.model().sla?.p99_ms ?? null)
  return {
    type: 'evaluation_report',
    now: port.now(),
    passed: verdict.passed,
    report: { report, checks: verdict.checks },
    actor,
    reason: verdict.reason,
  }
}
