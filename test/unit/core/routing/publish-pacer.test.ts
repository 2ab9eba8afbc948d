import { describe, expect, it } from 'vitest'
import { PublishPacer } from '../../../../src/core/routing/publish-pacer'

/** A fake clock whose sleeps complete when the test advances time. */
function fakeClock() {
  let now = 0
  const sleepers: Array<{ at: number; resolve: () => void }> = []
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((resolve) => sleepers.push({ at: now + ms, resolve })),
    async advance(ms: number) {
      now += ms
      for (const s of sleepers.splice(0).filter((s) => s.at <= now || (sleepers.push(s), false))) s.resolve()
      for (let i = 0; i < 10; i++) await Promise.resolve()
    },
  }
}

describe('publish pacer', () => {
  it('writes at most once per interval and coalesces a burst into the newest snapshot', async () => {
    const clock = fakeClock()
    const writes: Array<{ epoch: number; at: number }> = []
    const pacer = new PublishPacer<{ epoch: number }>({
      minIntervalMs: 1000,
      now: clock.now,
      sleep: clock.sleep,
      write: async (s) => void writes.push({ epoch: s.epoch, at: clock.now() }),
    })
    const done: number[] = []
    const p1 = pacer.publish({ epoch: 1 }).then(() => done.push(1))
    await clock.advance(0)
    const p2 = pacer.publish({ epoch: 2 }).then(() => done.push(2))
    const p3 = pacer.publish({ epoch: 3 }).then(() => done.push(3))
    await clock.advance(500)
    expect(writes).toEqual([{ epoch: 1, at: 0 }])
    expect(done).toEqual([1])
    await clock.advance(500)
    await Promise.all([p1, p2, p3])
    expect(writes).toEqual([
      { epoch: 1, at: 0 },
      { epoch: 3, at: 1000 },
    ]) // epoch 2 never written alone
    expect(done.sort()).toEqual([1, 2, 3])
    expect(pacer.published).toBe(3)
  })

  it('resolves at once for an epoch already written', async () => {
    const clock = fakeClock()
    const pacer = new PublishPacer<{ epoch: number }>({
      minIntervalMs: 1000,
      now: clock.now,
      sleep: clock.sleep,
      write: async () => undefined,
    })
    pacer.markPublished(5)
    await expect(pacer.publish({ epoch: 4 })).resolves.toBeUndefined()
  })

  it('rejects the waiters of a failed write and still writes later snapshots', async () => {
    const clock = fakeClock()
    let fail = true
    const pacer = new PublishPacer<{ epoch: number }>({
      minIntervalMs: 10,
      now: clock.now,
      sleep: clock.sleep,
      write: async () => {
        if (fail) throw new Error('KV 429')
      },
    })
    await expect(pacer.publish({ epoch: 1 })).rejects.toThrow('KV 429')
    fail = false
    const p = pacer.publish({ epoch: 2 })
    await clock.advance(10)
    await expect(p).resolves.toBeUndefined()
    expect(pacer.published).toBe(2)
  })
})
