/**
 * @module data-plane/response-metrics
 * Reading a model's response metrics (core/metrics/response-metrics) from the answer on its way to
 * the client: the watched body hands each chunk to `push` before the client gets it, and `values`
 * extracts the numbers once the body has ended, inside `waitUntil` (nothing is awaited before the
 * client's bytes). Only models with a pointer metric capture anything, and at most `limit` bytes
 * (the shadow's capture limit): a JSON body beyond it counts as missing; a server-sent-events
 * stream keeps its last `limit` bytes, where its final event (the usage of an LLM stream) is.
 */
import type { BodyEnd } from './response-body'
import type { BusinessMetric } from '../core/registry/types'
import { extractValues, responseMetrics, type ResponseValues } from '../core/metrics/response-metrics'

export type { ResponseValues }

export class ResponseCapture {
  private chunks: Uint8Array[] = []
  private bytes = 0
  private overflow = false
  private readonly stream: boolean
  private readonly captures: boolean

  constructor(
    private readonly metrics: BusinessMetric[],
    private readonly headers: Headers,
    private readonly limit: number,
  ) {
    this.stream = (headers.get('content-type') ?? '').toLowerCase().includes('text/event-stream')
    this.captures = metrics.some((m) => m.pointer !== undefined)
  }

  /** Keeps a copy of the chunk within the limit (a stream: its tail). */
  readonly push = (chunk: Uint8Array): void => {
    if (!this.captures || this.overflow) return
    this.chunks.push(chunk.slice())
    this.bytes += chunk.byteLength
    if (this.bytes <= this.limit) return
    if (!this.stream) {
      this.overflow = true
      this.chunks = []
      return
    }
    // Whole chunks are dropped from the front while the rest still covers the limit.
    while (this.chunks.length > 1 && this.bytes - this.chunks[0]!.byteLength >= this.limit) {
      this.bytes -= this.chunks.shift()!.byteLength
    }
  }

  /** Each metric's value, or null (missing): a body that did not end cleanly is not read. */
  values(how: BodyEnd): ResponseValues {
    const body = how === 'done' && !this.overflow ? this.text() : null
    return extractValues(this.metrics, { header: (h) => this.headers.get(h), body, stream: this.stream })
  }

  private text(): string {
    const all = new Uint8Array(this.bytes)
    let at = 0
    for (const c of this.chunks) {
      all.set(c, at)
      at += c.byteLength
    }
    return new TextDecoder().decode(all)
  }
}

/** A capture for the model's response metrics, or undefined when it declares none. */
export function captureFor(metrics: BusinessMetric[], headers: Headers, limit: number): ResponseCapture | undefined {
  const mine = responseMetrics(metrics)
  return mine.length === 0 ? undefined : new ResponseCapture(mine, headers, limit)
}
