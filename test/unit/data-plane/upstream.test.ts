import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { sendable } from '../../../src/data-plane/request-body'
import { headWithin, type HeadResult } from '../../../src/data-plane/upstream'

const enc = new TextEncoder()

/** A client upload the test feeds by hand. */
function upload() {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) }, { highWaterMark: 0 })
  return { stream, send: (t: string) => controller.enqueue(enc.encode(t)), end: () => controller.close() }
}

/** What fetch does with a request body: reads it to its end, then (after `thinkMs`) answers. */
async function fakeFetch(body: Uint8Array | ReadableStream | null, thinkMs: number): Promise<Response> {
  let text = ''
  if (body instanceof ReadableStream) {
    const reader = (body as ReadableStream<Uint8Array>).getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      text += new TextDecoder().decode(value)
    }
  }
  await new Promise((r) => setTimeout(r, thinkMs))
  return new Response(`got ${text}`)
}

function track(p: Promise<HeadResult>) {
  const state: { result: HeadResult | null } = { result: null }
  void p.then((r) => (state.result = r))
  return state
}

describe('the head timer starts once the request body has been sent', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('starts at once without a body or with bytes', async () => {
    for (const body of [null, enc.encode('{"x":1}')]) {
      const s = sendable(body, body === null ? null : body.byteLength)
      expect(s.sent).toBeNull()
      expect(s.body).toBe(body)
      const head = track(headWithin(new Promise<Response>(() => undefined), 100, s.sent))
      await vi.advanceTimersByTimeAsync(99)
      expect(head.result).toBeNull()
      await vi.advanceTimersByTimeAsync(1)
      expect(head.result?.kind).toBe('timeout')
    }
  })

  it('does not count a slow client upload against the timeout, only the wait after it', async () => {
    const up = upload()
    const s = sendable(up.stream, null)
    expect(s.sent).not.toBeNull()
    const head = track(headWithin(fakeFetch(s.body, 80), 100, s.sent))
    // The upload takes 1 s, ten times the backend's timeout.
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(100)
      up.send(`${i}`)
    }
    expect(head.result).toBeNull()
    up.end()
    await vi.advanceTimersByTimeAsync(80)
    expect(head.result?.kind).toBe('response')
    const res = (head.result as { response: Response }).response
    expect(await res.text()).toBe('got 0123456789')
  })

  it('still times out a backend that is slow once the body is in (a declared length too)', async () => {
    for (const length of [null, 3]) {
      const up = upload()
      const s = sendable(up.stream, length)
      const head = track(headWithin(fakeFetch(s.body, 5_000), 100, s.sent))
      await vi.advanceTimersByTimeAsync(500)
      up.send('abc')
      up.end()
      await vi.advanceTimersByTimeAsync(99)
      expect(head.result).toBeNull()
      await vi.advanceTimersByTimeAsync(1)
      expect(head.result).toMatchObject({ kind: 'timeout' })
      await vi.advanceTimersByTimeAsync(5_000) // the late answer is cancelled, not reported
    }
  })

  it('releases the timer when the upload fails, and leaves no timer behind an early answer', async () => {
    const up = upload()
    const s = sendable(up.stream, null)
    // A backend that answers without reading the body: the timer never had to start.
    const head = track(headWithin(Promise.resolve(new Response('early')), 100, s.sent))
    await vi.advanceTimersByTimeAsync(0)
    expect(head.result?.kind).toBe('response')
    await (s.body as ReadableStream).cancel()
    await vi.advanceTimersByTimeAsync(0)
    expect(vi.getTimerCount()).toBe(0)
  })
})
