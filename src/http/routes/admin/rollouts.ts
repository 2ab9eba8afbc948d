/**
 * @module http/routes/admin/rollouts
 * Rollouts, their actions and verdicts.
 */
import { createRoute } from '@hono/zod-openapi'
import { z } from 'zod'
import { OPERATOR_ACTIONS } from '../../../core/rollout/io'
import { ModelName } from '../../../schemas/common'
import { RolloutList, RolloutView } from '../../../schemas/rollout-view'
import { VerdictList } from '../../../schemas/verdict'
import { EvaluationReport } from '../../../schemas/evaluation'
import { ApproveInput, OperatorActionInput, StartRolloutInput } from '../../../schemas/rollout'
import { requireRole } from '../../middleware/auth'
import { jsonBody, jsonResponse, newRouter, problems } from '../../openapi'

const security = [{ bearer: [] }]
const RolloutId = z.object({ id: z.string().regex(/^ro_[0-9a-z]{26}$/, 'a rollout id (ro_…)') })

const rolloutOk = {
  200: jsonResponse(RolloutView, 'The rollout after the action'),
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
      201: jsonResponse(RolloutView, 'The new rollout'),
      ...problems(400, 401, 403, 404, 409, 413, 415, 503),
    },
  }),
  async (c) =>
    c.json(await c.var.services.rollouts.start(c.req.valid('param').model, c.req.valid('json'), c.get('actor')), 201),
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
      200: jsonResponse(RolloutList, 'Rollouts, newest first'),
      ...problems(400, 401, 404),
    },
  }),
  async (c) => {
    const { model } = c.req.valid('param')
    return c.json({ rollouts: await c.var.services.rollouts.list(model, 100) }, 200)
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
      200: jsonResponse(RolloutList, 'Rollouts, newest first'),
      ...problems(401),
    },
  }),
  async (c) => c.json({ rollouts: await c.var.services.rollouts.list(undefined, 200) }, 200),
)

rolloutRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/rollouts/{id}',
    tags: ['rollouts'],
    security,
    summary: 'Phase, step, weights, every verdict with its numbers, approvals and events',
    request: { params: RolloutId },
    responses: { 200: jsonResponse(RolloutView, 'The rollout'), ...problems(400, 401, 404) },
  }),
  async (c) => c.json(await c.var.services.rollouts.get(c.req.valid('param').id), 200),
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
      200: jsonResponse(VerdictList, 'Verdicts, oldest first'),
      ...problems(400, 401, 404),
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    return c.json({ verdicts: await c.var.services.rollouts.verdicts(id, c.req.valid('query').limit) }, 200)
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
        await c.var.services.rollouts.command(
          c.req.valid('param').id,
          { type: action, reason: body.reason },
          c.get('actor'),
        ),
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
      await c.var.services.rollouts.command(
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
      await c.var.services.rollouts.command(
        c.req.valid('param').id,
        { type: 'evaluation', report: c.req.valid('json') },
        c.get('actor'),
      ),
      200,
    ),
)
