/**
 * @module durable-objects/model-coordinator/tick-schedule
 * The coordinator drives its own rollout: while it has something to watch (services/coordinator,
 * `needsTicks`), its alarm wakes it at the next multiple of the tick interval (by default the
 * minute, like the cron) and it runs the gate tick itself. Gates, rollback and confirmation so go
 * on when the cron trigger or D1 is down; the cron stays as a backstop, and a tick both of them
 * run for the same minute acts once (`tickRollout` skips a time already ticked).
 *
 * It also keeps the model's `ticking/<model>` KV key in step, which the cron lists when D1 fails.
 */
import type { TickResult } from '../../adapters/do/coordinator-client'
import { withDeadline } from '../../core/deadline'
import { needsTicks, tickRollout } from '../../services/coordinator/rollout-commands'
import type { RolloutRunner } from '../../services/coordinator/rollout-runner'
import type { TickIndex } from '../../services/publication'
import type { Coordination } from './coordination'

const INDEX_WRITE_MS = 5_000

export interface TickScheduleDeps {
  /** 0: no ticks of its own (cron only). */
  intervalMs: number
  armAlarm: (at: number) => Promise<void>
  index: TickIndex
}

export class TickSchedule {
  /** The newest tick time run here (cron or alarm); a second tick for it is not run again. */
  private lastAt = Number.NEGATIVE_INFINITY
  /** What the KV index says for this model, as far as this instance knows (null: unknown). */
  private indexed: boolean | null = null

  constructor(private readonly deps: TickScheduleDeps) {}

  /** The tick time the alarm owes at `now`, or null (not wanted, or already run). */
  due(wanted: boolean, now: number): number | null {
    const { intervalMs } = this.deps
    if (!wanted || intervalMs <= 0) return null
    const at = Math.floor(now / intervalMs) * intervalMs
    return at > this.lastAt ? at : null
  }

  /** Whether a tick for `at` is still to run here. */
  fresh(at: number): boolean {
    return at > this.lastAt
  }

  /** A tick for `at` ran to the end (one that threw may run again for the same time). */
  ran(at: number): void {
    this.lastAt = Math.max(this.lastAt, at)
  }

  /**
   * After anything that may change what the model needs: arm the next tick, and bring the KV index
   * in line. An index write that fails is retried on the next call (it is a backstop's backstop).
   */
  async sync(model: string | null, wanted: boolean, now: number): Promise<void> {
    const { intervalMs } = this.deps
    if (wanted && intervalMs > 0) await this.deps.armAlarm((Math.floor(now / intervalMs) + 1) * intervalMs)
    if (model === null || this.indexed === wanted) return
    try {
      await withDeadline(this.deps.index.mark(model, wanted), INDEX_WRITE_MS, 'the tick index write')
      this.indexed = wanted
    } catch (err) {
      console.warn(`${model}: tick index not updated: ${(err as Error).message}`)
    }
  }
}

/** The coordinator's gate ticks: the cron's and its own alarm's, through one door. */
export class RolloutTicks {
  constructor(
    private readonly parts: Coordination,
    private readonly runner: RolloutRunner,
    private readonly schedule: TickSchedule,
    private readonly serialize: <T>(fn: () => Promise<T>) => Promise<T>,
  ) {}

  /**
   * One gate tick for the time `at`, once per time whoever asks. Its D1 writes follow on their
   * own: waiting for them would hold the cron's fan-out on D1's single writer, and no decision
   * depends on them.
   */
  async tickAt(at: number): Promise<TickResult> {
    const out = await this.serialize(async () => {
      if (!this.schedule.fresh(at)) return null
      this.parts.pinClock(at)
      const done = await tickRollout(this.parts.port, this.runner, at)
      this.schedule.ran(at)
      return done
    })
    await this.sync()
    if (out === null) {
      const active = this.parts.store.active
      return { rollout: active?.state.id ?? null, phase: active?.state.phase ?? null, decision: null, snapshot: null }
    }
    const snapshot = out.routed ? this.parts.currentSnapshot('current') : null
    return { rollout: out.rollout, phase: out.phase, decision: out.decision, snapshot }
  }

  /** The tick the alarm owes now, if any. */
  async selfTick(): Promise<void> {
    const at = this.schedule.due(needsTicks(this.parts.store.active), Date.now())
    if (at !== null) await this.tickAt(at)
  }

  /** Arms the next tick and updates the KV index after anything that may change the need. */
  sync(): Promise<void> {
    const model = this.parts.store.state?.model ?? null
    return this.schedule.sync(model, needsTicks(this.parts.store.active), Date.now())
  }
}
