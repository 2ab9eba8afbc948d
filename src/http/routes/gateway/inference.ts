/**
 * @module http/routes/gateway/inference
 * `ANY /v1/models/{model}/{path...}`: the data plane. Thin glue around `gateway/forward`: it signs
 * request ids, and hands measurements and shadow copies to `waitUntil` — nothing after routing is
 * awaited before the upstream fetch. The Worker entry calls it directly, ahead of the admin app's
 * router and middleware, because every microsecond here is paid on every inference request.
 */
import { DomainError } from '../../../core/errors'
import { problemResponse } from '../../problem'
import { readySigningKey, signRequestId, signRequestIdWith } from '../../../core/attribution/request-token'
import { newId } from '../../../core/ids'
import type { MeasuredArm, RequestMeasurement } from '../../../core/metrics/aggregate'
import { requestIdSecret, settingsOf, type Env, type Settings } from '../../../env'
import { forward, type ForwardDeps, type ForwardRecord, type ShadowCopy } from '../../../gateway/forward'
import { snapshotCacheFor } from '../../../gateway/isolate-cache'
import { recorderFor } from '../../../measure/isolate-recorder'
import type { MeasurementRecorder } from '../../../measure/recorder'
import { runShadow } from '../../../measure/shadow'
export const INFERENCE_PREFIX = '/v1/models/'
const PREFIX = INFERENCE_PREFIX

function serviceLookup(env: Env) {
  return (name: string): Fetcher | undefined => {
    const b = (env as unknown as Record<string, unknown>)[name]
    return b && typeof (b as Fetcher).fetch === 'function' ? (b as Fetcher) : undefined
  }
}

function toMeasurement(r: ForwardRecord): RequestMeasurement {
  return {
    type: 'request',
    requestId: r.requestId,
    at: r.startedAt,
    epoch: r.epoch,
    version: r.version,
    arm: r.arm as MeasuredArm,
    segment: r.decision.cohortRule !== null ? 'cohort' : '',
    status: r.status,
    outcome: r.outcome,
    latencyMs: r.latencyMs,
    fallback: r.fallback ? { version: r.fallback.from, arm: r.fallback.fromArm } : null,
  }
}

/** The data plane; never throws (a domain error becomes its problem; anything else a 500 problem, logged). */
export async function handleInference(request: Request, env: Env, ctx: ExecutionContext, url: URL): Promise<Response> {
  try {
    return await inference(request, env, ctx, url)
  } catch (err) {
    const id = newId('req')
    if (err instanceof DomainError) return problemResponse(err, id, {}, url.pathname)
    console.error(`[${id}] ${request.method} ${url.pathname}:`, err)
    return problemResponse(
      new DomainError('internal', 'unexpected error; the request id identifies it in the logs'),
      id,
      {},
      url.pathname,
    )
  }
}

/** What every request of one env shares: built once per env object, not per request. */
interface EnvParts {
  settings: Settings
  recorder: MeasurementRecorder | null
  deps: Omit<ForwardDeps, 'cache' | 'defer' | 'onComplete' | 'shadow'>
}

const partsByEnv = new WeakMap<Env, EnvParts>()

function partsOf(env: Env): EnvParts {
  const hit = partsByEnv.get(env)
  if (hit) return hit
  const settings = settingsOf(env)
  const secret = requestIdSecret(env)
  const parts: EnvParts = {
    settings,
    recorder: settings.recording ? recorderFor(settings) : null,
    deps: {
      settings,
      service: serviceLookup(env),
      random: Math.random,
      now: Date.now,
      mintRequestId: (info) => {
        if (secret === null) return newId('req')
        // Synchronous once this isolate has derived the key (every request but the first).
        const key = readySigningKey(secret)
        return key === null ? signRequestId(secret, info) : signRequestIdWith(key, info)
      },
    },
  }
  partsByEnv.set(env, parts)
  return parts
}

async function inference(request: Request, env: Env, ctx: ExecutionContext, url: URL): Promise<Response> {
  // Split the raw (still percent-encoded) path so the backend sees exactly what the client sent.
  const rest = url.pathname.slice(PREFIX.length)
  const slash = rest.indexOf('/')
  const segment = slash === -1 ? rest : rest.slice(0, slash)
  let model: string
  try {
    model = decodeURIComponent(segment)
  } catch {
    return problemResponse(
      new DomainError('model_not_found', `model path segment ${JSON.stringify(segment)} is not valid percent-encoding`),
      newId('req'),
      {},
      url.pathname,
    )
  }
  const path = slash === -1 ? '' : rest.slice(slash)
  const { settings, recorder, deps } = partsOf(env)
  // The isolate's snapshot cache is looked up per request: the admin path replaces it on a new KV binding.
  const cache = snapshotCacheFor(env)
  const defer = (p: Promise<unknown>) => ctx.waitUntil(p)
  if (recorder === null)
    return forward({ request, model, path, search: url.search, provisionalId }, { ...deps, cache, defer })

  const shadow = (copy: ShadowCopy) => {
    const routing = copy.snapshot.routing
    const target = routing?.shadow
    const backend = target ? copy.snapshot.versions[target.version] : undefined
    if (!target || !backend) return
    ctx.waitUntil(
      runShadow(
        {
          ...copy,
          epoch: copy.snapshot.epoch,
          model,
          version: target.version,
          backend,
          compare: copy.snapshot.shadow_compare,
        },
        {
          timeoutMs: settings.shadowTimeoutMs,
          maxInflight: settings.shadowMaxInflight,
          captureBytes: settings.shadowCaptureBytes,
          maxRequestBytes: settings.replayBodyBytes,
          now: () => Date.now(),
          service: deps.service,
        },
      ).then((m) => recorder.add(env, model, copy.snapshot.metric_shards, m)),
    )
  }
  const onComplete = (r: ForwardRecord) => {
    // Only the request that opened the batch waits for it (see measure/recorder).
    const flushed = recorder.add(env, model, r.snapshot.metric_shards, toMeasurement(r))
    if (flushed) ctx.waitUntil(flushed)
  }
  return forward(
    { request, model, path, search: url.search, provisionalId },
    { ...deps, cache, defer, onComplete, shadow },
  )
}

const provisionalId = () => newId('req')
