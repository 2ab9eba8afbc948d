/**
 * @module index
 * Worker entry: HTTP (data plane + admin API), cron, and the Durable Object classes.
 */
import { buildApp } from './http/app'
import { INFERENCE_PREFIX, handleInference } from './http/routes/gateway/inference'
import { runScheduled } from './cron/scheduled'
import type { Env } from './env'

export { ModelCoordinator } from './adapters/do/model-coordinator'
export { MetricsShard } from './adapters/do/metrics-shard'

const app = buildApp()

export default {
  fetch: (request, env, ctx) => {
    const url = new URL(request.url)
    if (url.pathname.startsWith(INFERENCE_PREFIX)) return handleInference(request, env, ctx, url)
    return app.fetch(request, env, ctx)
  },
  scheduled: (controller, env, ctx) => {
    ctx.waitUntil(runScheduled(env, controller.scheduledTime))
  },
} satisfies ExportedHandler<Env>
