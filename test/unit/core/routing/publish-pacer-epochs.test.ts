import { describe, expect, it } from 'vitest'
import { PublishPacer } from '../../../../src/core/routing/publish-pacer'

/** A fake clock whose sleeps complete when the test advances time; records every sleep asked for. */
function fakeClock() {
  let now = 0
  const sleeps: number[] = []
  const sleepers: Array<{ at: number; resolve: () => void }> = []
  return {
    sleeps,
    now: () => now,
    sleep: (ms: number) => {
      sleeps.push(ms)
      return new Promise<void>((resolve) => sleepers.push({ at: now + ms, resolve }))
    },
    async advance(ms: number) {
      now += ms
      for (const s of sleepers.splice(0).filter((s) => s.at <= now || (sleepers.push(s), false))) s.resolve()
      for (let i = 0; i < 10; i++) await Promise.resolve()
    },
  }
}

type Snap = { epoch: number; tag?: string }

// Most tests let the pacer's write loop finish (`clock.advance(0)`) before publishing again; the
// last block publishes straight from the previous release, which once found the old loop not yet
// cleared and waited for some later publish.

function pacerWith(clock: ReturnType<typeof fakeClock>, write?: (s: Snap) => Promise<void>) {
  const writes: Array<{ epoch: number; tag?: string; at: number }> = []
  const pacer = new PublishPacer<Snap>({
    minIntervalMs: 1000,
    now: clock.now,
    sleep: clock.sleep,
    write: async (s) => {
      writes.push({ ...s, at: clock.now() })
      await write?.(s)
    },
  })
  return { pacer, writes }
}

/** Settles to 'resolved', 'rejected' or 'pending' after the microtasks queued so far. */
async function stateOf(p: Promise<unknown>): Promise<string> {
  let state = 'pending'
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  )
  for (let i = 0; i < 10; i++) await Promise.resolve()
  return state
}

describe('publish pacer: epochs only move forward', () => {
  it('never lowers the published epoch when an older one is marked', () => {
    const { pacer } = pacerWith(fakeClock())
    pacer.markPublished(5)
    pacer.markPublished(3)
    expect(pacer.published).toBe(5)
  })

  it('releases waiters up to a marked epoch and keeps newer ones waiting for their write', async () => {
    const clock = fakeClock()
    const { pacer, writes } = pacerWith(clock)
    const first = pacer.publish({ epoch: 1 })
    await clock.advance(0)
    const two = pacer.publish({ epoch: 2 })
    const three = pacer.publish({ epoch: 3 })
    pacer.markPublished(2)
    expect(await stateOf(first)).toBe('resolved')
    expect(await stateOf(two)).toBe('resolved')
    expect(await stateOf(three)).toBe('pending')
    await clock.advance(1000)
    expect(await stateOf(three)).toBe('resolved')
    expect(writes.map((w) => w.epoch)).toEqual([1, 3])
  })

  it('does not write again a snapshot whose epoch is already written', async () => {
    const clock = fakeClock()
    const { pacer, writes } = pacerWith(clock)
    await pacer.publish({ epoch: 3 })
    await clock.advance(5000)
    await pacer.publish({ epoch: 3 })
    await clock.advance(5000)
    expect(writes.map((w) => w.epoch)).toEqual([3])
  })

  it('keeps the newest snapshot when an older one arrives during the cool-down', async () => {
    const clock = fakeClock()
    const { pacer, writes } = pacerWith(clock)
    await pacer.publish({ epoch: 1 })
    await clock.advance(0)
    const newest = pacer.publish({ epoch: 3 })
    const older = pacer.publish({ epoch: 2 })
    await clock.advance(1000)
    await Promise.all([newest, older])
    expect(writes.map((w) => w.epoch)).toEqual([1, 3])
    expect(pacer.published).toBe(3)
  })

  it('writes each snapshot once: an idle pacer writes nothing more however long the clock runs', async () => {
    const clock = fakeClock()
    const { pacer, writes } = pacerWith(clock)
    await pacer.publish({ epoch: 1 })
    await clock.advance(0)
    const later = pacer.publish({ epoch: 2 })
    await clock.advance(1000)
    await later
    for (let i = 0; i < 5; i++) await clock.advance(1000)
    expect(writes.map((w) => w.epoch)).toEqual([1, 2])
  })
})

