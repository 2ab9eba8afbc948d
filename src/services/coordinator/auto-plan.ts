/**
 * @module services/coordinator/auto-plan
 * `durations: "auto"` at the start of a rollout: the model's traffic and the champion's business
 * metrics measured in the current routing epoch, turned into planned canary stage lengths by
 * core/rollout/auto-durations (docs/statistics.md §2.7); and again when a shadow step passes,
 * from what the shadow step measured (core/rollout/replan).
 */
import { buildEvidence } from '../../core/metrics/evidence'
import type { ModelState } from '../../core/registry/model-state'
import {
  DEFAULT_POWER,
  maturationDelayMs,
  measuredInputs,
  planStage,
  type AutoPlanInput,
  type MeasuredMetric,
} from '../../core/rollout/auto-durations'
import type { MergedSummary } from '../../core/metrics/summary'
import { DEFAULTS, DEFAULT_STAGES } from '../../core/rollout/config'
import { replanCanary } from '../../core/rollout/replan'
import { formatDuration } from '../../core/rollout/describe'
import type { AutoDurations } from '../../core/rollout/types'
import type { GateConfig } from '../../core/gates/types'
import { variance } from '../../core/stats/moments'
import type { CoordinatorPort, StoredRollout } from './ports'
import { metricSpecs, metricWindows } from './evaluate-step'

/** What was measured before the start: requests per ms to the model and its business metrics. */
export interface MeasuredTraffic {
  ratePerMs: number
  metrics: Array<Omit<MeasuredMetric, 'margin' | 'direction' | 'kind'>>
}

/**
 * The champion's traffic since the current routing epoch began (the model state's `updated_at`
 * changes with every epoch), or null when there is none to plan from.
 */
export async function measureTraffic(
  port: Pick<CoordinatorPort, 'model' | 'summary'>,
  now: number,
): Promise<MeasuredTraffic | null> {
  const model: ModelState = port.model()
  return measureChampion(port, model.routing?.champion, model.epoch, Date.parse(model.updated_at), now)
}

/** The champion's served traffic from `minEpoch` on, over `since`..`now`; null when there is none. */
async function measureChampion(
  port: Pick<CoordinatorPort, 'model' | 'summary'>,
  champion: string | undefined,
  minEpoch: number,
  since: number,
  now: number,
): Promise<MeasuredTraffic | null> {
  const model: ModelState = port.model()
  if (!champion || !(now > since)) return null
  const summary = await port.summary({ minEpoch, now, metrics: metricWindows(model) })
  // The shadow spec reads the champion's served traffic, whatever its arm or segment.
  const spec = { kind: 'shadow' as const, champion, challenger: champion }
  const e = buildEvidence(summary, spec, metricSpecs(model), { stageStartedAt: since, now })
  if (!(e.champion.exposures > 0)) return null
  const ratePerMs = e.champion.exposures / (now - since)
  const windows = new Map(metricWindows(model).map((w) => [w.name, w.windowMs]))
  const metrics = Object.entries(e.champion.outcomes)
    .filter(([, m]) => m.n >= 2)
    .map(([metric, m]) => {
      // A response metric is counted when the answer ends: its n covers the whole window.
      const perExposure = windows.has(metric) ? outcomesPerExposure(summary, champion, metric) : null
      const outcomesPerMs = perExposure === null ? m.n / (now - since) : ratePerMs * perExposure
      const measured = { metric, mean: m.mean, variance: variance(m) }
      return { ...measured, maturationMs: maturationDelayMs(windows.get(metric) ?? 0), outcomesPerMs }
    })
  return { ratePerMs, metrics }
}

/**
 * Outcomes per matured request of the champion (the same rows as the evidence): a mean metric's
 * information comes per outcome (docs/statistics.md §2.7), and only matured requests have had
 * their whole window to get one.
 */
function outcomesPerExposure(summary: MergedSummary, champion: string, metric: string): number | null {
  let exposures = 0
  let n = 0
  for (const r of summary.matured.values()) {
    if (r.metric !== metric || r.version !== champion || r.arm === 'shadow') continue
    exposures += r.exposures
    n += r.n
  }
  return exposures > 0 ? n / exposures : null
}

