/**
 * @module data-plane/upstream
 * Calling a model version's backend: an HTTP base URL (the request path is appended) or a Workers
 * service binding, and waiting for its response head at most the version's timeout, counted from
 * when the request body has been sent.
 */
import type { EgressDecision } from '../core/egress/policy'
import type { Backend } from '../schemas/model'

/** Resolves a Workers service binding by name (undefined when not bound). */
export type ServiceLookup = (name: string) => Fetcher | undefined

/** The egress policy with EGRESS_ALLOW (compose `isolateOf`: remembered per URL, so cheap per request). */
export type EgressLookup = (url: string) => EgressDecision

/**
 * Starts the call. Rejects when the backend is a service binding this Worker does not have, or a
 * URL the egress policy refuses: a backend stored before the policy, or before EGRESS_ALLOW was
 * narrowed, is not called (the registry refuses such URLs as they enter).
 * @param path the path after /v1/models/<model>, as received (percent-encoded), or ''
 */
export function sendUpstream(
  backend: Backend,
  path: string,
  search: string,
  init: RequestInit,
  service: ServiceLookup,
  egress: EgressLookup,
): Promise<Response> {
  if ('url' in backend) {
    const d = egress(backend.url)
    if (!d.ok) return Promise.reject(new Error(`refused by the egress policy: ${d.reason}`))
    return fetch(`${backend.url}${path}${search}`, init)
  }
  const svc = service(backend.service)
  if (!svc) return Promise.reject(new Error(`service binding ${backend.service} is not bound to this Worker`))
  return svc.fetch(`http://${backend.service.toLowerCase()}${path || '/'}${search}`, init)
}

/** What the head timer resolves with when it wins the race. */
const TIMED_OUT = Symbol('timed out')

export type HeadResult = { kind: 'response'; response: Response } | { kind: 'timeout' | 'unreachable'; message: string }

/**
 * The response head within `timeoutMs` of the request body having been sent (`sent`, see
 * request-body `sendable`; null: at once), so that a slow client upload does not eat the backend's
 * timeout. The timer races the head only and is cleared once it is in, so a body that streams for
 * longer is never cut (see response-body for its idle timeout). A race rather than an abort signal,
 * which would stay attached to the response body for its whole life: one runtime object less per
 * request. A call that loses the race is left to the runtime, which cancels it when the request
 * ends; its late body is cancelled if it still comes.
 */
export async function headWithin(
  pending: Promise<Response>,
  timeoutMs: number,
  sent: Promise<void> | null = null,
): Promise<HeadResult> {
  let timer: ReturnType<typeof setTimeout> | undefined
  let over = false
  const expired = new Promise<typeof TIMED_OUT>((resolve) => {
    if (sent === null) timer = setTimeout(resolve, timeoutMs, TIMED_OUT)
    else
      void sent.then(() => {
        if (!over) timer = setTimeout(resolve, timeoutMs, TIMED_OUT)
      })
  })
  try {
    const response = await Promise.race([pending, expired])
    if (response !== TIMED_OUT) return { kind: 'response', response }
    pending
      .then(
        (late) => late.body?.cancel(),
        () => undefined,
      )
      .catch(() => undefined)
    return { kind: 'timeout', message: `no response headers within ${timeoutMs} ms after the request was sent` }
  } catch (err) {
    return { kind: 'unreachable', message: (err as Error).message || 'connection failed' }
  } finally {
    over = true
    if (timer !== undefined) clearTimeout(timer)
  }
}
