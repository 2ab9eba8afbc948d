import { describe, expect, inject, it } from 'vitest'
import { adminOk, infer, settle, uniqueModel } from './helpers/harness'
import { approve, cron, passingReport, rollout } from './helpers/rollout'

const MIN = 60_000

/** A per-answer metric (no outcome calls): both versions answer with 100 ± 5 tokens. */
const tokens = {
  name: 'total_tokens',
  kind: 'mean',
  direction: 'lower_is_better',
  source: 'response',
  pointer: '/usage/total_tokens',
  cap: 100_000,
  floor: 0,
  margin: 0.1,
}

/** Shadow copies compared on a field both versions answer alike: no divergence. */
const sameObject = { pointer: '/object', comparator: { kind: 'label' } }

async function model(): Promise<string> {
  const name = uniqueModel('eta')
  await adminOk('PUT', `/models/${name}`, { risk: 'medium', metrics: [tokens], shadow_compare: sameObject }, 201)
  for (const [v, upstream] of [
    ['v1', 'upstreamA'],
    ['v2', 'upstreamB'],
  ] as const) {
    await adminOk(
      'PUT',
      `/models/${name}/versions/${v}`,
      { backend: { url: `${inject(upstream)}/mode/openai-100` } },
      201,
    )
  }
  await adminOk('POST', `/models/${name}/champion`, { version: 'v1' })
  return name
}

let x = 0

async function chat(m: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async () => {
        const res = await infer(m, '/v1/chat/completions', {
          method: 'POST',
          headers: { 'x-unit-id': `eta-${x}`, 'content-type': 'application/json' },
          body: JSON.stringify({ x: x++, messages: [{ role: 'user', content: 'hi' }] }),
        })
        expect(res.status).toBe(200)
        await res.arrayBuffer()
      }),
    )
  }
  await settle()
}

// 400 per arm before a PASS, so the stage stays CONTINUE over a few ticks of 100 requests.
const gates = { min_sample: 400, error_rate: { margin: 0.25, floor: 0.1 } }

describe('durations "auto" and the ETA', () => {
  it('shows planned stage lengths before approval, and a CONTINUE ETA that shrinks as data arrives', async () => {
    const m = await model()
    await chat(m, 300) // the champion's traffic the plan is measured from
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      {
        challenger: 'v2',
        strategy: 'canary',
        stages: [50, 100],
        durations: 'auto',
        evaluation: passingReport,
        gates: { canary: gates, watch: gates },
      },
      201,
    )
    expect(started.phase).toBe('awaiting_approval')
    const auto = started.config.durations.auto
    expect(auto.power).toBe(0.8)
    expect(auto.traffic_per_s).toBeGreaterThan(0)
    // A response metric matures at once; a mean is planned from its rate of values (§2.7).
    expect(auto.measured[0]).toMatchObject({ metric: 'total_tokens', margin: 0.1, maturation_ms: 0 })
    expect(auto.measured[0].outcomes_per_s).toBeGreaterThan(0)
    const first = started.plan[0]
    expect(first).toMatchObject({ kind: 'canary', planned_by: 'auto', planned_min_ms: auto.stages[0].ms })
    expect(first.planned_min_ms).toBeGreaterThanOrEqual(MIN)
    expect(first.planned_min_ms).toBeLessThanOrEqual(started.config.gates.canary.max_duration_ms)
    // A planned stage shorter than the 24 h default is outside normal parameters, like stage_min_s.
    expect(started.pending_approval.reason).toMatch(/durations auto: canary 50% planned/)

    await approve(started.id)
    let clock = Date.now()
    const left: number[] = []
    for (let tick = 0; tick < 3; tick++) {
      await chat(m, 100)
      clock += MIN + 1_000
      await cron(clock)
      const r = await rollout(started.id)
      const v = r.verdicts.at(-1)
      expect(v.decision, v.reason).toBe('CONTINUE')
      expect(v.eta.decide_at, JSON.stringify(v.eta)).not.toBeNull()
      const [from, to] = v.eta.range.map((t: string) => Date.parse(t))
      const at = Date.parse(v.eta.decide_at)
      expect(from).toBeLessThanOrEqual(at)
      expect(to).toBeGreaterThanOrEqual(at)
      expect(v.eta.gates.map((g: any) => g.metric)).toContain('total_tokens')
      // At the current rates the smaller arm reaches its 400 at elapsed·400/n: the stage cannot
      // PASS before (the token gate needs as many answers, so it may come a little later).
      const errors = v.metrics.find((g: any) => g.metric === 'error_rate')
      const n = Math.min(errors.champion.n, errors.challenger.n)
      const start = Date.parse(r.step.started_at)
      const due = start + ((Date.parse(v.at) - start) * 400) / n
      expect(at).toBeGreaterThanOrEqual(due - 2_000)
      expect(at - start).toBeLessThanOrEqual((due - start) * 1.1)
      left.push(at - Date.parse(v.at))
    }
    expect(left[1]).toBeLessThan(left[0] as number)
    expect(left[2]).toBeLessThan(left[1] as number)
  }, 60_000)

  it('re-plans the canary stages from the shadow step when the shadow step passes', async () => {
    const m = await model()
    await chat(m, 300) // measured at the start: 300 requests within seconds
    const started = await adminOk(
      'POST',
      `/models/${m}/rollouts`,
      {
        challenger: 'v2',
        strategy: ['shadow', 'canary'],
        stages: [50, 100],
        durations: 'auto',
        evaluation: passingReport,
        shadow: { sample_rate: 1, min_samples: 100 },
        gates: {
          shadow: { min_sample: 100, error_rate: { margin: 0.25, floor: 0.1 }, divergence: { max_rate: 0.2 } },
          canary: gates,
          watch: gates,
        },
      },
      201,
    )
    const before = started.config.durations.auto
    expect(before.replanned).toBeNull()
    expect(started.plan[1]).toMatchObject({ kind: 'canary', planned_by: 'auto', planned_min_ms: before.stages[0].ms })
    await approve(started.id)
    expect((await rollout(started.id)).step).toMatchObject({ index: 0, kind: 'shadow' })

    // The shadow step: 400 requests over its 48 h minimum, far less traffic than at the start.
    await chat(m, 400)
    await cron(Date.now() + 49 * 60 * MIN)
    const r = await rollout(started.id)
    const v = r.verdicts.find((x: any) => x.step_index === 0 && x.decision === 'PASS')
    expect(v?.reason, JSON.stringify(r.verdicts.at(-1))).toMatch(/canary stages re-planned from the shadow step/)
    const after = r.config.durations.auto
    expect(after.replanned).toMatchObject({ from: 'shadow', traffic_per_s: before.traffic_per_s })
    expect(after.replanned.stages).toEqual([{ weight: 50, ms: before.stages[0].ms }])
    expect(after.traffic_per_s).toBeLessThan(before.traffic_per_s / 100)
    // At that traffic the 400 per arm of a 50 % stage need 800 requests: 800 / rate.
    const need = 800 / (after.traffic_per_s / 1000)
    expect(after.stages[0].ms).toBeGreaterThan(need * 0.99)
    expect(after.stages[0].ms).toBeLessThan(need * 1.01)
    expect(r.plan[1]).toMatchObject({ kind: 'canary', planned_by: 'auto', planned_min_ms: after.stages[0].ms })
    const audit = await adminOk('GET', `/audit?model=${m}&limit=100`)
    const entry = audit.entries.find((e: any) => e.action === 'rollout.replanned')
    expect(entry?.reason).toMatch(/50% .* → /)
  }, 60_000)
})
