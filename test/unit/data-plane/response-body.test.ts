import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { READ_AHEAD_BYTES, StreamStalled, watchBody, type BodyEnd } from '../../../src/data-plane/response-body'

const enc = new TextEncoder()
const dec = new TextDecoder()

/** An upstream body the test drives by hand, recording whether (and why) the gateway cancelled it. */
function upstream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  const cancelled: unknown[] = []
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c
      },
      cancel(reason) {
        cancelled.push(reason)
      },
    },
    { highWaterMark: 0 },
  )
  return {
    stream,
    cancelled,
    send: (text: string) => controller.enqueue(enc.encode(text)),
    end: () => controller.close(),
    reset: () => controller.error(new TypeError('Network connection lost.')),
  }
}

function watched(body: ReadableStream<Uint8Array>, idleMs = 1_000) {
  const ends: Array<{ end: BodyEnd; at: number }> = []
  const client = watchBody(
    body,
    idleMs,
    () => Date.now(),
    (end) => ends.push({ end, at: Date.now() }),
  )
  return { client, ends, reader: client.getReader() }
}

/** Reads until the client's stream ends; throws if it errors (a client must see a clean end). */
async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return text
    text += dec.decode(value)
  }
}

describe('watchBody: the answer body on its way to the client', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('passes every chunk through and reports done once, when the last byte arrived', async () => {
    const up = upstream()
    const { ends, reader } = watched(up.stream)
    const reading = readAll(reader)
    up.send('data: a\n\n')
    await vi.advanceTimersByTimeAsync(300)
    up.send('data: b\n\n')
    await vi.advanceTimersByTimeAsync(300)
    expect(ends).toEqual([])
    up.end()
    expect(await reading).toBe('data: a\n\ndata: b\n\n')
    expect(ends).toEqual([{ end: 'done', at: Date.now() }])
    await vi.advanceTimersByTimeAsync(5_000)
    expect(ends).toHaveLength(1) // no stall reported after the end: the idle timer is gone
    expect(vi.getTimerCount()).toBe(0)
  })

  it('closes the client stream cleanly after what arrived when the upstream resets, and reports an error', async () => {
    const up = upstream()
    const { ends, reader } = watched(up.stream)
    const reading = readAll(reader)
    up.send('data: first\n\n')
    await vi.advanceTimersByTimeAsync(10)
    up.reset()
    // Not a rejection: an SSE client sees the end of the stream.
    expect(await reading).toBe('data: first\n\n')
    expect(ends.map((e) => e.end)).toEqual(['error'])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('ends a body silent for the idle timeout: the client stream closes and the upstream read is cancelled', async () => {
    const up = upstream()
    const started = Date.now()
    const { ends, reader } = watched(up.stream, 1_000)
    let finished = false
    const reading = readAll(reader).then((t) => {
      finished = true
      return t
    })
    up.send('data: only\n\n')
    await vi.advanceTimersByTimeAsync(999)
    expect(finished).toBe(false)
    expect(ends).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(await reading).toBe('data: only\n\n')
    expect(ends).toEqual([{ end: 'stalled', at: started + 1_000 }])
    expect(up.cancelled).toHaveLength(1)
    expect(up.cancelled[0]).toBeInstanceOf(StreamStalled)
    // A late chunk changes nothing (the stream is closed, the end was reported once).
    await vi.advanceTimersByTimeAsync(5_000)
    expect(ends).toHaveLength(1)
  })

  it('measures the silence from the last chunk, not from the first read', async () => {
    const up = upstream()
    const started = Date.now()
    const { ends, reader } = watched(up.stream, 1_000)
    const reading = readAll(reader)
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(700) // each gap below the timeout; 3.5 s in all
      up.send(`data: ${i}\n\n`)
    }
    expect(ends).toEqual([])
    await vi.advanceTimersByTimeAsync(1_000)
    await reading
    expect(ends).toEqual([{ end: 'stalled', at: started + 3_500 + 1_000 }])
  })

  it('takes a client that stops reading for slowness, not for a stalled upstream', async () => {
    let sent = 0
    const cancelled: unknown[] = []
    const endless = new ReadableStream<Uint8Array>(
      {
        pull(c) {
          sent++
          c.enqueue(new Uint8Array(16 * 1024))
        },
        cancel: (r) => void cancelled.push(r),
      },
      { highWaterMark: 0 },
    )
    const { ends, reader } = watched(endless, 1_000)
    await vi.advanceTimersByTimeAsync(10_000)
    // The gateway read ahead what fits, then waited for the client, which is not a stall.
    expect(sent * 16 * 1024).toBeGreaterThanOrEqual(READ_AHEAD_BYTES)
    expect(sent * 16 * 1024).toBeLessThanOrEqual(READ_AHEAD_BYTES + 16 * 1024)
    expect(ends).toEqual([])
    expect(cancelled).toEqual([])
    expect((await reader.read()).done).toBe(false)
    await reader.cancel()
  })

  it('reports a client that cancels as cancelled (not an error) and cancels the upstream body', async () => {
    const up = upstream()
    const { ends, reader } = watched(up.stream)
    up.send('data: a\n\n')
    expect(dec.decode((await reader.read()).value)).toBe('data: a\n\n')
    await vi.advanceTimersByTimeAsync(200)
    await reader.cancel(new Error('client went away'))
    expect(ends.map((e) => e.end)).toEqual(['cancelled'])
    expect(up.cancelled).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('ends a body that has no byte at all after the head within the idle timeout', async () => {
    const up = upstream()
    const { ends, reader } = watched(up.stream, 250)
    const reading = readAll(reader)
    await vi.advanceTimersByTimeAsync(250)
    expect(await reading).toBe('')
    expect(ends.map((e) => e.end)).toEqual(['stalled'])
  })
})
