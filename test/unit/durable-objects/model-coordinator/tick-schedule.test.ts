/**
 * The coordinator's own gate ticks (durable-objects/model-coordinator/tick-schedule): the alarm's
 * due times are aligned to the tick interval (ROLLOUT_TICK_MS, by default the minute), a time
 * already ticked is not ticked again whoever asks (cron or alarm), and the model's KV tick index
 * follows what the model needs, each write bounded by its deadline.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { SettingsSchema } from '../../../../src/config/settings'
import type { Coordination } from '../../../../src/durable-objects/model-coordinator/coordination'
import { RolloutTicks, TickSchedule } from '../../../../src/durable-objects/model-coordinator/tick-schedule'
import type { RoutingSnapshot } from '../../../../src/schemas/routing'
import { needsTicks } from '../../../../src/services/coordinator/rollout-commands'
import { RolloutRunner } from '../../../../src/services/coordinator/rollout-runner'
import type { TickIndex } from '../../../../src/services/publication'
import { FakePort, MIN, SEC, T0 } from '../../services/coordinator/fake-port'
import { failedCanary, startWithRunner } from '../../services/coordinator/rollouts'

/** A KV tick index that records its writes and answers, fails or hangs as told. */
function fakeIndex() {
  const ctl = {
    mode: 'ok' as 'ok' | 'fail' | 'hang',
    marks: [] as Array<[string, boolean]>,
    attempts: 0,
  }
  const index: TickIndex = {
    mark: (model, on) => {
      ctl.attempts += 1
      if (ctl.mode === 'fail') return Promise.reject(new Error('KV PUT failed: 503'))
      if (ctl.mode === 'hang') return new Promise<void>(() => undefined)
      ctl.marks.push([model, on])
      return Promise.resolve()
    },
    list: async () => ctl.marks.filter(([, on]) => on).map(([m]) => m),
  }
  return { ctl, index }
}

function schedule(intervalMs = MIN) {
  const alarms: number[] = []
  const { ctl, index } = fakeIndex()
  const s = new TickSchedule({ intervalMs, armAlarm: async (at) => void alarms.push(at), index })
  return { s, alarms, index: ctl }
}

let warn: ReturnType<typeof vi.spyOn>

beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
})

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('TickSchedule.due: the tick the alarm owes', () => {
  it('is the start of the current interval (the minute by default), once per interval', () => {
    const { s } = schedule()
    expect(s.due(true, T0 + 37 * SEC)).toBe(T0)
    expect(s.due(true, T0 + MIN - 1)).toBe(T0)
    expect(s.due(true, T0 + MIN)).toBe(T0 + MIN)
    s.ran(T0)
    expect(s.due(true, T0 + 59 * SEC)).toBeNull() // this minute's tick ran
    expect(s.due(true, T0 + MIN + 1)).toBe(T0 + MIN)
  })

  it('follows another interval (ROLLOUT_TICK_MS): multiples of it, not of the minute', () => {
    const { s } = schedule(15 * SEC)
    expect(s.due(true, T0 + 37 * SEC)).toBe(T0 + 30 * SEC)
    expect(s.due(true, T0 + 44_999)).toBe(T0 + 30 * SEC)
    expect(s.due(true, T0 + 45 * SEC)).toBe(T0 + 45 * SEC)
    const odd = schedule(7_000).s
    expect(odd.due(true, 20_500)).toBe(14_000)
  })

  it('is null when nothing is to watch, or when ticking is left to the cron (interval 0)', () => {
    expect(schedule().s.due(false, T0 + 5 * SEC)).toBeNull()
    expect(schedule(0).s.due(true, T0 + 5 * SEC)).toBeNull()
  })

  it('never goes back to a time older than the newest one run (a tick from the cron counts)', () => {
    const { s } = schedule()
    s.ran(T0 + 2 * MIN)
    expect(s.due(true, T0 + MIN + 5 * SEC)).toBeNull()
    s.ran(T0) // an older time reported late moves nothing back
    expect(s.fresh(T0 + MIN)).toBe(false)
    expect(s.fresh(T0 + 2 * MIN)).toBe(false)
    expect(s.fresh(T0 + 3 * MIN)).toBe(true)
  })

  it('the default ROLLOUT_TICK_MS is the minute, and 0 is allowed (cron only)', () => {
    expect(SettingsSchema.parse({}).rolloutTickMs).toBe(60_000)
    expect(SettingsSchema.parse({ ROLLOUT_TICK_MS: '0' }).rolloutTickMs).toBe(0)
  })
})

