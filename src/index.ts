/**
 * @module index
 * Worker entry: HTTP (data plane + admin API), cron, and the Durable Object classes.
 */
import { buildServices } from './compose'
import { INFERENCE_PREFIX, handleInference } from './data-plane/handler'
import { buildApp } from './http/app'

export { MetricsShard } from './durable-objects/metrics-shard'
export { ModelCoordinator } from './durable-objects/model-coordinator'

const app = buildApp()

export default {
  fetch: (request, env, ctx) => {
    const url = new URL(request.url)
    // The data plane before the admin app's router and middleware: every microsecond here is paid
    // on every inference request.
    if (url.pathname.startsWith(INFERENCE_PREFIX)) return handleInference(request, env, ctx, url)
    return app.fetch(request, env, ctx)
  },
  scheduled: (controller, env, ctx) => {
    ctx.waitUntil(buildServices(env).scheduled(controller.scheduledTime))
  },
} satisfies ExportedHandler<Env>
