/**
 * @module data-plane/forward
 * The request hot path: route one inference request to a model version and stream the answer back.
 * Budget: one in-memory snapshot lookup (a KV read at most once per TTL), a hash, and the upstream
 * fetch. Nothing here awaits D1 or a Durable Object; measurements leave through `onComplete`, once
 * the answer's body has ended, inside `waitUntil`. Failure semantics:
 * - timeout before response headers (counted from when the request body has been sent) → 504;
 *   connect/transport error or a URL the egress policy refuses → 502 (problem+json, the cause
 *   logged with the request id, not shown);
 * - a body that breaks off or goes silent longer than the version's `stream_idle_timeout_ms` after
 *   the head is closed cleanly for the client after what arrived, and measured as an error
 *   (`stream_error`, `stream_stalled`); a client that cancels is measured as what the upstream did;
 * - a non-champion version that times out, cannot be reached or answers 5xx is retried once on the
 *   champion when the model allows it and the body can be replayed; the answer says so in
 *   `x-model-fallback`. Bodies are kept for replay only on that path and only up to
 *   REPLAY_BODY_BYTES (a declared length as a native tee, an undeclared one buffered); a larger
 *   body streams straight through (buffered prefix first) and cannot fall back.
 * - a body above MAX_BODY_BYTES → 413, before or while streaming.
 */
import type { SignedClaims } from '../core/attribution/request-token'
import { DomainError } from '../core/errors'
import { covariateOf } from '../core/metrics/covariate'
import type { RequestOutcome } from '../core/metrics/aggregate'
import { DEFAULT_STREAM_IDLE_TIMEOUT_MS } from '../core/registry/types'
import { selectRoute, type Arm, type RouteDecision } from '../core/routing/select'
import type { Backend } from '../schemas/model'
import type { RoutingSnapshot } from '../schemas/routing'
import type { Settings } from '../config/settings'
import { HOPS_HEADER } from '../core/protocol'
import { admit } from './admission'
import {
  dataPlaneProblem,
  downstreamResponse,
  headerRecord,
  upstreamRequestHeaders,
  type HeaderRecord,
} from './headers'
import { planBody, sendable } from './request-body'
import { watchBody, type BodyEnd } from './response-body'
import { captureFor, type ResponseCapture, type ResponseValues } from './response-metrics'
import type { SnapshotCache } from './snapshot-cache'
import { headWithin, sendUpstream, type EgressLookup, type ServiceLookup } from './upstream'

/** How the answering attempt ended (see core/metrics/aggregate RequestOutcome). */
export type AttemptOutcome = RequestOutcome

/** What the gateway observed for one client request; measurement consumes it later. */
export interface ForwardRecord {
  model: string
  epoch: number
  version: string
  arm: Arm
  status: number
  /**
   * How the answering attempt ended: gateway-made 504/502 are 'timeout'/'unreachable'; an upstream answer is
   * 'response' when its body ended (or the client cancelled it), 'stream_error'/'stream_stalled' when it broke off.
   */
  outcome: AttemptOutcome
  /** Time to first byte: from the upstream call to its response head (the server-timing value). */
  latencyMs: number
  /** From the upstream call to the body's end (last byte, error, stall, or the client's cancel); null: no head. */
  durationMs: number | null
  requestId: string
  startedAt: number
  /** Set when a non-champion attempt failed and the champion answered instead. */
  fallback: { from: string; fromArm: Arm; reason: string } | null
  /** The decision that chose the first attempt (for shadow copies and attribution). */
  decision: RouteDecision
  snapshot: RoutingSnapshot
  responseValues?: ResponseValues | undefined
  /** The unit's pre-exposure covariate, also in the id (core/metrics/covariate); absent: none declared. */
  covariate?: number | undefined
}

