/**
 * @module http/routes/outcomes
 * `POST /v1/outcomes`: delayed business outcomes, one or a batch of up to 1,000, attributed to
 * the arm that served the request through its signed request id.
 */
import { createRoute } from '@hono/zod-openapi'
import { z } from 'zod'
import { DomainError } from '../../core/errors'
import { GATEWAY_KEY_HEADER } from '../../core/protocol'
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
    rejected: z.number().int(),
    results: z.array(
      z.object({
        request_id: z.string(),
        status: z.enum(['accepted', 'duplicate', 'rejected']),
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
  tags: ['data plane'],
  security: [{}, { gatewayKey: [] }] as Array<Record<string, string[]>>,
  summary: 'Report business outcomes for earlier answers',
  description:
    'Each item is accepted, a duplicate (already counted, idempotent) or rejected with a reason. The call itself succeeds unless the body is malformed.',
  request: { body: jsonBody(OutcomeBody) },
  responses: { 200: jsonResponse(OutcomeReport, 'Per-item results'), ...problems(400, 401, 413, 415, 503) },
})

export const outcomeRoutes = newRouter()

outcomeRoutes.openapi(postOutcomes, async (c) => {
  const keys = c.var.services.settings.gatewayKeys
  if (keys.length > 0 && !keys.includes(c.req.header(GATEWAY_KEY_HEADER) ?? '')) {
    throw new DomainError('unauthorized', `send a valid ${GATEWAY_KEY_HEADER} header`)
  }
  const body = c.req.valid('json')
  const items = 'outcomes' in body ? body.outcomes : [body]
  const results = await c.var.services.measurement.ingestOutcomes(items, Date.now(), (p) => c.executionCtx.waitUntil(p))
  const count = (s: string) => results.filter((r) => r.status === s).length
  return c.json(
    { accepted: count('accepted'), duplicates: count('duplicate'), rejected: count('rejected'), results },
    200,
  )
})
