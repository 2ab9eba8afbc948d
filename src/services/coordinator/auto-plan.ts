/**
 * @module services/coordinator/auto-plan
 * `durations: "auto"` at the start of a rollout: the model's traffic and the champion's business
 * metrics measured in the current routing epoch, turned into planned canary stage lengths by
 * core/rollout/auto-durations (docs/statistics.md §2.7).
 */
import { buildEvidence } from '../../core/metrics/evidence'
import type { ModelState } from '../../core/registry/model-state'
import { DEFAULT_POWER, planStage, type MeasuredMetric } from '../../core/rollout/auto-durations'
import { DEFAULT_STAGES } from '../../core/rollout/config'
import { formatDuration } from '../../core/rollout/describe'
import type { AutoDurations } from '../../core/rollout/types'
import type { GateConfig } from '../../core/gates/types'
import { variance } from '../../core/stats/moments'
import type { CoordinatorPort } from './ports'
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
  const champion = model.routing?.champion
  const since = Date.parse(model.updated_at)
  if (!champion || !(now > since)) return null
  const summary = await port.summary({ minEpoch: model.epoch, now, metrics: metricWindows(model) })
  // The shadow spec reads the champion's served traffic, whatever its arm or segment.
  const spec = { kind: 'shadow' as const, champion, challenger: champion }
  const e = buildEvidence(summary, spec, metricSpecs(model), { stageStartedAt: since, now })
  if (!(e.champion.exposures > 0)) return null
  const metrics = Object.entries(e.champion.outcomes)
    .filter(([, m]) => m.n >= 2)
    .map(([metric, m]) => ({ metric, mean: m.mean, variance: variance(m) }))
  return { ratePerMs: e.champion.exposures / (now - since), metrics }
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
  const metrics: MeasuredMetric[] = []
  for (const g of gate.business) {
    const m = measured.metrics.find((x) => x.metric === g.metric)
    if (m) metrics.push({ ...m, kind: g.kind, direction: g.direction, margin: g.margin })
  }
  const input = {
    ratePerMs: measured.ratePerMs,
    metrics,
    alphaPass: gate.alphaPass,
    power,
    minSamplePerArm: gate.minSamplePerArm,
    capMs: gate.maxDurationMs,
  }
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
    measured: metrics.map((m) => ({ metric: m.metric, mean: m.mean, sd: Math.sqrt(m.variance), margin: m.margin })),
    stages: planned,
  }
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
