/**
 * @module data-plane/handler
 * `ANY /v1/models/{model}/{path...}`: the data plane, read top to bottom:
 * 1. this handler splits the path and takes what the isolate shares (compose `isolateOf`);
 * 2. `forward` routes by the cached snapshot and streams the chosen version's answer back;
 * 3. when the answer's head is ready, a shadow copy (if sampled) goes to `runShadow`; when its
 *    body has ended (done, broken off, stalled or cancelled by the client), its measurement goes to
 *    the recorder; both through `waitUntil`: nothing after routing is awaited before the upstream
 *    fetch.
 * The Worker entry calls it directly, ahead of the admin app's router and middleware.
 */
import { isolateOf, type IsolateScope } from '../compose'
import { DomainError, toDomainError } from '../core/errors'
import { newId } from '../core/ids'
import type { MeasuredArm, RequestMeasurement } from '../core/metrics/aggregate'
import { forward, type ForwardRecord, type ShadowCopy } from './forward'
import { dataPlaneProblem } from './headers'
import { runShadow } from './shadow'

export const INFERENCE_PREFIX = '/v1/models/'

const provisionalId = () => newId('req')

/** The data plane; never throws (a domain error becomes its problem; anything else a 500 problem, logged). */
export async function handleInference(request: Request, env: Env, ctx: ExecutionContext, url: URL): Promise<Response> {
  try {
    return await inference(request, isolateOf(env), ctx, url)
  } catch (err) {
    const id = newId('req')
    if (!(err instanceof DomainError)) console.error(`[${id}] ${request.method} ${url.pathname}:`, err)
    return dataPlaneProblem(toDomainError(err), id, {}, url.pathname)
  }
}

async function inference(request: Request, scope: IsolateScope, ctx: ExecutionContext, url: URL): Promise<Response> {
  // Split the raw (still percent-encoded) path so the backend sees exactly what the client sent.
  const rest = url.pathname.slice(INFERENCE_PREFIX.length)
  const slash = rest.indexOf('/')
  const segment = slash === -1 ? rest : rest.slice(0, slash)
  let model: string
  try {
    model = decodeURIComponent(segment)
  } catch {
    const err = new DomainError(
      'model_not_found',
      `model path segment ${JSON.stringify(segment)} is not valid percent-encoding`,
    )
    return dataPlaneProblem(err, newId('req'), {}, url.pathname)
  }
  const path = slash === -1 ? '' : rest.slice(slash)
  const input = { request, model, path, search: url.search, provisionalId }
  const deps = {
    settings: scope.settings,
    cache: scope.snapshots,
    service: scope.service,
    egress: scope.egress,
    random: Math.random,
    now: Date.now,
    mintRequestId: scope.mintRequestId,
    defer: (p: Promise<unknown>) => ctx.waitUntil(p),
  }
  const recorder = scope.recorder
  if (recorder === null) return forward(input, deps)

  const settings = scope.settings
  const shadow = (copy: ShadowCopy) => {
    const target = copy.snapshot.routing?.shadow
    const backend = target ? copy.snapshot.versions[target.version] : undefined
    if (!target || !backend) return
    const shadowInput = {
      ...copy,
      epoch: copy.snapshot.epoch,
      model,
      version: target.version,
      backend,
      compare: copy.snapshot.shadow_compare,
    }
    const shadowDeps = {
      timeoutMs: settings.shadowTimeoutMs,
      slots: scope.shadowSlots,
      captureBytes: settings.shadowCaptureBytes,
      maxRequestBytes: settings.replayBodyBytes,
      now: () => Date.now(),
      service: scope.service,
      egress: scope.egress,
    }
    ctx.waitUntil(
      runShadow(shadowInput, shadowDeps)
        .then((m) => recorder.add(model, copy.snapshot.metric_shards, m))
        .catch(counted),
    )
  }
  // Only the request that opened the batch waits for it (see data-plane/recorder): forward hands
  // the promise it returns to waitUntil.
  const onComplete = (r: ForwardRecord) =>
    recorder.add(model, r.snapshot.metric_shards, toMeasurement(r))?.catch(counted) ?? null
  return forward(input, { ...deps, onComplete, shadow })
}

/** A batch dropped after its retries was logged and counted by the recorder (see data-plane/recorder). */
const counted = (): void => undefined

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
    durationMs: r.durationMs,
    fallback: r.fallback ? { version: r.fallback.from, arm: r.fallback.fromArm } : null,
    values: r.responseValues,
    covariate: r.covariate,
    // Whole units are assigned under sticky routing: the SRM look is then skipped (core/gates/srm-look).
    ...(r.decision.sticky ? { sticky: true } : {}),
  }
}
