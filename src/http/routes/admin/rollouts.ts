/**
 * @module http/routes/admin/rollouts
 * Rollouts, their actions and verdicts; incidents with retrospectives; alert webhooks.
 */
import { createRoute } from '@hono/zod-openapi'
import { z } from 'zod'
import { openDb } from '../../../adapters/d1/registry-store'
import { listDeliveries, listIncidents, listRollouts, listVerdicts } from '../../../adapters/d1/rollout-store'
import { OPERATOR_ACTIONS } from '../../../core/rollout/io'
import { ModelName } from '../../../schemas/common'
import { IncidentView } from '../../../schemas/views'
import { EvaluationReport } from '../../../schemas/evaluation'
import {
  ApproveInput,
  OperatorActionInput,
  RetrospectiveInput,
  StartRolloutInput,
  WebhooksInput,
} from '../../../schemas/rollout'
import { coordinatorOf, getModelView } from '../../../services/registry'
import { getRollout, modelOfIncident, rolloutCommand, startRollout, unwrapIncident } from '../../../services/rollouts'
import { requireRole } from '../../middleware/auth'
import { jsonBody, jsonResponse, newRouter, problems } from '../../openapi'
import { DomainError } from '../../../core/errors'

const security = [{ bearer: [] }]
const RolloutId = z.object({ id: z.string().regex(/^ro_[0-9a-z]{26}$/, 'a rollout id (ro_…)') })
const IncidentId = z.object({ id: z.string().regex(/^inc_[0-9a-z]{26}$/, 'an incident id (inc_…)') })

export const RolloutViewSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    champion: z.string(),
    challenger: z.string(),
    strategies: z.array(z.string()),
    phase: z.string(),
    phase_description: z.string(),
    terminal: z.boolean(),
    step: z
      .object({
        index: z.number(),
        kind: z.string(),
        label: z.string(),
        started_at: z.string(),
        epoch: z.number().nullable(),
      })
      .nullable(),
    plan: z.array(z.object({ index: z.number(), kind: z.string(), label: z.string() })),
    pending_approval: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: 'Includes evidence_hash: pass it to /approve' }),
    allowed_actions: z.array(z.string()),
    verdicts: z
      .array(z.record(z.string(), z.unknown()))
      .meta({ description: 'Recent verdicts with per-metric numbers' }),
    events: z.array(z.record(z.string(), z.unknown())),
    incident_id: z.string().nullable(),
  })
  .catchall(z.unknown())
  .meta({ id: 'Rollout' })

const rolloutOk = {
  200: jsonResponse(RolloutViewSchema, 'The rollout after the action'),
  ...problems(400, 401, 403, 404, 409, 413, 415),
}

export const rolloutRoutes = newRouter()

rolloutRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/models/{model}/rollouts',
    tags: ['rollouts'],
    security,
    summary: 'Start a rollout (one active rollout per model)',
    request: { params: z.object({ model: ModelName }), body: jsonBody(StartRolloutInput) },
    responses: {
      201: jsonResponse(RolloutViewSchema, 'The new rollout'),
      ...problems(400, 401, 403, 404, 409, 413, 415, 503),
    },
  }),
  async (c) => c.json(await startRollout(c.env, c.req.valid('param').model, c.req.valid('json'), c.get('actor')), 201),
)

rolloutRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/models/{model}/rollouts',
    tags: ['rollouts'],
    security,
    summary: 'Rollouts of a model, newest first',
    request: { params: z.object({ model: ModelName }) },
    responses: {
      200: jsonResponse(z.object({ rollouts: z.array(z.record(z.string(), z.unknown())) }), 'Rollouts'),
      ...problems(400, 401, 404),
    },
  }),
  async (c) => {
    const { model } = c.req.valid('param')
    await getModelView(c.env, model)
    return c.json({ rollouts: await listRollouts(openDb(c.env.DB), model, 100) }, 200)
  },
)

rolloutRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/rollouts',
    tags: ['rollouts'],
    security,
    summary: 'Recent rollouts of every model',
    responses: {
      200: jsonResponse(z.object({ rollouts: z.array(z.record(z.string(), z.unknown())) }), 'Rollouts'),
      ...problems(401),
    },
  }),
  async (c) => c.json({ rollouts: await listRollouts(openDb(c.env.DB), undefined, 200) }, 200),
)

rolloutRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/rollouts/{id}',
    tags: ['rollouts'],
    security,
    summary: 'Phase, step, weights, every verdict with its numbers, approvals and events',
    request: { params: RolloutId },
    responses: { 200: jsonResponse(RolloutViewSchema, 'The rollout'), ...problems(400, 401, 404) },
  }),
  async (c) => c.json(await getRollout(c.env, c.req.valid('param').id), 200),
)

rolloutRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/rollouts/{id}/verdicts',
    tags: ['rollouts'],
    security,
    summary: 'The newest verdict rows of a rollout (D1 history), in time order',
    request: {
      params: RolloutId,
      query: z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(5_000) }),
    },
    responses: {
      200: jsonResponse(
        z.object({ verdicts: z.array(z.record(z.string(), z.unknown())) }).meta({ id: 'VerdictList' }),
        'Verdicts, oldest first',
      ),
      ...problems(400, 401, 404),
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    await getRollout(c.env, id)
    return c.json({ verdicts: await listVerdicts(openDb(c.env.DB), id, c.req.valid('query').limit) }, 200)
  },
)

