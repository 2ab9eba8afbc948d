/**
 * @module http/routes/admin/rollouts
 * Rollouts, their actions and verdicts.
 */
import { z } from 'zod'
import { RolloutId } from '../../../schemas/common'
import { OPERATOR_ACTIONS, type OperatorAction } from '../../../core/rollout/io'
import { RolloutList, RolloutView } from '../../../schemas/rollout-view'
import { VerdictList } from '../../../schemas/verdict'
import { EvaluationReport } from '../../../schemas/evaluation'
import { ApproveInput, OperatorActionInput, StartRolloutInput } from '../../../schemas/rollout'
import type { RolloutCommand } from '../../../services/rollouts'
import type { AppEnv, Role } from '../../context'
import {
  IfMatchHeader,
  ModelPath,
  ROLES,
  adminRoute,
  jsonBody,
  jsonResponse,
  newRouter,
  parseIfMatch,
  problems,
} from '../../openapi'
import type { RouteConfig } from '@hono/zod-openapi'
import type { Context } from 'hono'

const RolloutIdParam = z.object({ id: RolloutId })

type Body = NonNullable<NonNullable<RouteConfig['request']>['body']>

/** POST /rollouts/{id}/<action>, for `role` only: one command, answered with the rollout after it. */
function actionRoute<B extends Body>(
  action: string,
  roles: readonly Role[],
  route: { operationId: string; summary: string; body: B },
) {
  return adminRoute('rollouts', {
    method: 'post',
    path: `/rollouts/{id}/${action}`,
    operationId: route.operationId,
    summary: route.summary,
    roles,
    request: { params: RolloutIdParam, body: route.body },
    responses: {
      200: jsonResponse(RolloutView, 'The rollout after the action'),
      ...problems(400, 403, 404, 409, 413, 415),
    },
  })
}

/** Sends one command to the rollout as the request's actor; answers with the rollout after it. */
async function command(c: Context<AppEnv>, id: string, cmd: RolloutCommand) {
  return c.json(await c.var.services.rollouts.command(id, cmd, c.get('actor')), 200)
}

/** The operationId of each operator action's route, stated rather than derived (http/openapi). */
const ACTION_OPERATION_IDS = {
  pause: 'pauseRollout',
  resume: 'resumeRollout',
  promote: 'promoteRollout',
  abort: 'abortRollout',
} as const satisfies Record<Exclude<OperatorAction, 'rollback'>, string>

export const rolloutRoutes = newRouter()

rolloutRoutes.openapi(
  adminRoute('rollouts', {
    method: 'post',
    path: '/models/{model}/rollouts',
    operationId: 'startRollout',
    summary: 'Start a rollout (one active rollout per model)',
    roles: ROLES.operator,
    request: { params: ModelPath, headers: IfMatchHeader, body: jsonBody(StartRolloutInput) },
    responses: {
      201: jsonResponse(RolloutView, 'The new rollout'),
      ...problems(400, 403, 404, 409, 412, 413, 415, 503),
    },
  }),
  async (c) => {
    // If-Match names the model epoch the operator decided on (the ETag of GET /admin/models/{model}).
    const ifMatch = parseIfMatch(c.req.valid('header')['if-match'])
    const { model } = c.req.valid('param')
    return c.json(await c.var.services.rollouts.start(model, c.req.valid('json'), c.get('actor'), ifMatch), 201)
  },
)

rolloutRoutes.openapi(
  adminRoute('rollouts', {
    method: 'get',
    path: '/models/{model}/rollouts',
    operationId: 'listModelRollouts',
    summary: 'Rollouts of a model, newest first',
    roles: ROLES.any,
    request: { params: ModelPath },
    responses: { 200: jsonResponse(RolloutList, 'Rollouts, newest first'), ...problems(400, 404) },
  }),
  async (c) => {
    const { model } = c.req.valid('param')
    return c.json({ rollouts: await c.var.services.rollouts.list(model, 100) }, 200)
  },
)

rolloutRoutes.openapi(
  adminRoute('rollouts', {
    method: 'get',
    path: '/rollouts',
    operationId: 'listRollouts',
    summary: 'Recent rollouts of every model',
    roles: ROLES.any,
    responses: { 200: jsonResponse(RolloutList, 'Rollouts, newest first') },
  }),
  async (c) => c.json({ rollouts: await c.var.services.rollouts.list(undefined, 200) }, 200),
)

rolloutRoutes.openapi(
  adminRoute('rollouts', {
    method: 'get',
    path: '/rollouts/{id}',
    operationId: 'getRollout',
    summary: 'Phase, step, weights, every verdict with its numbers, approvals and events',
    roles: ROLES.any,
    request: { params: RolloutIdParam },
    responses: { 200: jsonResponse(RolloutView, 'The rollout'), ...problems(400, 404) },
  }),
  async (c) => c.json(await c.var.services.rollouts.get(c.req.valid('param').id), 200),
)

rolloutRoutes.openapi(
  adminRoute('rollouts', {
    method: 'get',
    path: '/rollouts/{id}/verdicts',
    operationId: 'listRolloutVerdicts',
    summary: 'The newest verdict rows of a rollout (D1 history), in time order',
    roles: ROLES.any,
    request: {
      params: RolloutIdParam,
      query: z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(5_000) }),
    },
    responses: { 200: jsonResponse(VerdictList, 'Verdicts, oldest first'), ...problems(400, 404) },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    return c.json({ verdicts: await c.var.services.rollouts.verdicts(id, c.req.valid('query').limit) }, 200)
  },
)

for (const action of OPERATOR_ACTIONS.filter((a): a is keyof typeof ACTION_OPERATION_IDS => a !== 'rollback')) {
  rolloutRoutes.openapi(
    actionRoute(action, ROLES.operator, {
      operationId: ACTION_OPERATION_IDS[action],
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} a rollout (operator)`,
      body: { ...jsonBody(OperatorActionInput), required: false },
    }),
    async (c) => {
      const body = OperatorActionInput.parse(c.req.valid('json') ?? {})
      return command(c, c.req.valid('param').id, { type: action, reason: body.reason })
    },
  )
}

rolloutRoutes.openapi(
  actionRoute('approve', ROLES.approver, {
    operationId: 'approveRollout',
    summary: 'Approve the pending step (approver token only); pins the evidence hash it saw',
    body: jsonBody(ApproveInput),
  }),
  async (c) => {
    const { evidence_hash: evidenceHash, step, comment } = c.req.valid('json')
    return command(c, c.req.valid('param').id, { type: 'approve', evidenceHash, step, comment })
  },
)

rolloutRoutes.openapi(
  actionRoute('evaluation', ROLES.operator, {
    operationId: 'submitEvaluation',
    summary: "Submit the challenger's offline evaluation report (quality, fairness, p99 under load, slices)",
    body: jsonBody(EvaluationReport),
  }),
  async (c) => command(c, c.req.valid('param').id, { type: 'evaluation', report: c.req.valid('json') }),
)
