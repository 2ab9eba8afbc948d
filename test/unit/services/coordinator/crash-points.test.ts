/**
 * Crash points: every write of the rollback and promotion paths is made to fail once (as an object
 * reset between two writes would), then a new runner replays what storage holds. After the replay
 * the rollout, the routing and every record must be what an uninterrupted run left:
 *
 * - a rollout is never `rolled_back` while the routing sends traffic to its challenger, and never
 *   `completed` (or watching at 100%) without the challenger as champion;
 * - no effect is lost and none is doubled: the same audit entries, verdict rows, incidents and
 *   webhook deliveries, each once;
 * - between the crash and the replay, a state that runs ahead of the routing always carries the
 *   pending action that brings the routing in line.
 */
import { describe, expect, it } from 'vitest'
import type { RoutingTable } from '../../../../src/core/routing/types'
import { StartRolloutInput } from '../../../../src/schemas/rollout'
import type { StoredRollout } from '../../../../src/services/coordinator/ports'
import { confirmRollback } from '../../../../src/services/coordinator/rollback-confirmation'
import { runRolloutCommand, tickRollout } from '../../../../src/services/coordinator/rollout-commands'
import { RolloutRunner } from '../../../../src/services/coordinator/rollout-runner'
import { startRollout } from '../../../../src/services/coordinator/start-rollout'
import { Crash, FakePort, MIN } from './fake-port'
import { canaryConfig, demoGate, failedCanary, plantCanary25, startWithRunner } from './rollouts'

interface Scenario {
  name: string
  /** The port just before the decision, with the clock where the decision runs. */
  setup(): Promise<FakePort>
  /** The decision (a tick, a command, a confirmation), run by `runner`. */
  decide(port: FakePort, runner: RolloutRunner): Promise<unknown>
  /** What the clean run must have reached (checked once, so a broken scenario cannot pass). */
  reached(s: StoredRollout, port: FakePort): void
  /** Data that arrives between the crash and the replay. */
  afterCrash?(port: FakePort): void
  /** Whether the decision is made again although part of it was written (default: never). */
  retried?(port: FakePort): boolean
}

function lowRiskPort(): FakePort {
  const port = new FakePort({ risk: 'low' })
  port.setWebhooks([
    { url: 'https://hooks.example/all', events: ['fail', 'rollback', 'rollback_confirmed', 'approval_needed'] },
    { url: 'https://hooks.example/slack', format: 'slack', events: ['rollback', 'fail'] },
  ])
  return port
}

const tick = (port: FakePort, runner: RolloutRunner) => tickRollout(port, runner, port.now())

/** A clean challenger at 50% (stages 50 → 100): the next PASS makes it champion. */
async function passingAt50(): Promise<FakePort> {
  const port = lowRiskPort()
  port.plant({ version: 'v1', arm: 'champion', requests: 20_000, errorRate: 0.01 })
  await startWithRunner(port, canaryConfig({ stages: [50, 100] }))
  port.plantArms({ champion: { requests: 5_000, errorRate: 0.01 }, challenger: { requests: 5_000, errorRate: 0 } })
  port.advance(11 * MIN)
  return port
}

/** A 25% canary gated on conversion (margin 2%): the challenger converts 5% worse. */
async function conversionDrop(): Promise<FakePort> {
  const metric = { name: 'conversion', kind: 'proportion', direction: 'higher_is_better' } as const
  const port = new FakePort({ risk: 'low', metrics: [{ ...metric, window_s: 60, positive_labels: [], margin: 0.02 }] })
  const business = [{ metric: 'conversion', kind: 'proportion', direction: 'higher_is_better', margin: 0.02 }] as const
  const canary = demoGate('canary', { business: [...business] })
  await startWithRunner(port, canaryConfig({ gates: { canary, watch: demoGate('watch') } }))
  port.plantArms({
    champion: { requests: 450_000, errorRate: 0.01 },
    challenger: { requests: 150_000, errorRate: 0.01 },
  })
  port.plantOutcomes({ version: 'v1', arm: 'champion', metric: 'conversion', exposures: 450_000, positives: 22_500 })
  port.plantOutcomes({ version: 'v2', arm: 'challenger', metric: 'conversion', exposures: 150_000, positives: 7_125 })
  port.advance(MIN)
  return port
}

