/**
 * @module http/routes/gateway/inference
 * `ANY /v1/models/{model}/{path...}`: the data plane. Thin glue around `gateway/forward`.
 */
import type { Context } from 'hono'
import { settingsOf } from '../../../env'
import { forward } from '../../../gateway/forward'
import { snapshotCacheFor } from '../../../gateway/isolate-cache'
import type { AppEnv } from '../../context'

const PREFIX = '/v1/models/'

export async function inference(c: Context<AppEnv>): Promise<Response> {
  const url = new URL(c.req.url)
  // Split the raw (still percent-encoded) path so the backend sees exactly what the client sent.
  const rest = url.pathname.slice(PREFIX.length)
  const slash = rest.indexOf('/')
  const model = decodeURIComponent(slash === -1 ? rest : rest.slice(0, slash))
  const path = slash === -1 ? '' : rest.slice(slash)
  const ctx = c.executionCtx
  const env = c.env
  return forward(
    { request: c.req.raw, model, path, search: url.search, provisionalId: c.get('requestId') },
    {
      settings: settingsOf(env),
      cache: snapshotCacheFor(env),
      service: (name) => {
        const b = (env as unknown as Record<string, unknown>)[name]
        return b && typeof (b as Fetcher).fetch === 'function' ? (b as Fetcher) : undefined
      },
      defer: (p) => ctx.waitUntil(p),
      random: Math.random,
      now: () => Date.now(),
      mintRequestId: async () => c.get('requestId'),
    }
  )
}
