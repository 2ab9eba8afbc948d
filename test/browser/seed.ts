/**
 * Realistic state for the dashboard tests on a live gateway: a model with a champion (v1) and a
 * challenger (v2, whose labels differ on ~8% of inputs), a business metric fed by outcomes, and a
 * shadow → canary 60% → 100% rollout driven by traffic and cron ticks until it waits for an
 * approver before the jump to 60% (rule stage_jump), with a decisive shadow verdict behind it.
 * Each test seeds a model of its own (mintModel), so any test can run alone or in any order.
 */
import type { RolloutView } from '../../src/schemas/rollout-view'
import type { LiveGateway } from '../../scripts/lib/live-gateway'
import { hashUnit } from '../support/upstream-server'

const MIN = 60_000
let minted = 0

/** A model name that no other test uses, e.g. credit-risk-overview-1-mf3k2a7x. */
export function mintModel(label: string): string {
  return `credit-risk-${label}-${++minted}-${Date.now().toString(36)}`
}

/** Small samples (they need an approver at start: weak_gates) and one-minute stages. */
const gate = { min_sample: 100, error_rate: { margin: 0.25, floor: 0.1 }, divergence: { max_rate: 0.3 } }
export const ROLLOUT = {
  challenger: 'v2',
  strategy: ['shadow', 'canary'],
  stages: [60, 100],
  waive_evaluation: true,
  durations: { shadow_min_s: 60, stage_min_s: 60, watch_s: 120 },
  shadow: { sample_rate: 1, min_samples: 100 },
  gates: {
    shadow: gate,
    canary: { ...gate, business: [{ metric: 'repaid', margin: 0.3 }] },
    watch: { ...gate, business: [{ metric: 'repaid', margin: 0.3 }] },
  },
  reason: 'quarterly retrain with new bureau features',
}

/** The rollout view, as the admin API answers it. */
export type Rollout = RolloutView

let unit = 0

/**
 * Sends `n` predictions with fresh unit ids (25 in flight), then reports a business outcome for
 * each answer: "repaid" for ~80% of inputs, fixed per input.
 */
export async function traffic(g: LiveGateway, model: string, n: number): Promise<Record<string, number>> {
  const served: Record<string, number> = {}
  const outcomes: Array<{ request_id: string; value: boolean }> = []
  for (let i = 0; i < n; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, n - i) }, async () => {
        const x = unit++
        const res = await fetch(`${g.url}/v1/models/${model}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-unit-id': `customer-${x}` },
          body: JSON.stringify({ x }),
        })
        await res.arrayBuffer()
        if (!res.ok) throw new Error(`predict → ${res.status}`)
        const version = res.headers.get('x-model-version') ?? '?'
        served[version] = (served[version] ?? 0) + 1
        outcomes.push({ request_id: res.headers.get('x-request-id') as string, value: hashUnit(x * 7 + 3) < 0.8 })
      }),
    )
  }
  const res = await fetch(`${g.url}/v1/outcomes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${g.reporterToken}` },
    body: JSON.stringify({ outcomes }),
  })
  const report = (await res.json()) as { accepted: number }
  if (report.accepted !== outcomes.length) throw new Error(`outcomes: ${JSON.stringify(report).slice(0, 300)}`)
  return served
}

/**
 * Cron ticks at strictly increasing times, each a minute and a bit after the previous stage start.
 * One clock per seeded model, not one per gateway: a tick in the future moves its model's clock
 * there (the coordinator keeps the latest tick time as a floor) and folds the outcome windows
 * before it, so a clock shared by several tests would run ever further ahead, and traffic sent after
 * such a tick gets its outcomes refused ("already matured"). A tick also runs the other models'
 * rollouts; their coordinators ignore a time before their own floor.
 */
export class Clock {
  private last = 0
  next(): number {
    this.last = Math.max(this.last + MIN + 1_000, Date.now() + MIN + 1_000)
    return this.last
  }

  /** A tick `ms` after the previous one (the demo's cron ticks every few seconds). */
  after(ms: number): number {
    this.last += ms
    return this.last
  }

  /**
   * Waits (a second at most) until requests sent from then on are newer than every minute the
   * ticks so far have folded (the minutes before tick − the metric's 60-s window), so their
   * outcomes are still accepted.
   */
  async outcomesOpen(): Promise<void> {
    const wait = this.last - MIN - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  }
}

export async function rollout(g: LiveGateway, id: string): Promise<Rollout> {
  return g.admin<Rollout>('GET', `/rollouts/${id}`)
}

export async function seed(
  g: LiveGateway,
  upstreams: { a: string; b: string },
  clock: Clock,
  model: string,
): Promise<Rollout> {
  await g.admin('PUT', `/models/${model}`, {
    risk: 'low',
    shadow_compare: { pointer: '/label', comparator: { kind: 'label' } },
    metrics: [{ name: 'repaid', kind: 'proportion', direction: 'higher_is_better', window_s: 60 }],
  })
  await g.admin('PUT', `/models/${model}/versions/v1`, { backend: { url: `${upstreams.a}/mode/predict-label-0` } })
  await g.admin('PUT', `/models/${model}/versions/v2`, { backend: { url: `${upstreams.b}/mode/predict-label-0.08` } })
  await g.admin('POST', `/models/${model}/champion`, { version: 'v1' })
  await traffic(g, model, 100) // champion history before the rollout

  const started = await g.admin<Rollout>('POST', `/models/${model}/rollouts`, ROLLOUT)
  if (started.phase !== 'awaiting_approval') throw new Error(`expected weak_gates approval first, got ${started.phase}`)
  await g.admin(
    'POST',
    `/rollouts/${started.id}/approve`,
    { evidence_hash: started.pending_approval?.evidence_hash },
    g.approverToken,
  )

  await traffic(g, model, 600) // shadow stage: every request copied to v2
  await g.scheduled(clock.next())
  const r = await rollout(g, started.id)
  if (r.phase !== 'awaiting_approval' || r.pending_approval?.for_step !== 1) {
    throw new Error(
      `expected the shadow stage to pass and canary 60% to await approval: ${JSON.stringify({ phase: r.phase, last: r.verdicts.at(-1) })}`,
    )
  }
  return r
}