/** Matured conversions and the matching requests: [exposures, conversions] per arm. */
function plantConversion(port: FakePort, arms: Record<'champion' | 'challenger', [number, number]>): void {
  const [nA, xA] = arms.champion
  const [nB, xB] = arms.challenger
  port.plantArms({ champion: { requests: nA, errorRate: 0.01 }, challenger: { requests: nB, errorRate: 0.01 } })
  port.plantOutcomes({ version: 'v1', arm: 'champion', metric: 'conversion', exposures: nA, positives: xA })
  port.plantOutcomes({ version: 'v2', arm: 'challenger', metric: 'conversion', exposures: nB, positives: xB })
}

/**
 * A 25% canary gated on conversion, both arms converting 5%, 11 minutes in (minimum 10): at 600,000
 * vs 1,800,000 the PASS look's z ≈ 3.1 PASSes, while the mixture at α_pass/4 does not yet.
 */
async function conversionTie(): Promise<FakePort> {
  const metric = { name: 'conversion', kind: 'proportion', direction: 'higher_is_better' } as const
  const port = new FakePort({ risk: 'low', metrics: [{ ...metric, window_s: 60, positive_labels: [], margin: 0.02 }] })
  const business = [{ metric: 'conversion', kind: 'proportion', direction: 'higher_is_better', margin: 0.02 }] as const
  const canary = demoGate('canary', { business: [...business] })
  await startWithRunner(port, canaryConfig({ gates: { canary, watch: demoGate('watch') } }))
  plantConversion(port, { champion: [1_800_000, 90_000], challenger: [600_000, 30_000] })
  port.advance(11 * MIN)
  return port
}

/** Whether a stored rollout holds a look taken (every step starts with an empty looks record). */
function tookLooks(r: StoredRollout | null): boolean {
  return (r?.looks?.looks.length ?? 0) > 0
}

