/**
 * @module measure/shadow
 * Runs one shadow copy after the client already has its answer (inside waitUntil) and turns it
 * into a ShadowMeasurement. Nothing here can touch the client's response: the request body and the
 * champion's response body arrive as tee branches, the shadow has its own timeout, and a per-isolate
 * cap on concurrent copies drops (and counts) copies instead of queueing them.
 */
import type { ShadowMeasurement } from '../core/metrics/aggregate'
import { extractAndCompare, type ComparatorConfig } from '../core/shadow/compare'
import type { Backend, ShadowCompare } from '../schemas/model'
import type { ShadowCopy } from '../gateway/forward'
import { HOPS_HEADER, upstreamRequestHeaders } from '../gateway/headers'

/** Exact equality of the whole JSON answer (keys order-insensitive) when a model sets nothing. */
export const DEFAULT_SHADOW_COMPARE: ShadowCompare = { pointer: '', comparator: { kind: 'text', min_similarity: 1, normalize: false } as ComparatorConfig }

/** A shadow copy as the data plane hands it over, resolved to its target (version and backend). */
export interface ShadowInput extends Omit<ShadowCopy, 'snapshot'> {
  epoch: number
  model: string
  version: string
  backend: Backend
  compare: ShadowCompare | null
}

export interface ShadowDeps {
  timeoutMs: number
  maxInflight: number
  captureBytes: number
  maxRequestBytes: number
  now: () => number
  service: (name: string) => Fetcher | undefined
}

let inflight = 0

/** Reads at most `limit` bytes; returns null when the stream is longer (and cancels it). */
async function readCapped(stream: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array | null> {
  if (stream === null) return new Uint8Array(0)
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => undefined)
      return null
    }
    chunks.push(value)
  }
  const out = new Uint8Array(size)
  let o = 0
  for (const c of chunks) {
    out.set(c, o)
    o += c.byteLength
  }
  return out
}

const decoder = new TextDecoder()

export async function runShadow(input: ShadowInput, deps: ShadowDeps): Promise<ShadowMeasurement> {
  const base = { type: 'shadow' as const, requestId: input.requestId, at: input.at, epoch: input.epoch, version: input.version }
  const skip = async (): Promise<ShadowMeasurement> => {
    await Promise.all([input.requestBody?.cancel().catch(() => undefined), input.championBody?.cancel().catch(() => undefined)])
    return { ...base, verdict: 'skipped', latencyMs: null }
  }
  if (inflight >= deps.maxInflight) return skip()
  inflight++
  try {
    const body = await readCapped(input.requestBody, deps.maxRequestBytes)
    if (body === null) return skip()
    const championBytes = readCapped(input.championBody, deps.captureBytes)
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
    let latencyMs: number | null = null
    try {
      const init: RequestInit = { method: input.method, headers, body: input.method === 'GET' || input.method === 'HEAD' ? null : body, signal: controller.signal, redirect: 'manual' }
      let res: Response
      if ('url' in input.backend) res = await fetch(`${input.backend.url}${input.path}${input.search}`, init)
      else {
        const svc = deps.service(input.backend.service)
        if (!svc) throw new Error(`service binding ${input.backend.service} is not bound`)
        res = await svc.fetch(`http://${input.backend.service.toLowerCase()}${input.path || '/'}${input.search}`, init)
      }
      latencyMs = deps.now() - started
      status = res.status
      const bytes = await readCapped(res.body, deps.captureBytes)
      shadowText = bytes === null ? '' : decoder.decode(bytes)
    } catch {
      status = 0 // timeout or connection failure: an error of the shadow
    } finally {
      clearTimeout(timer)
    }
    const champion = await championBytes
    if (champion === null) return { ...base, verdict: 'skipped', latencyMs }
    const compare = input.compare ?? DEFAULT_SHADOW_COMPARE
    const result = extractAndCompare({
      pointer: compare.pointer,
      comparator: compare.comparator,
      championBody: decoder.decode(champion),
      shadowBody: shadowText,
      championStatus: input.championStatus,
      shadowStatus: status === 0 ? 599 : status,
    })
    // A pair the champion made incomparable says nothing about the shadow.
    if (result.verdict === 'error' && result.side === 'champion') return { ...base, verdict: 'skipped', latencyMs }
    if (result.verdict === 'error') return { ...base, verdict: 'error', latencyMs }
    return { ...base, verdict: result.verdict, latencyMs, championOutput: result.championOutput, shadowOutput: result.shadowOutput }
  } finally {
    inflight--
  }
}