describe('TickSchedule.sync: the next alarm and the KV index', () => {
  it('arms the alarm at the next multiple of the interval, strictly after now', async () => {
    const { s, alarms } = schedule()
    await s.sync('credit-risk', true, T0 + 37 * SEC)
    await s.sync('credit-risk', true, T0 + MIN) // exactly on a minute: the next one
    await s.sync('credit-risk', true, T0 + 2 * MIN - 1)
    expect(alarms).toEqual([T0 + MIN, T0 + 2 * MIN, T0 + 2 * MIN])
    const quarter = schedule(15 * SEC)
    await quarter.s.sync('credit-risk', true, T0 + 37 * SEC)
    expect(quarter.alarms).toEqual([T0 + 45 * SEC])
  })

  it('arms nothing when nothing is to watch or ticking is the cron’s alone', async () => {
    const off = schedule()
    await off.s.sync('credit-risk', false, T0)
    expect(off.alarms).toEqual([])
    const cronOnly = schedule(0)
    await cronOnly.s.sync('credit-risk', true, T0)
    expect(cronOnly.alarms).toEqual([])
    // The index still says the model is ticking: the cron lists it when D1 is down.
    expect(cronOnly.index.marks).toEqual([['credit-risk', true]])
  })

  it('writes the index only when what the model needs changes', async () => {
    const { s, index } = schedule()
    await s.sync('credit-risk', true, T0)
    await s.sync('credit-risk', true, T0 + MIN)
    await s.sync('credit-risk', false, T0 + 2 * MIN)
    await s.sync('credit-risk', false, T0 + 3 * MIN)
    await s.sync('credit-risk', true, T0 + 4 * MIN)
    expect(index.marks).toEqual([
      ['credit-risk', true],
      ['credit-risk', false],
      ['credit-risk', true],
    ])
  })

  it('writes no index for an unregistered model', async () => {
    const { s, index } = schedule()
    await s.sync(null, true, T0)
    expect(index.attempts).toBe(0)
  })

  it('a failed index write does not throw and is retried on the next sync', async () => {
    const { s, index, alarms } = schedule()
    index.mode = 'fail'
    await expect(s.sync('credit-risk', true, T0)).resolves.toBeUndefined()
    expect(alarms).toEqual([T0 + MIN]) // the alarm is armed all the same
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('credit-risk: tick index not updated'))
    index.mode = 'ok'
    await s.sync('credit-risk', true, T0 + MIN)
    expect(index.marks).toEqual([['credit-risk', true]])
    expect(index.attempts).toBe(2)
  })

  it('a hanging index write is given up after its deadline (5 s), then retried on the next sync', async () => {
    vi.useFakeTimers()
    const { s, index } = schedule()
    index.mode = 'hang'
    let done = false
    void s.sync('credit-risk', true, T0).then(() => (done = true))
    await vi.advanceTimersByTimeAsync(4_999)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(done).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/tick index not updated.*5000 ms/))
    index.mode = 'ok'
    await s.sync('credit-risk', true, T0 + MIN)
    expect(index.marks).toEqual([['credit-risk', true]])
  })
})

/** A coordinator's parts around a FakePort: what RolloutTicks reads of them. */
function coordinatorParts(port: FakePort) {
  const snapshot = { model: 'credit-risk', epoch: 99 } as unknown as RoutingSnapshot
  const pinned: number[] = []
  const parts = {
    port,
    store: {
      get active() {
        return port.active()
      },
      get state() {
        return port.state
      },
    },
    pinClock: (at: number) => void pinned.push(at),
    currentSnapshot: () => snapshot,
  }
  return { parts: parts as unknown as Coordination, pinned, snapshot }
}

async function ticking(port = new FakePort({ risk: 'low', sla: { p99_ms: 250 } })) {
  const { runner, stored } = await startWithRunner(port)
  const { ctl, index } = fakeIndex()
  const alarms: number[] = []
  const sched = new TickSchedule({ intervalMs: MIN, armAlarm: async (at) => void alarms.push(at), index })
  const { parts, pinned, snapshot } = coordinatorParts(port)
  const run = vi.spyOn(runner, 'run')
  const ticks = new RolloutTicks(parts, runner, sched, (fn) => fn())
  return { port, runner, stored, ticks, alarms, index: ctl, pinned, snapshot, run }
}