const scenarios: Scenario[] = [
  {
    // The look is saved before the FAIL is acted on; a crash in between replays the recorded look
    // although the data that arrived meanwhile would not FAIL a new one (docs/statistics.md §5.6).
    name: 'a planned look FAILs: the look is recorded, then the rollback',
    setup: conversionDrop,
    decide: tick,
    reached: (s, port) => {
      expect(s.state.phase).toBe('rolled_back')
      expect(s.looks?.looks.map((l) => [l.metric, l.decision])).toContainEqual(['conversion', 'fail'])
      // Saved on its own first, while the rollout still ran: before the FAIL was acted on.
      const first = port.savedRollouts.find((r) => tookLooks(r))
      expect(first?.state.phase).toBe('progressing')
      expect(first?.state.lastTickAt).not.toBe(port.now())
    },
    afterCrash: (port) => {
      if (!tookLooks(port.active())) return
      port.plantOutcomes({
        version: 'v1',
        arm: 'champion',
        metric: 'conversion',
        exposures: 450_000,
        positives: 22_500,
      })
      port.plantOutcomes({
        version: 'v2',
        arm: 'challenger',
        metric: 'conversion',
        exposures: 150_000,
        positives: 7_800,
      })
    },
    retried: (port) => port.active()?.state.phase === 'progressing',
  },
  {
    // The PASS look (docs/statistics.md §5.7) is saved before the PASS is acted on; after a crash in
    // between, the recorded PASS stands although the data that arrived meanwhile would not PASS a
    // new look (the challenger falls to the margin).
    name: 'a planned PASS look PASSes: the look is recorded, then the promotion',
    setup: conversionTie,
    decide: tick,
    reached: (s, port) => {
      expect(s.state).toMatchObject({ phase: 'progressing', stepIndex: 1 })
      const first = port.savedRollouts.find((r) => r.looks?.looks.some((l) => l.side === 'pass'))
      expect(first?.looks?.looks.find((l) => l.side === 'pass')?.decision).toBe('pass')
      expect(first?.state).toMatchObject({ phase: 'progressing', stepIndex: 0 })
    },
    afterCrash: (port) => {
      if (!tookLooks(port.active())) return
      plantConversion(port, { champion: [1_800_000, 90_000], challenger: [600_000, 28_800] })
    },
    retried: (port) => port.active()?.state.stepIndex === 0,
  },
  {
    // The early SRM look (docs/statistics.md §9.4) alarms and is saved before the HALT; after a
    // crash in between, the recorded alarm stands although a correct split arrived meanwhile.
    name: 'an early SRM look alarms: the look is recorded, then the HALT',
    setup: async () => {
      const port = lowRiskPort()
      await startWithRunner(port)
      // 9,700 of 40,000 at a 25% design: z ≈ −3.46, past the look's 2.97 (N_plan ≈ 37,477).
      port.plantArms({
        champion: { requests: 30_300, errorRate: 0.01 },
        challenger: { requests: 9_700, errorRate: 0.01 },
      })
      port.advance(MIN)
      return port
    },
    decide: tick,
    reached: (s, port) => {
      expect(s.state.phase).toBe('halted')
      expect(s.looks?.looks.map((l) => [l.metric, l.side, l.decision])).toEqual([['srm', 'srm', 'fail']])
      expect(port.savedRollouts.find((r) => tookLooks(r))?.state.phase).toBe('progressing')
    },
    afterCrash: (port) => {
      if (!tookLooks(port.active())) return
      port.plantArms({
        champion: { requests: 29_700, errorRate: 0.01 },
        challenger: { requests: 10_300, errorRate: 0.01 },
      })
    },
    retried: (port) => port.active()?.state.phase === 'progressing',
  },
  {
    name: 'start: the first step is published',
    setup: async () => lowRiskPort(),
    decide: (port, runner) =>
      startRollout(
        port,
        runner,
        StartRolloutInput.parse({ challenger: 'v2', strategy: 'canary', waive_evaluation: true }),
        'alice',
      ),
    reached: (s, port) => {
      expect(s.state).toMatchObject({ phase: 'progressing', stepIndex: 0 })
      expect(s.state.stepEpoch).toBe(port.epoch)
    },
  },
  {
    name: 'a gate FAIL rolls back',
    setup: async () => {
      const port = lowRiskPort()
      await startWithRunner(port)
      plantCanary25(port, 0.03)
      port.advance(MIN)
      return port
    },
    decide: tick,
    reached: (s) => {
      expect(s.state.phase).toBe('rolled_back')
      expect(s.meta.incidentId).not.toBeNull()
    },
  },
  {
    name: 'an operator rolls back',
    setup: async () => {
      const port = lowRiskPort()
      await startWithRunner(port)
      port.advance(MIN)
      return port
    },
    decide: (port, runner) =>
      runRolloutCommand(port, runner, port.active()!.state.id, { type: 'rollback', reason: 'pager' }, 'bob'),
    reached: (s) => expect(s.state).toMatchObject({ phase: 'rolled_back', rollback: { actor: 'bob' } }),
  },
  {
    name: 'the rollback is confirmed',
    setup: async () => {
      const port = lowRiskPort()
      await failedCanary(port)
      port.plant({ version: 'v1', arm: 'champion', requests: 200, errorRate: 0.01 })
      port.advance(MIN)
      return port
    },
    decide: (port, runner) => confirmRollback(port, runner, port.active()!, port.now()),
    reached: (s) => expect(s.state.rollback!.confirmation).toMatchObject({ ok: true }),
  },
  {
    name: 'a PASS at 50% makes the challenger champion',
    setup: passingAt50,
    decide: tick,
    reached: (s, port) => {
      expect(s.state.phase).toBe('watching')
      expect(s.meta.finalEpoch).toBe(port.epoch)
    },
  },
  {
    name: 'the watch completes',
    setup: async () => {
      const port = await passingAt50()
      await tick(port, new RolloutRunner(port))
      port.plant({ version: 'v2', arm: 'champion', requests: 20_000, errorRate: 0 })
      port.advance(31 * MIN)
      return port
    },
    decide: tick,
    reached: (s) => expect(s.state).toMatchObject({ phase: 'completed', outcome: 'promoted' }),
  },
]

