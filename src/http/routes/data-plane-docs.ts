/**
 * @module http/routes/data-plane-docs
 * OpenAPI entries for the data plane, which the Worker entry serves ahead of the Hono app (see
 * index.ts) and therefore registers no Hono route to generate them from.
 */
import type { OpenAPIHono } from '@hono/zod-openapi'
import { z } from 'zod'
import type { AppEnv } from '../context'
import { problems } from '../openapi'

const answerHeaders = {
  'x-request-id': {
    description: 'Signed id of this answer; send it with business outcomes (POST /v1/outcomes)',
    schema: { type: 'string' as const },
  },
  'x-model-version': { description: 'The version that answered', schema: { type: 'string' as const } },
  'x-model-arm': { description: 'champion, challenger or cohort', schema: { type: 'string' as const } },
  'x-routing-epoch': { description: 'Epoch of the routing snapshot used', schema: { type: 'string' as const } },
  'x-model-fallback': {
    description: 'Present when a non-champion attempt failed and the champion answered: from=<version>; reason="…"',
    schema: { type: 'string' as const },
  },
  'server-timing': {
    description: 'upstream;dur=<ms>: the latency the gateway recorded',
    schema: { type: 'string' as const },
  },
  // On problems too (data-plane/headers ANSWER_HEADERS); README "Data plane" says why.
  'content-security-policy': {
    description:
      "Ends with the policy `sandbox` on every data-plane answer (after the upstream's own, if any): a page a model returns renders in an opaque origin without scripts",
    schema: { type: 'string' as const },
  },
  'x-content-type-options': { description: 'nosniff, on every data-plane answer', schema: { type: 'string' as const } },
}

/** One operationId per method of the inference path, stable for generated clients (http/openapi). */
const INFER_OPERATION_IDS = {
  get: 'inferGet',
  post: 'infer',
  put: 'inferPut',
  patch: 'inferPatch',
  delete: 'inferDelete',
} as const

export function documentDataPlane(app: OpenAPIHono<AppEnv>): void {
  for (const method of Object.keys(INFER_OPERATION_IDS) as (keyof typeof INFER_OPERATION_IDS)[]) {
    app.openAPIRegistry.registerPath({
      method,
      path: '/v1/models/{model}/{path}',
      operationId: INFER_OPERATION_IDS[method],
      tags: ['data plane'],
      summary: `${method.toUpperCase()} an inference request: routed to one version of the model, answer streamed back`,
      description:
        "The body and query string are forwarded as they are (hop-by-hop headers and x-modelgate-key removed). Selection is sticky on the model's unit header (default x-unit-id). The upstream status and body are passed through.",
      security: [{}, { gatewayKey: [] }],
      request: {
        params: z.object({
          model: z.string().meta({ example: 'credit-risk' }),
          path: z.string().meta({ example: 'predict' }),
        }),
        headers: z.object({
          'x-unit-id': z.string().optional().meta({ description: "Randomization unit (the model's unit_header)" }),
        }),
      },
      responses: {
        200: {
          description: 'The answer of the chosen version (any upstream status is passed through)',
          headers: answerHeaders,
        },
        ...problems(401, 404, 413, 502, 503, 504, 508),
      },
    })
  }
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    tags: ['data plane'],
    summary: 'Liveness of the Worker',
    security: [],
    responses: {
      200: { description: 'OK', content: { 'application/json': { schema: z.object({ ok: z.literal(true) }) } } },
      // The check itself refuses nothing; a client generated from the document still learns the
      // shape of the gateway's client errors (every path it does not serve answers 404 this way).
      '4XX': {
        ...problems(404)[404],
        description: 'Not sent by the health check: the problem+json every client error of the gateway has',
      },
    },
  })
}