for (const action of OPERATOR_ACTIONS.filter((a) => a !== 'rollback')) {
  rolloutRoutes.openapi(
    createRoute({
      method: 'post',
      path: `/rollouts/{id}/${action}`,
      tags: ['rollouts'],
      security,
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} a rollout (operator)`,
      middleware: [requireRole('operator')] as const,
      request: { params: RolloutId, body: { ...jsonBody(OperatorActionInput), required: false } },
      responses: rolloutOk,
    }),
    async (c) => {
      const body = OperatorActionInput.parse(c.req.valid('json') ?? {})
      return c.json(
        await rolloutCommand(c.env, c.req.valid('param').id, { type: action, reason: body.reason }, c.get('actor')),
        200,
      )
    },
  )
}

rolloutRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/rollouts/{id}/approve',
    tags: ['rollouts'],
    security,
    summary: 'Approve the pending step (approver token only); pins the evidence hash it saw',
    middleware: [requireRole('approver')] as const,
    request: { params: RolloutId, body: jsonBody(ApproveInput) },
    responses: rolloutOk,
  }),
  async (c) => {
    const b = c.req.valid('json')
    return c.json(
      await rolloutCommand(
        c.env,
        c.req.valid('param').id,
        { type: 'approve', evidenceHash: b.evidence_hash, step: b.step, comment: b.comment },
        c.get('actor'),
      ),
      200,
    )
  },
)

rolloutRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/rollouts/{id}/evaluation',
    tags: ['rollouts'],
    security,
    summary: "Submit the challenger's offline evaluation report (quality, fairness, p99 under load, slices)",
    middleware: [requireRole('operator')] as const,
    request: { params: RolloutId, body: jsonBody(EvaluationReport) },
    responses: rolloutOk,
  }),
  async (c) =>
    c.json(
      await rolloutCommand(
        c.env,
        c.req.valid('param').id,
        { type: 'evaluation', report: c.req.valid('json') },
        c.get('actor'),
      ),
      200,
    ),
)

rolloutRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/incidents',
    tags: ['incidents'],
    security,
    summary: 'Rollback incidents, newest first',
    request: { query: z.object({ model: z.string().optional() }) },
    responses: { 200: jsonResponse(z.object({ incidents: z.array(IncidentView) }), 'Incidents'), ...problems(401) },
  }),
  async (c) =>
    c.json(
      {
        incidents: (await listIncidents(
          openDb(c.env.DB),
          c.req.valid('query').model,
          200,
        )) as unknown as IncidentView[],
      },
      200,
    ),
)

rolloutRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/incidents/{id}',
    tags: ['incidents'],
    security,
    summary: 'One incident: trigger, impact, confirmation, retrospective',
    request: { params: IncidentId },
    responses: { 200: jsonResponse(IncidentView, 'The incident'), ...problems(400, 401, 404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    const row = await coordinatorOf(c.env, await modelOfIncident(c.env, id)).incidentById(id)
    if (!row) throw new DomainError('not_found', `incident ${id} not found`)
    return c.json(row as unknown as IncidentView, 200)
  },
)

rolloutRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/incidents/{id}/retrospective',
    tags: ['incidents'],
    security,
    summary: 'Record the retrospective: root cause and action items (open items block the next rollout)',
    middleware: [requireRole('operator')] as const,
    request: { params: IncidentId, body: jsonBody(RetrospectiveInput) },
    responses: { 200: jsonResponse(IncidentView, 'The incident'), ...problems(400, 401, 403, 404, 413, 415) },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    const out = await coordinatorOf(c.env, await modelOfIncident(c.env, id)).retrospective(
      id,
      c.req.valid('json'),
      c.get('actor'),
    )
    return c.json(unwrapIncident(out as object) as unknown as IncidentView, 200)
  },
)

rolloutRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/incidents/{id}/action-items/{index}/close',
    tags: ['incidents'],
    security,
    summary: 'Close one action item',
    middleware: [requireRole('operator')] as const,
    request: {
      params: IncidentId.extend({
        index: z
          .string()
          .regex(/^\d{1,4}$/, 'an action item index (0, 1, …)')
          .transform(Number),
      }),
    },
    responses: { 200: jsonResponse(IncidentView, 'The incident'), ...problems(400, 401, 403, 404) },
  }),
  async (c) => {
    const { id, index } = c.req.valid('param')
    const out = await coordinatorOf(c.env, await modelOfIncident(c.env, id)).closeActionItem(id, index, c.get('actor'))
    return c.json(unwrapIncident(out as object) as unknown as IncidentView, 200)
  },
)

rolloutRoutes.openapi(
  createRoute({
    method: 'put',
    path: '/models/{model}/webhooks',
    tags: ['alerts'],
    security,
    summary: "Replace the model's alert webhooks (json, slack or pagerduty bodies)",
    request: { params: z.object({ model: ModelName }), body: jsonBody(WebhooksInput) },
    responses: {
      200: jsonResponse(z.object({ webhooks: z.array(z.record(z.string(), z.unknown())) }), 'Webhooks'),
      ...problems(400, 401, 403, 404, 413, 415),
    },
  }),
  async (c) => {
    const { model } = c.req.valid('param')
    await getModelView(c.env, model)
    const rows = await coordinatorOf(c.env, model).setWebhooks(c.req.valid('json').webhooks, c.get('actor'))
    return c.json({ webhooks: rows as Array<Record<string, unknown>> }, 200)
  },
)

rolloutRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/models/{model}/webhook-deliveries',
    tags: ['alerts'],
    security,
    summary: 'Recorded delivery attempts, newest first',
    request: { params: z.object({ model: ModelName }) },
    responses: {
      200: jsonResponse(z.object({ deliveries: z.array(z.record(z.string(), z.unknown())) }), 'Deliveries'),
      ...problems(400, 401, 404),
    },
  }),
  async (c) => {
    const { model } = c.req.valid('param')
    await getModelView(c.env, model) // 404 for an unknown model, as documented
    return c.json({ deliveries: await listDeliveries(openDb(c.env.DB), model, 500) }, 200)
  },
)