function servesChallenger(routing: RoutingTable | null, challenger: string): boolean {
  if (routing === null) return false
  return (routing.weights[challenger] ?? 0) > 0 || routing.rules.some((r) => r.version === challenger)
}

/** The invariants, on what storage holds now; `settled` once no intent is pending. */
function checkInvariant(port: FakePort, settled: boolean): void {
  const s = port.active()
  if (s === null) return
  const { phase, config, stepIndex } = s.state
  const routing = port.model().routing
  const pending = (s.intent?.pending ?? []).map((p) => p.action.type)
  if (settled) expect(s.intent ?? null).toBeNull()
  if (phase === 'rolled_back' && servesChallenger(routing, config.challenger)) {
    expect(pending, 'rolled back while the routing serves the challenger').toContain('rollback_routing')
  }
  const atFull = phase === 'completed' || (phase === 'watching' && stepIndex === config.stages.length)
  if (atFull && routing?.champion !== config.challenger) {
    expect(pending, `${phase} without the challenger as champion`).toContain('set_champion')
  }
}

/**
 * Everything the decision left that must exist exactly once. The rollout's id is left out: a
 * start retried after a crash that wrote nothing takes a new one.
 */
function effects(port: FakePort, from: { audits: number; outbox: number; registry: number }) {
  const s = port.active()!
  const out = {
    phase: s.state.phase,
    stepIndex: s.state.stepIndex,
    stepEpoch: s.state.stepEpoch,
    meta: s.meta,
    looks: s.looks ?? null,
    routing: port.model().routing,
    champion: port.model().routing?.champion ?? null,
    registry: port.registryLog
      .slice(from.registry)
      .filter((c) => c.change !== null)
      .map((c) => c.cmd.type),
    audits: port.audits.slice(from.audits).map((a) => [a.action, a.target]),
    verdicts: port.outboxOf('verdict').map((r) => [r.row.id, r.row.decision]),
    incidents: [...port.incidentRows.values()].map((i) => [i.id, i.confirmation]),
    deliveries: port.deliveries.map((d) => [d.id, d.webhook.url, d.event]),
  }
  return JSON.parse(JSON.stringify(out).replaceAll(s.state.id, '<rollout>')) as typeof out
}

const mark = (port: FakePort) => ({
  audits: port.audits.length,
  outbox: port.outboxRecords.length,
  registry: port.registryLog.length,
})

describe.each(scenarios)('crash points: $name', (sc) => {
  it('replays to the uninterrupted outcome after a crash before each of its writes', async () => {
    const clean = await sc.setup()
    const from = mark(clean)
    const writesBefore = clean.writes
    await sc.decide(clean, new RolloutRunner(clean))
    sc.reached(clean.active()!, clean)
    checkInvariant(clean, true)
    const expected = effects(clean, from)
    const writes = clean.writes - writesBefore
    expect(writes).toBeGreaterThan(0)

    for (let k = 0; k < writes; k++) {
      const port = await sc.setup()
      const at = mark(port)
      const base = port.writes
      port.crashAt = base + k
      await expect(sc.decide(port, new RolloutRunner(port)), `crash point ${k}`).rejects.toBeInstanceOf(Crash)
      checkInvariant(port, false)
      sc.afterCrash?.(port)
      // A new object over the same storage: it runs what is pending; a decision nothing of which
      // was written is made again (the next tick, or the operator's retry).
      const replay = new RolloutRunner(port)
      const active = port.active()
      if (active !== null) await replay.resume(active)
      if (port.writes === base || sc.retried?.(port) === true) await sc.decide(port, replay)
      checkInvariant(port, true)
      expect(effects(port, at), `crash point ${k} of ${writes}`).toEqual(expected)
    }
  })
})