export interface ForwardDeps {
  settings: Settings
  cache: SnapshotCache
  service: ServiceLookup
  egress: EgressLookup
  defer: (p: Promise<unknown>) => void
  random: () => number
  now: () => number
  /**
   * Mints the id a client sees (plain or signed, see measurement), once per request. It names the version and arm
   * the request was assigned to, also after a fallback: outcomes count where the exposure does (intent to treat).
   */
  mintRequestId: (info: SignedClaims) => string | Promise<string>
  /** Called once per request when the answer's body has ended (gateway-made: at once), in `defer`, as is its result. */
  onComplete?: (record: ForwardRecord) => Promise<unknown> | null | void
  /** Starts a shadow copy in the background; absent → shadowing off. */
  shadow?: (copy: ShadowCopy) => void
}

/** Without a measurement, a body is still watched (the client's stream ends on a stall or reset). */
const ignoreEnd = (): void => undefined

/** Everything a shadow copy needs, handed over after the client's response head is ready. */
export interface ShadowCopy {
  snapshot: RoutingSnapshot
  requestId: string
  at: number
  method: string
  /** The client's headers (see headerRecord). */
  headers: HeaderRecord
  path: string
  search: string
  hops: number
  /** Tee branch of the request body, or null; null championBody means the champion failed. */
  requestBody: ReadableStream<Uint8Array> | null
  championBody: ReadableStream<Uint8Array> | null
  championStatus: number
}

interface ForwardInput {
  request: Request
  model: string
  /** Path after /v1/models/<model>, percent-encoded as received, starting with '/' or empty. */
  path: string
  search: string
  /** Mints the id used for errors that happen before a version is chosen. */
  provisionalId: () => string
}