describe('publish pacer: the interval is measured from the last write', () => {
  it('waits only the rest of the interval for a change made part-way through it', async () => {
    const clock = fakeClock()
    const { pacer, writes } = pacerWith(clock)
    await pacer.publish({ epoch: 1 })
    await clock.advance(300)
    const next = pacer.publish({ epoch: 2 })
    await clock.advance(0)
    expect(clock.sleeps).toEqual([700])
    await clock.advance(700)
    await next
    expect(writes).toEqual([
      { epoch: 1, at: 0 },
      { epoch: 2, at: 1000 },
    ])
  })

  it('writes at once, without sleeping, when the interval has already passed', async () => {
    const clock = fakeClock()
    const { pacer, writes } = pacerWith(clock)
    await pacer.publish({ epoch: 1 })
    await clock.advance(1000)
    const next = pacer.publish({ epoch: 2 })
    expect(await stateOf(next)).toBe('resolved')
    expect(clock.sleeps).toEqual([])
    expect(writes.map((w) => w.at)).toEqual([0, 1000])
  })
})

describe('publish pacer: a failed write', () => {
  it('does not retry the failed snapshot by itself', async () => {
    const clock = fakeClock()
    const { pacer, writes } = pacerWith(clock, async () => {
      throw new Error('KV 429')
    })
    await expect(pacer.publish({ epoch: 1 })).rejects.toThrow('KV 429')
    for (let i = 0; i < 5; i++) await clock.advance(1000)
    expect(writes.map((w) => w.epoch)).toEqual([1])
  })

  it('still writes a newer snapshot published while the failing write was in flight, and rejects only the older callers', async () => {
    const clock = fakeClock()
    let release: (err?: Error) => void = () => {}
    let calls = 0
    const { pacer, writes } = pacerWith(clock, () => {
      calls++
      if (calls > 1) return Promise.resolve()
      return new Promise<void>((resolve, reject) => (release = (err) => (err ? reject(err) : resolve())))
    })
    const one = pacer.publish({ epoch: 1 })
    await clock.advance(0)
    const two = pacer.publish({ epoch: 2 })
    release(new Error('KV 429'))
    expect(await stateOf(one)).toBe('rejected')
    expect(await stateOf(two)).toBe('pending')
    await clock.advance(1000)
    expect(await stateOf(two)).toBe('resolved')
    expect(writes.map((w) => w.epoch)).toEqual([1, 2])
    expect(pacer.published).toBe(2)
  })
})

describe('publish pacer: a publish right after an awaited one', () => {
  it('starts a write of its own, with no other publish needed to carry it', async () => {
    const clock = fakeClock()
    const { pacer, writes } = pacerWith(clock)
    // The second publish runs in the continuation of the first one's release, before the old loop
    // has returned: it must still be written once the interval has passed.
    const second = pacer.publish({ epoch: 1 }).then(() => pacer.publish({ epoch: 2 }))
    await clock.advance(0)
    await clock.advance(1000)
    expect(await stateOf(second)).toBe('resolved')
    expect(writes.map((w) => [w.epoch, w.at])).toEqual([
      [1, 0],
      [2, 1000],
    ])
  })

  it('releases its waiters with the error when the sleep itself fails, and then runs again', async () => {
    const writes: number[] = []
    let failSleep = true
    const pacer = new PublishPacer<Snap>({
      minIntervalMs: 1000,
      now: () => 0,
      sleep: () => (failSleep ? Promise.reject(new Error('sleep failed')) : Promise.resolve()),
      write: async (s) => {
        writes.push(s.epoch)
      },
    })
    await pacer.publish({ epoch: 1 })
    await expect(pacer.publish({ epoch: 2 })).rejects.toThrow('sleep failed')
    failSleep = false
    await pacer.publish({ epoch: 3 })
    expect(writes).toEqual([1, 3])
  })
})
