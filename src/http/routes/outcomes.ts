/**
 * @module http/routes/outcomes
 * `POST /v1/outcomes`: delayed business outcomes, one or a batch of up to 1,000, attributed to
 * the arm that served the request through its signed request id. The caller is an outcome
 * reporter, authenticated by the app before the body is read (http/middleware/auth).
 */
import { createRoute } from '@hono/zod-openapi'
import { z } from 'zod'
import { REJECT_REASONS } from '../../services/measurement'
import { jsonBody, jsonResponse, newRouter, problems } from '../openapi'

export const MAX_OUTCOMES = 1_000

const Outcome = z
  .strictObject({
    request_id: z.string().min(1).max(300).meta({ description: 'x-request-id of the answer being scored' }),
    value: z
      .union([z.number(), z.string().max(100), z.boolean()])
      .meta({ description: 'A number, or a label (proportion metrics count positive_labels as 1)' }),
    metric: z.string().max(41).optional().meta({ description: "Metric name; default: the model's first metric" }),
  })
  .meta({ id: 'Outcome' })

const OutcomeBody = z
  .union([Outcome, z.strictObject({ outcomes: z.array(Outcome).min(1).max(MAX_OUTCOMES) })])
  .meta({ id: 'OutcomeBatch', description: 'One outcome, or { outcomes: [...] } with up to 1,000' })

const OutcomeReport = z
  .object({
    accepted: z.number().int(),
    duplicates: z.number().int(),
    conflicts: z.number().int().meta({ description: 'Already counted with a different value: the first one stays' }),
    rejected: z.number().int(),
    results: z.array(
      z.object({
        request_id: z.string(),
        status: z.enum(['accepted', 'duplicate', 'conflict', 'rejected']),
        metric: z.string().optional(),
        reason: z.enum(REJECT_REASONS).optional(),
        detail: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'OutcomeReport' })

const postOutcomes = createRoute({
  method: 'post',
  path: '/outcomes',
  operationId: 'reportOutcomes',
  tags: ['data plane'],
  security: [{ reporterToken: [] }],
  summary: 'Report business outcomes for earlier answers',
  description:
    'Needs a reporter token (REPORTER_TOKENS, or MODEL_REPORTER_TOKENS for one model) as `Authorization: Bearer <token>`, checked before the body is read: a data-plane key or a request id alone is answered 401; no reporter token configured, 503 `not_configured`; an example token outside development, 503 `insecure_configuration`. Each item is accepted, a duplicate (already counted with the same value, idempotent), a conflict (already counted with a different value: the first stays and the contradiction is counted) or rejected with a reason; an item whose request id belongs to a model a per-model token does not cover is rejected as `not_authorized`. The call itself succeeds unless the body is malformed.',
  request: { body: jsonBody(OutcomeBody) },
  responses: {
    200: jsonResponse(OutcomeReport, 'Per-item results'),
    ...problems(400, 401, 413, 415, 503),
    401: { ...problems(401)[401], description: 'No reporter token, or not a valid one' },
    503: {
      ...problems(503)[503],
      description:
        'No reporter token configured (`not_configured`), an example one outside development (`insecure_configuration`), or storage unavailable',
    },
  },
})

export const outcomeRoutes = newRouter()

outcomeRoutes.openapi(postOutcomes, async (c) => {
  const body = c.req.valid('json')
  const items = 'outcomes' in body ? body.outcomes : [body]
  const results = await c.var.services.measurement.ingestOutcomes(
    items,
    Date.now(),
    (p) => c.executionCtx.waitUntil(p),
    c.get('reporter'),
  )
  const count = (s: string) => results.filter((r) => r.status === s).length
  return c.json(
    {
      accepted: count('accepted'),
      duplicates: count('duplicate'),
      conflicts: count('conflict'),
      rejected: count('rejected'),
      results,
    },
    200,
  )
})
