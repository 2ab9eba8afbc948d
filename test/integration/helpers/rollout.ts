import { env } from 'cloudflare:workers'
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test'
import { expect } from 'vitest'
import worker from '../../../src/index'
import { APPROVER, adminOk, infer, settle } from './harness'

let unit = 0

/** Sends n requests with fresh unit ids (bodies carry x for the planted-behaviour upstreams). */
export async function traffic(
  model: string,
  n: number,
  units?: () => string,
  headers: (unit: string) => Record<string, string> = () => ({}),
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async () => {
        const u = units ? units() : `unit-${unit++}`
        const x = unit++
        const res = await infer(model, '/predict', {
          method: 'POST',
          headers: { 'x-unit-id': u, 'content-type': 'application/json', ...headers(u) },
          body: JSON.stringify({ x }),
        })
        await res.arrayBuffer()
        const v = res.headers.get('x-model-version') as string
        counts[v] = (counts[v] ?? 0) + 1
      }),
    )
  }
  await settle()
  return counts
}

/** Runs the Worker's scheduled handler at `scheduledTime`, as the cron would. */
export async function cron(scheduledTime: number): Promise<void> {
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ scheduledTime, cron: '* * * * *' }), env, ctx)
  await waitOnExecutionContext(ctx)
}

export async function rollout(id: string): Promise<any> {
  return adminOk('GET', `/rollouts/${id}`)
}

export async function approve(id: string): Promise<any> {
  const r = await rollout(id)
  expect(r.pending_approval, JSON.stringify(r.events.slice(-3))).not.toBeNull()
  return adminOk('POST', `/rollouts/${id}/approve`, { evidence_hash: r.pending_approval.evidence_hash }, 200, {
    token: APPROVER,
  })
}

export const passingReport = {
  quality: { metric: 'auc', challenger: 0.81, champion: 0.8, threshold: 0.75 },
  fairness: [{ metric: 'demographic_parity_difference', value: 0.02, threshold: 0.05 }],
  latency: { p99_ms: 40 },
  slices: [{ name: 'new_customers', challenger: 0.78, champion: 0.77 }],
}

/** Short plans for tests: one-minute stages, a two-minute watch, small samples (needs approval). */
export const fastPlan = {
  durations: { stage_min_s: 60, shadow_min_s: 60, watch_s: 120 },
  shadow: { sample_rate: 1, min_samples: 100 },
  // Hundreds of requests cannot show an error rate below 0.1%; a 10% floor can be shown with 297 clean requests (α_pass 0.025).
  gates: {
    shadow: { min_sample: 100, error_rate: { margin: 0.25, floor: 0.1 } },
    canary: { min_sample: 100, error_rate: { margin: 0.25, floor: 0.1 } },
    watch: { min_sample: 100, error_rate: { margin: 0.25, floor: 0.1 } },
  },
}
