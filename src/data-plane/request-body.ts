/**
 * @module data-plane/request-body
 * How a request body is sent: kept twice only where a fallback to the champion could need to send
 * it again, and never beyond MAX_BODY_BYTES. Bodies are kept for replay only up to
 * REPLAY_BODY_BYTES (a declared length as a native tee, an undeclared one buffered); a larger body
 * streams straight through (buffered prefix first) and cannot fall back.
 */
import type { Settings } from '../config/settings'

/** What the first attempt sends, and what a fallback could send again. */
export interface BodyPlan {
  body: Uint8Array | ReadableStream | null
  /** The second copy of a declared, small body, kept for a fallback to send again. */
  replay: ReadableStream<Uint8Array> | null
  /** Whether a fallback can send the body again (`body` if bytes, else `replay`). */
  replayable: boolean
  /** Set when the body turned out larger than MAX_BODY_BYTES while streaming. */
  tooLarge: { hit: boolean }
}

export class BodyTooLarge extends Error {}

/**
 * Synchronous unless the body must be buffered (undeclared length on a path that may fall back):
 * an await on every request would cost a round through the event loop.
 * @param source the request body (or a tee branch of it, when a shadow copy takes the other)
 * @param original whether `source` is the request's own stream (a native tee needs it)
 * @param length the declared content-length, or null
 */
export function planBody(
  source: ReadableStream<Uint8Array> | null,
  original: boolean,
  length: number | null,
  mayFallBack: boolean,
  settings: Pick<Settings, 'maxBodyBytes' | 'replayBodyBytes'>,
): BodyPlan | Promise<BodyPlan> {
  const tooLarge = { hit: false }
  if (source === null) return { body: null, replay: null, replayable: true, tooLarge }
  if (mayFallBack && length !== null && length <= settings.replayBodyBytes && original) {
    // Declared and small enough: a native tee. The first attempt starts at once, without waiting
    // for the whole body (an await here cost a round through the event loop on every canary
    // request), and the second copy stays in the runtime until a fallback reads it.
    const [body, replay] = source.tee()
    return { body, replay, replayable: true, tooLarge }
  }
  if (mayFallBack && (length === null || length <= settings.replayBodyBytes)) {
    return bufferUpTo(source, settings.replayBodyBytes).then((buffered): BodyPlan => {
      if (buffered.kind === 'complete') return { body: buffered.bytes, replay: null, replayable: true, tooLarge }
      const body = limitBody(buffered.stream, settings.maxBodyBytes, tooLarge)
      return { body, replay: null, replayable: false, tooLarge }
    })
  }
  const body = length !== null ? source : limitBody(source, settings.maxBodyBytes, tooLarge)
  return { body, replay: null, replayable: false, tooLarge }
}

type Buffered = { kind: 'complete'; bytes: Uint8Array } | { kind: 'partial'; stream: ReadableStream<Uint8Array> }

/**
 * Reads a body into memory if it fits in `limit` bytes (so it can be sent twice). Otherwise returns
 * a stream that replays what was read and then continues with the rest, so nothing is lost.
 */
async function bufferUpTo(body: ReadableStream<Uint8Array>, limit: number): Promise<Buffered> {
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.byteLength
    if (size > limit) {
      const prefix = chunks
      return {
        kind: 'partial',
        stream: new ReadableStream<Uint8Array>({
          async pull(controller) {
            const next = prefix.shift()
            if (next) return controller.enqueue(next)
            const { done: end, value: more } = await reader.read()
            if (end) controller.close()
            else controller.enqueue(more)
          },
          cancel: (reason) => reader.cancel(reason),
        }),
      }
    }
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const c of chunks) {
    bytes.set(c, offset)
    offset += c.byteLength
  }
  return { kind: 'complete', bytes }
}

/**
 * Pass a body through while counting bytes; error the stream past `max`. A pull-based stream (not
 * pipeThrough) so that the error reaches the fetch and leaves no rejected promise behind.
 */
function limitBody(body: ReadableStream<Uint8Array>, max: number, flag: { hit: boolean }): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  let seen = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read()
      if (done) {
        controller.close()
        return
      }
      seen += value.byteLength
      if (seen > max) {
        flag.hit = true
        await reader.cancel().catch(() => undefined)
        controller.error(new BodyTooLarge(`body exceeds ${max} bytes`))
        return
      }
      controller.enqueue(value)
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
}

/** A body as fetch sends it, and when fetch has read it to its end (null: at once). */
export interface Sendable {
  body: Uint8Array | ReadableStream | null
  sent: Promise<void> | null
}

/**
 * What an attempt hands to fetch, and when the upstream's head timer may start (see upstream
 * `headWithin`): bytes and no body at once; a stream once fetch has read it to its end, so a slow
 * client upload does not count against the backend's timeout. A declared length streams through a
 * FixedLengthStream, piped natively (no JavaScript per chunk, and the backend still sees the
 * length); otherwise (no declared length, or a runtime without FixedLengthStream) a pull-based
 * stream notes the end. A body that fails or is cancelled also releases the timer (fetch then
 * fails, or has its answer already).
 * @param length the declared content-length, or null
 */
export function sendable(body: Uint8Array | ReadableStream | null, length: number | null): Sendable {
  if (body === null || body instanceof Uint8Array) return { body, sent: null }
  const stream = body as ReadableStream<Uint8Array>
  if (length !== null && typeof FixedLengthStream === 'function') {
    // A body from the network or a service binding pipes natively. (workerd cannot pipe one
    // transform stream into another: a Request built in this isolate around a FixedLengthStream
    // would wait here; only tests calling the handler in-process build those.)
    const fixed = new FixedLengthStream(length)
    const sent = stream.pipeTo(fixed.writable).then(
      () => undefined,
      () => undefined,
    )
    return { body: fixed.readable, sent }
  }
  let end!: () => void
  const sent = new Promise<void>((resolve) => (end = resolve))
  return { body: endSignalled(stream, end), sent }
}

/** `body`, read only as fetch asks for it, calling `end` once it has been read to its end (or failed). */
function endSignalled(body: ReadableStream<Uint8Array>, end: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let r: ReadableStreamReadResult<Uint8Array>
        try {
          r = await reader.read()
        } catch (err) {
          end()
          throw err
        }
        if (r.done) {
          controller.close()
          end()
        } else {
          controller.enqueue(r.value)
        }
      },
      cancel(reason) {
        end()
        return reader.cancel(reason)
      },
    },
    { highWaterMark: 0 },
  )
}