export async function forward(input: ForwardInput, deps: ForwardDeps): Promise<Response> {
  const { request, model } = input
  // Every read of a runtime object is a call into the runtime: the headers are read in one pass.
  const reqHeaders = headerRecord(request.headers)
  const early = (err: DomainError, headers: Record<string, string> = {}) =>
    dataPlaneProblem(err, input.provisionalId(), headers, new URL(request.url).pathname)

  const admitted = admit(reqHeaders, deps.settings)
  if (admitted instanceof DomainError) return early(admitted)
  const { hops, length } = admitted

  // A fresh cached snapshot is taken without a promise; otherwise wait for KV (once per TTL).
  let snapshot: RoutingSnapshot | null | undefined = deps.cache.peek(model)
  if (snapshot === undefined) {
    try {
      snapshot = await deps.cache.get(model, deps.defer)
    } catch (err) {
      if (err instanceof DomainError) return early(err)
      throw err
    }
  }
  if (snapshot === null) return early(new DomainError('model_not_found', `model ${model} is not registered`))
  const epochHeader = { 'x-routing-epoch': String(snapshot.epoch) }
  const unitKey = reqHeaders[snapshot.unit_header.toLowerCase()]
  // request.cf is read once, and only if a rule asks for the location (undefined off Cloudflare's edge).
  let location: Record<string, unknown> | undefined
  const decision = selectRoute(snapshot, {
    header: (h) => reqHeaders[h.toLowerCase()] ?? null,
    cf: (field) => {
      const value = (location ??= (request.cf ?? {}) as Record<string, unknown>)[field]
      return typeof value === 'string' && value !== '' ? value : null
    },
    unitKey: unitKey === undefined || unitKey === '' ? null : unitKey,
    random: deps.random,
  })
  if (decision === null) return early(new DomainError('no_champion', `model ${model} has no champion yet`), epochHeader)
  const chosen: RouteDecision = decision
  const champion = (snapshot.routing as NonNullable<RoutingSnapshot['routing']>).champion

  // Body: kept twice only where a fallback could need to send it again.
  const method = request.method.toUpperCase()
  const requestBody = request.body as ReadableStream<Uint8Array> | null
  const bodyless = method === 'GET' || method === 'HEAD' || requestBody === null
  const mayFallBack = decision.version !== champion && snapshot.fallback_to_champion
  // Shadow copies pair with the champion's answer, so only champion-routed requests are sampled.
  const shadowTarget = (snapshot.routing as NonNullable<RoutingSnapshot['routing']>).shadow
  const shadowing =
    deps.shadow !== undefined &&
    shadowTarget !== null &&
    decision.version === champion &&
    deps.random() < shadowTarget.sample_rate
  let source = bodyless ? null : requestBody
  let shadowBody: ReadableStream<Uint8Array> | null = null
  if (shadowing && source !== null) [source, shadowBody] = source.tee()
  const planned = planBody(source, source === requestBody, length, mayFallBack, deps.settings)
  const plan = planned instanceof Promise ? await planned : planned
  let body = plan.body

  const startedAt = deps.now()
  const claims: SignedClaims = {
    model,
    version: decision.version,
    arm: decision.arm,
    cohort: decision.cohortRule !== null,
    epoch: snapshot.epoch,
    at: startedAt,
    shards: snapshot.metric_shards,
    covariate: covariateOf(snapshot.metrics, reqHeaders),
  }
  const minted = deps.mintRequestId(claims)
  const requestId = typeof minted === 'string' ? minted : await minted
  const first = await attempt(decision.version, decision.arm)
  if (first.kind === 'too_large') {
    await shadowBody?.cancel().catch(() => undefined)
    return early(
      new DomainError('payload_too_large', `body exceeds the limit of ${deps.settings.maxBodyBytes} bytes`),
      epochHeader,
    )
  }
  const failed = first.kind !== 'response' || first.response.status >= 500
  if (failed && mayFallBack && plan.replayable) {
    if (first.kind === 'response') await first.response.body?.cancel().catch(() => undefined)
    const reason = first.kind === 'response' ? `status ${first.response.status}` : first.kind
    if (plan.replay !== null) body = plan.replay
    const second = await attempt(champion, 'champion')
    if (second.kind === 'too_large') return early(new DomainError('payload_too_large', 'body too large'), epochHeader)
    return respond(second, { from: decision.version, fromArm: decision.arm, reason })
  }
  // The unused copy is released now rather than held until the request ends.
  if (plan.replay !== null) deps.defer(plan.replay.cancel().catch(() => undefined))
  return respond(first, null)

  type Attempt =
    | { kind: 'response'; response: Response; version: string; arm: Arm; requestId: string; idleMs: number }
    | { kind: 'timeout' | 'unreachable'; version: string; arm: Arm; requestId: string; message: string }
    | { kind: 'too_large' }

  async function attempt(version: string, arm: Arm): Promise<Attempt> {
    const backend = snapshot!.versions[version] as Backend | undefined
    if (backend === undefined) {
      const message = `version ${version} has no backend in epoch ${snapshot!.epoch}`
      console.error(`[${requestId}] ${model}/${version} unreachable: ${message}`)
      return { kind: 'unreachable', version, arm, requestId, message }
    }
    const headers = upstreamRequestHeaders(reqHeaders, {
      'x-request-id': requestId,
      [HOPS_HEADER]: String(hops + 1),
      'x-modelgate-model': model,
      'x-modelgate-version': version,
    })
    // The head timer starts once the body has been sent (a slow upload is not the backend's).
    const upload = sendable(body, length)
    const init: RequestInit = { method, headers, body: upload.body, redirect: 'manual' }
    const head = await headWithin(
      sendUpstream(backend, input.path, input.search, init, deps.service, deps.egress),
      backend.timeout_ms,
      upload.sent,
    )
    if (plan.tooLarge.hit) {
      // Some backends answer a truncated body; the client still sent too much.
      if (head.kind === 'response') await head.response.body?.cancel().catch(() => undefined)
      return { kind: 'too_large' }
    }
    if (head.kind === 'unreachable') {
      // Host names and connect errors describe the inside of the network: logs only, never the client.
      const target = 'url' in backend ? new URL(backend.url).origin : `service ${backend.service}`
      console.error(`[${requestId}] ${model}/${version} unreachable at ${target}: ${head.message}`)
    }
    if (head.kind !== 'response') return { ...head, version, arm, requestId }
    // Backends stored before the idle timeout existed lack it.
    const idleMs = backend.stream_idle_timeout_ms ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS
    return { ...head, version, arm, requestId, idleMs }
  }

  function respond(a: Exclude<Attempt, { kind: 'too_large' }>, fallback: ForwardRecord['fallback']): Response {
    const latencyMs = deps.now() - startedAt
    const gatewayHeaders: Record<string, string> = {
      'x-request-id': a.requestId,
      'x-model-version': a.version,
      'x-routing-epoch': String(snapshot!.epoch),
      'x-model-arm': a.arm,
    }
    if (fallback) gatewayHeaders['x-model-fallback'] = `from=${fallback.from}; reason="${fallback.reason}"`
    // The exact latency the gateway recorded for this answer (time to the upstream's response head).
    if (a.kind === 'response') gatewayHeaders['server-timing'] = `upstream;dur=${latencyMs}`
    let response: Response
    let championBody: ReadableStream<Uint8Array> | null = null
    const record: ForwardRecord = {
      model,
      epoch: snapshot!.epoch,
      version: a.version,
      arm: a.arm,
      status: 0,
      outcome: a.kind,
      latencyMs,
      durationMs: a.kind === 'response' ? latencyMs : null,
      requestId: a.requestId,
      startedAt,
      fallback,
      decision: chosen,
      snapshot: snapshot!,
      covariate: claims.covariate,
    }
    let watched = false
    if (a.kind === 'response') {
      let clientBody = a.response.body
      // The shadow copy reads its own branch: a champion answer that breaks off or stalls leaves
      // that branch broken or waiting (the copy is then skipped), not cut short as the client's is.
      if (shadowing && clientBody !== null) [clientBody, championBody] = clientBody.tee()
      if (clientBody !== null) {
        watched = true
        if (deps.onComplete === undefined) {
          clientBody = watchBody(clientBody, a.idleMs, deps.now, ignoreEnd)
        } else {
          let ended!: (end: BodyEnd) => void
          const end = new Promise<BodyEnd>((resolve) => (ended = resolve))
          const capture = captureFor(snapshot!.metrics, a.response.headers, deps.settings.shadowCaptureBytes)
          clientBody = watchBody(clientBody, a.idleMs, deps.now, ended, capture?.push)
          // Held by waitUntil until the body has ended, so a cancelled body is still measured.
          deps.defer(end.then((how) => complete(record, how, capture)))
        }
      }
      response = downstreamResponse(a.response, clientBody, gatewayHeaders)
    } else {
      const code = a.kind === 'timeout' ? 'upstream_timeout' : 'upstream_unreachable'
      const why = a.kind === 'timeout' ? a.message : 'could not be reached (the request id finds the cause in the logs)'
      response = dataPlaneProblem(
        new DomainError(code, `${model}/${a.version}: ${why}`),
        a.requestId,
        gatewayHeaders,
        new URL(request.url).pathname,
      )
    }
    if (shadowing) {
      deps.shadow?.({
        snapshot: snapshot!,
        requestId: a.requestId,
        at: startedAt,
        method,
        headers: reqHeaders,
        path: input.path,
        search: input.search,
        hops,
        requestBody: shadowBody,
        championBody,
        championStatus: a.kind === 'response' ? a.response.status : 0,
      })
    }
    record.status = response.status
    if (!watched) {
      const flushed = deps.onComplete?.(record)
      if (flushed) deps.defer(flushed)
    }
    return response
  }

  /** The record of an answer whose body has ended, handed to `onComplete`. */
  function complete(record: ForwardRecord, how: BodyEnd, capture: ResponseCapture | undefined): unknown {
    record.durationMs = deps.now() - startedAt
    record.responseValues = capture?.values(how)
    if (how === 'error') record.outcome = 'stream_error'
    else if (how === 'stalled') record.outcome = 'stream_stalled'
    return deps.onComplete?.(record)
  }
}
