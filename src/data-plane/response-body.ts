/**
 * @module data-plane/response-body
 * The answer's body on its way to the client, watched to its end: when its last byte arrived, and
 * whether it broke off (a reset or transport error) or went silent longer than the version's
 * `stream_idle_timeout_ms`. Either way the client's stream is closed, not errored, after what
 * arrived (a server-sent-events client sees the end of the stream), and the caller learns how the
 * body ended, once.
 *
 * Cost: this is on every answer's path, so it is one pull-based stream whose source is one object
 * with its callbacks made once per body: per chunk, one upstream read and one enqueue. The idle
 * timer is one timeout per idle period, not per chunk: it is armed when a read starts and, when it
 * fires, re-armed for what is left of the period if a later read is still waiting, or left unarmed
 * if no read is waiting (the next read arms it).
 *
 * Read-ahead: up to READ_AHEAD_BYTES are read from the upstream before the client asks for them,
 * so a slow client does not stretch the duration of an answer that fits, and the idle timer only
 * runs while the gateway waits for the upstream (a client that stops reading is not a stall).
 */

/** How a watched body ended: its last byte, a read error, a stall, or the client's cancel. */
export type BodyEnd = 'done' | 'error' | 'stalled' | 'cancelled'

export const READ_AHEAD_BYTES = 64 * 1024

/** Shared by every watched body (a stream reads its strategy once, when it is built). */
const READ_AHEAD: QueuingStrategy<Uint8Array> = { highWaterMark: READ_AHEAD_BYTES, size: (c) => c.byteLength }

/** Why the upstream read is cancelled after a stall (its connection is released). */
export class StreamStalled extends Error {}

class WatchedBody implements UnderlyingSource<Uint8Array> {
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined
  private ended = false
  /** A read from the upstream is pending (only then can the upstream be stalling). */
  private waiting = false
  /** When the pending read started. */
  private since = 0
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly idleMs: number,
    private readonly now: () => number,
    private readonly onEnd: (end: BodyEnd) => void,
    private readonly onChunk: ((chunk: Uint8Array) => void) | undefined,
  ) {}

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller
  }

  pull(): Promise<void> {
    this.waiting = true
    this.since = this.now()
    if (this.timer === undefined) this.timer = setTimeout(this.check, this.idleMs)
    return this.reader.read().then(this.onRead, this.onError)
  }

  cancel(reason: unknown): Promise<void> {
    // The client went away: the upstream did nothing wrong, so this is not an error.
    this.finish('cancelled')
    return this.reader.cancel(reason)
  }

  private readonly onRead = (r: ReadableStreamReadResult<Uint8Array>): void => {
    this.waiting = false
    if (this.ended) return
    if (r.done) {
      this.finish('done')
      this.controller?.close()
    } else {
      this.onChunk?.(r.value)
      this.controller?.enqueue(r.value)
    }
  }

  private readonly onError = (): void => {
    this.waiting = false
    if (this.ended) return
    this.finish('error')
    this.controller?.close()
  }

  private readonly check = (): void => {
    this.timer = undefined
    if (this.ended || !this.waiting) return
    const left = this.since + this.idleMs - this.now()
    if (left > 0) {
      this.timer = setTimeout(this.check, left)
      return
    }
    this.finish('stalled')
    this.controller?.close()
    // Settles the pending read (as done, ignored above) and releases the upstream connection.
    this.reader.cancel(new StreamStalled(`no body bytes for ${this.idleMs} ms`)).catch(() => undefined)
  }

  private finish(end: BodyEnd): void {
    this.ended = true
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    this.onEnd(end)
  }
}

/**
 * `body` as the client's stream, ended cleanly on a read error or after `idleMs` without a byte
 * while the gateway waits for one; `onEnd` is called once, when the body ended (or was cancelled).
 * `onChunk` sees each chunk before the client does (response metrics capture the body with it).
 */
export function watchBody(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  now: () => number,
  onEnd: (end: BodyEnd) => void,
  onChunk?: (chunk: Uint8Array) => void,
): ReadableStream<Uint8Array> {
  return new ReadableStream(new WatchedBody(body.getReader(), idleMs, now, onEnd, onChunk), READ_AHEAD)
}