describe('RolloutTicks: one tick per time, whoever asks', () => {
  it('ticks a time once: the second tick for it (the cron after the alarm) runs nothing', async () => {
    const t = await ticking()
    vi.useFakeTimers({ now: T0 + MIN + 3 * SEC })
    const first = await t.ticks.tickAt(T0 + MIN)
    expect(first).toMatchObject({ rollout: t.stored.state.id, snapshot: t.snapshot })
    expect(t.run).toHaveBeenCalledTimes(1)
    expect(t.pinned).toEqual([T0 + MIN])
    const again = await t.ticks.tickAt(T0 + MIN)
    expect(t.run).toHaveBeenCalledTimes(1)
    expect(t.pinned).toEqual([T0 + MIN]) // the clock is not even pinned for a skipped tick
    expect(again).toEqual({
      rollout: t.stored.state.id,
      phase: t.port.active()!.state.phase,
      decision: null,
      snapshot: null,
    })
    // An older time is skipped too; the next minute runs.
    await t.ticks.tickAt(T0)
    expect(t.run).toHaveBeenCalledTimes(1)
    await t.ticks.tickAt(T0 + 2 * MIN)
    expect(t.run).toHaveBeenCalledTimes(2)
  })

  it('a tick that threw may run again for the same time', async () => {
    const t = await ticking()
    vi.useFakeTimers({ now: T0 + MIN })
    vi.spyOn(t.runner, 'evaluate').mockRejectedValueOnce(new Error('shard unavailable'))
    await expect(t.ticks.tickAt(T0 + MIN)).rejects.toThrow('shard unavailable')
    await t.ticks.tickAt(T0 + MIN)
    expect(t.run).toHaveBeenCalledTimes(1)
    expect(t.port.active()!.state.lastTickAt).toBe(T0 + MIN)
  })

  it("selfTick runs the minute's tick the alarm owes, once, and arms the next minute", async () => {
    const t = await ticking()
    vi.useFakeTimers({ now: T0 + MIN + 250 })
    await t.ticks.selfTick()
    expect(t.pinned).toEqual([T0 + MIN])
    expect(t.run).toHaveBeenCalledTimes(1)
    expect(t.alarms.at(-1)).toBe(T0 + 2 * MIN)
    expect(t.index.marks).toEqual([['credit-risk', true]])
    vi.setSystemTime(T0 + MIN + 30 * SEC) // a second alarm in the same minute
    await t.ticks.selfTick()
    expect(t.run).toHaveBeenCalledTimes(1)
    // The cron's tick for the same minute, after the alarm's, acts no more.
    await t.ticks.tickAt(T0 + MIN)
    expect(t.run).toHaveBeenCalledTimes(1)
    vi.setSystemTime(T0 + 2 * MIN + 10)
    await t.ticks.selfTick()
    expect(t.pinned).toEqual([T0 + MIN, T0 + 2 * MIN])
    expect(t.run).toHaveBeenCalledTimes(2)
  })

  it('selfTick does nothing for a model with nothing to watch; sync marks it not ticking', async () => {
    const port = new FakePort({ risk: 'low' })
    const { ctl, index } = fakeIndex()
    const alarms: number[] = []
    const sched = new TickSchedule({ intervalMs: MIN, armAlarm: async (at) => void alarms.push(at), index })
    const { parts, pinned } = coordinatorParts(port)
    const ticks = new RolloutTicks(parts, new RolloutRunner(port), sched, (fn) => fn())
    vi.useFakeTimers({ now: T0 + MIN })
    await ticks.selfTick()
    expect(pinned).toEqual([])
    await ticks.sync()
    expect(alarms).toEqual([])
    expect(ctl.marks).toEqual([['credit-risk', false]])
  })

  it('after a rollback still to confirm the alarm keeps ticking; once confirmed, it stops', async () => {
    const port = new FakePort({ risk: 'low' })
    const { runner } = await failedCanary(port)
    expect(needsTicks(port.active())).toBe(true)
    const { ctl, index } = fakeIndex()
    const alarms: number[] = []
    const sched = new TickSchedule({ intervalMs: MIN, armAlarm: async (at) => void alarms.push(at), index })
    const { parts } = coordinatorParts(port)
    const ticks = new RolloutTicks(parts, runner, sched, (fn) => fn())
    const at = Math.floor(port.now() / MIN) * MIN + MIN
    vi.useFakeTimers({ now: at })
    await ticks.sync()
    expect(alarms).toEqual([at + MIN])
    expect(ctl.marks).toEqual([['credit-risk', true]])
    // The stable version carries healthy traffic: the next tick confirms the rollback.
    port.plant({ version: 'v1', arm: 'champion', requests: 200, errorRate: 0.01 })
    port.clock = at
    const out = await ticks.tickAt(at)
    expect(out).toMatchObject({ phase: 'rolled_back', decision: null, snapshot: null })
    expect(port.active()!.state.rollback!.confirmation!.ok).toBe(true)
    expect(needsTicks(port.active())).toBe(false)
    expect(alarms).toEqual([at + MIN]) // no new alarm
    expect(ctl.marks).toEqual([
      ['credit-risk', true],
      ['credit-risk', false],
    ])
  })
})
