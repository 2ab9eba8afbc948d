/**
 * @module data-plane/shadow
 * Runs one shadow copy after the client already has its answer (inside waitUntil) and turns it
 * into a ShadowMeasurement. Nothing here can touch the client's response: the request body and the
 * champion's response body arrive as tee branches, the shadow has its own timeout, and a per-isolate
 * cap on concurrent copies drops (and counts) copies instead of queueing them.
 */
import type { ShadowMeasurement } from '../core/metrics/aggregate'
import { DEFAULT_SHADOW_COMPARE } from '../core/shadow/comparator'
import { extractAndCompare } from '../core/shadow/compare'
import { storedOutput } from '../core/shadow/stored-output'
import type { Backend, ShadowCompare } from '../schemas/model'
import type { ShadowCopy } from './forward'
import { HOPS_HEADER } from '../core/protocol'
import { upstreamRequestHeaders } from './headers'
import { sendUpstream, type EgressLookup, type ServiceLookup } from './upstream'

/** A shadow copy as the data plane hands it over, resolved to its target (version and backend). */
export interface ShadowInput extends Omit<ShadowCopy, 'snapshot'> {
  epoch: number
  model: string
  version: string
  backend: Backend
  compare: ShadowCompare | null
}

/**
 * The isolate's cap on concurrent shadow copies: a copy that finds every slot taken is skipped
 * (counted), never queued. One per isolate (see compose), shared by all its requests.
 */
export class ShadowSlots {
  private inflight = 0
  constructor(private readonly max: number) {}

  /** Takes a slot, or answers false when all are in use. */
  take(): boolean {
    if (this.inflight >= this.max) return false
    this.inflight++
    return true
  }

  release(): void {
    this.inflight--
  }
}

export interface ShadowDeps {
  timeoutMs: number
  slots: ShadowSlots
  captureBytes: number
  maxRequestBytes: number
  now: () => number
  service: ServiceLookup
  egress: EgressLookup
}

type Capture = { kind: 'ok'; bytes: Uint8Array } | { kind: 'too_large' | 'failed' | 'timeout' }

/**
 * Reads at most `limit` bytes of a stream within `ms` (null: no time limit). Longer, slower or
 * broken streams are cancelled and reported, never thrown: a copy must always end in a
 * measurement, and end in time, or its in-flight slot would be held past the waitUntil budget.
 */
async function capture(stream: ReadableStream<Uint8Array> | null, limit: number, ms: number | null): Promise<Capture> {
  if (stream === null) return { kind: 'ok', bytes: new Uint8Array(0) }
  const reader = stream.getReader()
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = ms === null ? null : new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, ms, 'timeout')))
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const next = expired === null ? await reader.read() : await Promise.race([reader.read(), expired])
      if (next === 'timeout') {
        reader.cancel().catch(() => undefined)
        return { kind: 'timeout' }
      }
      if (next.done) break
      size += next.value.byteLength
      if (size > limit) {
        await reader.cancel().catch(() => undefined)
        return { kind: 'too_large' }
      }
      chunks.push(next.value)
    }
  } catch {
    reader.cancel().catch(() => undefined)
    return { kind: 'failed' }
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
  const out = new Uint8Array(size)
  let o = 0
  for (const c of chunks) {
    out.set(c, o)
    o += c.byteLength
  }
  return { kind: 'ok', bytes: out }
}

const decoder = new TextDecoder()

export async function runShadow(input: ShadowInput, deps: ShadowDeps): Promise<ShadowMeasurement> {
  const base = {
    type: 'shadow' as const,
    requestId: input.requestId,
    at: input.at,
    epoch: input.epoch,
    version: input.version,
  }
  const skip = async (): Promise<ShadowMeasurement> => {
    await Promise.all([
      input.requestBody?.cancel().catch(() => undefined),
      input.championBody?.cancel().catch(() => undefined),
    ])
    return { ...base, verdict: 'skipped', latencyMs: null }
  }
  if (!deps.slots.take()) return skip()
  try {
    // The client's request body and the champion's answer, each within the shadow timeout: a copy
    // whose inputs are too large, broken or slower than that cannot be compared (skipped).
    const request = await capture(input.requestBody, deps.maxRequestBytes, deps.timeoutMs)
    if (request.kind !== 'ok') return skip()
    const body = request.bytes
    const championCapture = capture(input.championBody, deps.captureBytes, deps.timeoutMs)
    const headers = upstreamRequestHeaders(input.headers, {
      'x-request-id': input.requestId,
      [HOPS_HEADER]: String(input.hops + 1),
      'x-modelgate-model': input.model,
      'x-modelgate-version': input.version,
      'x-modelgate-shadow': '1',
    })
    const timeout = Math.min(deps.timeoutMs, input.backend.timeout_ms)
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeout)
    const started = deps.now()
    let status = 0
    let shadowText = ''
    let shadowTooLarge = false
    let latencyMs: number | null = null
    let durationMs: number | null = null
    try {
      const init: RequestInit = {
        method: input.method,
        headers,
        body: input.method === 'GET' || input.method === 'HEAD' ? null : body,
        signal: controller.signal,
        redirect: 'manual',
      }
      const res = await sendUpstream(input.backend, input.path, input.search, init, deps.service, deps.egress)
      latencyMs = deps.now() - started
      status = res.status
      // The abort signal bounds this read (it covers the response body too).
      const answer = await capture(res.body, deps.captureBytes, null)
      if (answer.kind === 'ok') {
        durationMs = deps.now() - started
        shadowText = decoder.decode(answer.bytes)
      } else if (answer.kind === 'too_large') shadowTooLarge = true
      else status = 0
    } catch {
      status = 0 // timeout or connection failure: an error of the shadow
    } finally {
      clearTimeout(timer)
    }
    const champion = await championCapture
    // A champion answer that broke off, came too slowly or is too large to compare, or a shadow
    // answer too large to compare, says nothing about the shadow's quality: skipped, not an error.
    if (champion.kind !== 'ok' || shadowTooLarge) return { ...base, verdict: 'skipped', latencyMs, durationMs }
    const compare = input.compare ?? DEFAULT_SHADOW_COMPARE
    const result = extractAndCompare({
      pointer: compare.pointer,
      comparator: compare.comparator,
      championBody: decoder.decode(champion.bytes),
      shadowBody: shadowText,
      championStatus: input.championStatus,
      shadowStatus: status === 0 ? 599 : status,
    })
    // A pair the champion made incomparable says nothing about the shadow.
    if (result.verdict === 'error' && result.side === 'champion')
      return { ...base, verdict: 'skipped', latencyMs, durationMs }
    if (result.verdict === 'error') return { ...base, verdict: 'error', latencyMs, durationMs }
    // Bounded here too, so a batch never carries megabytes of outputs to the shard.
    const championOutput = storedOutput(result.championOutput).value
    const shadowOutput = storedOutput(result.shadowOutput).value
    return { ...base, verdict: result.verdict, latencyMs, durationMs, championOutput, shadowOutput }
  } finally {
    deps.slots.release()
  }
}