/**
 * The planned canary stages, or null when nothing measured can plan them (no traffic, no business
 * metric with a spread): the fixed durations then apply, and the view says so.
 */
export function autoDurations(
  measured: MeasuredTraffic | null,
  gate: GateConfig,
  stages: readonly number[] | undefined,
  power = DEFAULT_POWER,
): AutoDurations | null {
  if (measured === null) return null
  const input = planInput(measured, gate, power)
  const metrics = input.metrics
  const planned: AutoDurations['stages'] = []
  for (const weight of stages ?? DEFAULT_STAGES) {
    if (weight >= 100) continue
    const p = planStage(weight, input)
    if (p === null) return null
    planned.push({ weight, ms: p.ms, capped: p.capped })
  }
  if (planned.length === 0) return null
  return {
    power,
    trafficPerS: measured.ratePerMs * 1000,
    measured: metrics.map(measuredInputs),
    stages: planned,
  }
}

/** The planner's input: what was measured, with each business gate's kind, direction and margin. */
function planInput(measured: MeasuredTraffic, gate: GateConfig, power: number): AutoPlanInput {
  const metrics: MeasuredMetric[] = []
  for (const g of gate.business) {
    const m = measured.metrics.find((x) => x.metric === g.metric)
    if (m) metrics.push({ ...m, kind: g.kind, direction: g.direction, margin: g.margin })
  }
  return {
    ratePerMs: measured.ratePerMs,
    metrics,
    alphaPass: gate.alphaPass,
    power,
    minSamplePerArm: gate.minSamplePerArm,
    capMs: gate.maxDurationMs,
  }
}

/**
 * A shadow step that passed: its canary stages planned by power are planned again from the
 * champion's traffic and variance measured during the shadow step (docs/statistics.md §2.7), and
 * saved with an audit entry before the tick acts. Returns the rollout and the reason line, or null
 * when there is nothing to re-plan (the start's plan stays).
 */
export async function replanAfterShadow(
  port: Pick<CoordinatorPort, 'model' | 'summary' | 'persist'>,
  stored: StoredRollout,
  now: number,
): Promise<{ stored: StoredRollout; reason: string } | null> {
  const r = stored.state
  const auto = r.config.durations.auto
  const gate = r.config.gates.canary
  if (!auto || !gate || r.phase !== 'progressing' || r.plan[r.stepIndex]?.kind !== 'shadow') return null
  if (auto.replanned || r.stepEpoch === null) return null
  const measured = await measureChampion(port, r.config.champion, r.stepEpoch, r.stepStartedAt, now)
  if (measured === null) return null
  const ctx = { plan: r.plan, auto, canaryGate: gate, afterStep: r.stepIndex, at: now }
  const re = replanCanary({ ...ctx, floorMs: DEFAULTS.durations.stageMinMs }, planInput(measured, gate, auto.power))
  if (re === null) return null
  const config = {
    ...r.config,
    durations: { ...r.config.durations, auto: re.auto },
    gates: { ...r.config.gates, canary: re.canaryGate },
  }
  const next: StoredRollout = { ...stored, state: { ...r, config, plan: re.plan } }
  await port.persist(next, {
    audit: {
      action: 'rollout.replanned',
      target: r.id,
      before: { stages: auto.stages, traffic_per_s: auto.trafficPerS },
      after: { stages: re.auto.stages, traffic_per_s: re.auto.trafficPerS },
      reason: re.reason,
      actor: 'controller',
    },
  })
  return { stored: next, reason: re.reason }
}

/** Planned stages shorter than the default stage: like a shorter `stage_min_s`, they need an approver. */
export function shorterThanDefault(auto: AutoDurations, defaultMs: number): string[] {
  return auto.stages
    .filter((s) => s.ms < defaultMs)
    .map(
      (s) =>
        `durations auto: canary ${s.weight}% planned ${formatDuration(s.ms)} < default ${formatDuration(defaultMs)}`,
    )
}
