/**
 * @module http/routes/admin/models
 * Registry and routing administration: models, versions, champion, routing override, rollback.
 * Handlers parse, call one service verb and map the result.
 */
import { z } from 'zod'
import { VersionName } from '../../../schemas/common'
import { ChampionInput, ModelInput, VersionInput } from '../../../schemas/model'
import { RoutingInput, RoutingTable } from '../../../schemas/routing'
import { ModelList, ModelView, PublishedRouting } from '../../../schemas/views'
import { PendingChangeView } from '../../../schemas/changes'
import type { CommandOutcome } from '../../../services/registry'
import type { RegistryCommand } from '../../../core/registry/commands'
import type { AppEnv } from '../../context'
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
import type { Context } from 'hono'

const VersionPath = ModelPath.extend({ version: VersionName })

export const RollbackInput = z
  .strictObject({
    target: z.enum(['champion', 'previous_champion']).optional().meta({
      description:
        "`champion`: 100% to the current champion; `previous_champion`: undo the last champion switch (blue/green), while it is the model view's `rollback_target` (409 `rollback_target_expired` after the window). Absent: `previous_champion` while there is a rollback target, else `champion`; during a rollout, the rollout's own stable version",
    }),
    reason: z.string().max(500).optional(),
  })
  .meta({ id: 'RollbackInput' })

const RollbackResult = PublishedRouting.extend({
  changed: z.boolean().meta({ description: 'false: the routing already was the target; nothing was published' }),
  rolled_back_from: RoutingTable.nullable().meta({ description: 'The routing table the rollback replaced' }),
  ended_rollout: z.string().nullable().meta({
    description:
      'The rollout whose runbook carried this rollback (incident, confirmation): the active one it ended, or the completed one whose promotion it undid',
  }),
  at: z.string().meta({ description: 'When the rollback was requested' }),
}).meta({ id: 'RollbackResult' })

const HELD =
  'On a model the two-person rule covers (by default medium and high risk), a change that moves more than `max_unapproved_shift_percent` of traffic off the champion, switches the champion, adds a cohort rule to another version, lowers the risk tier, removes or weakens a gate metric, or changes the approval policy is held for an approver when the operator token sends it (202); the approver token makes it directly (README, "Two-person rule")'
const HELD_202 =
  'Held for an approver: nothing changed yet; POST /admin/models/{model}/changes/{id}/approve with the approver token applies it'

const putModel = adminRoute('registry', {
  method: 'put',
  path: '/models/{model}',
  operationId: 'upsertModel',
  summary: 'Register a model or update its settings',
  roles: ROLES.any,
  description: HELD,
  request: { params: ModelPath, headers: IfMatchHeader, body: jsonBody(ModelInput) },
  responses: {
    200: jsonResponse(ModelView, 'Updated'),
    201: jsonResponse(ModelView, 'Created'),
    202: jsonResponse(PendingChangeView, HELD_202),
    ...problems(400, 403, 409, 412, 413, 415),
  },
})

const getModel = adminRoute('registry', {
  method: 'get',
  path: '/models/{model}',
  operationId: 'getModel',
  summary: 'Model, versions, current routing table and epoch',
  roles: ROLES.any,
  request: { params: ModelPath },
  responses: { 200: jsonResponse(ModelView, 'The model'), ...problems(400, 404) },
})

const listAll = adminRoute('registry', {
  method: 'get',
  path: '/models',
  operationId: 'listModels',
  summary: 'List models',
  roles: ROLES.any,
  responses: { 200: jsonResponse(ModelList, 'Models') },
})

const putVersion = adminRoute('registry', {
  method: 'put',
  path: '/models/{model}/versions/{version}',
  operationId: 'registerVersion',
  summary: 'Register a version (immutable once it has served traffic)',
  roles: ROLES.operator,
  request: { params: VersionPath, headers: IfMatchHeader, body: jsonBody(VersionInput) },
  responses: {
    200: jsonResponse(ModelView, 'Unchanged or updated'),
    201: jsonResponse(ModelView, 'Registered'),
    ...problems(400, 403, 404, 409, 412, 413, 415),
  },
})

const postChampion = adminRoute('registry', {
  method: 'post',
  path: '/models/{model}/champion',
  operationId: 'setChampion',
  summary: 'Set the champion (atomic switch of 100% unless keep_weights)',
  roles: ROLES.any,
  description: HELD,
  request: { params: ModelPath, headers: IfMatchHeader, body: jsonBody(ChampionInput) },
  responses: {
    200: jsonResponse(ModelView, 'Champion set'),
    202: jsonResponse(PendingChangeView, HELD_202),
    ...problems(400, 403, 404, 409, 412, 413, 415),
  },
})

const putRouting = adminRoute('routing', {
  method: 'put',
  path: '/models/{model}/routing',
  operationId: 'setRouting',
  summary: 'Operator override of weights, cohort rules and shadow target',
  roles: ROLES.any,
  description: HELD,
  request: { params: ModelPath, headers: IfMatchHeader, body: jsonBody(RoutingInput) },
  responses: {
    200: jsonResponse(PublishedRouting, 'The published table'),
    202: jsonResponse(PendingChangeView, HELD_202),
    ...problems(400, 403, 404, 409, 412, 413, 415, 503),
  },
})

const postRollback = adminRoute('routing', {
  method: 'post',
  path: '/models/{model}/rollback',
  operationId: 'rollbackModel',
  summary: 'Route 100% to the champion (or previous champion) in one publish',
  roles: ROLES.operator,
  request: { params: ModelPath, headers: IfMatchHeader, body: { ...jsonBody(RollbackInput), required: false } },
  responses: {
    200: jsonResponse(
      RollbackResult,
      'Published rollback, or `changed: false` when the routing already was the target (nothing published, same epoch)',
    ),
    ...problems(400, 403, 404, 409, 412, 413, 415, 503),
  },
})

function published(out: CommandOutcome) {
  const r = out.snapshot.routing
  if (r === null) throw new Error('published snapshot without routing')
  return { ...r, epoch: out.snapshot.epoch, published_at: out.snapshot.published_at }
}

/** The context of a handler for a `/models/{model}…` route that takes If-Match. */
type ModelCommandContext = Context<
  AppEnv,
  string,
  { out: { param: { model: string }; header: { 'if-match'?: string | undefined } } }
>

/** Sends one registry command for the path's model (with the request's If-Match) and sets the ETag. */
async function run(c: ModelCommandContext, cmd: RegistryCommand): Promise<CommandOutcome> {
  const meta = {
    model: c.req.valid('param').model,
    actor: c.get('actor'),
    requestId: c.get('requestId'),
    ifMatch: parseIfMatch(c.req.valid('header')['if-match']),
    role: c.get('role'),
  }
  const out = await c.var.services.registry.command(cmd, meta)
  c.header('etag', `"${out.view.epoch}"`)
  return out
}

export const modelRoutes = newRouter()

modelRoutes.openapi(putModel, async (c) => {
  const out = await run(c, { type: 'upsert_model', input: c.req.valid('json') })
  if (out.held) return c.json(out.held, 202)
  return c.json(out.view, out.created ? 201 : 200)
})

modelRoutes.openapi(getModel, async (c) => {
  const view = await c.var.services.registry.view(c.req.valid('param').model)
  c.header('etag', `"${view.epoch}"`)
  return c.json(view, 200)
})

modelRoutes.openapi(listAll, async (c) => c.json({ models: await c.var.services.registry.overviews() }, 200))

modelRoutes.openapi(putVersion, async (c) => {
  const { version } = c.req.valid('param')
  const out = await run(c, { type: 'put_version', version, backend: c.req.valid('json').backend })
  return c.json(out.view, out.created ? 201 : 200)
})

modelRoutes.openapi(postChampion, async (c) => {
  const out = await run(c, { type: 'set_champion', input: c.req.valid('json') })
  if (out.held) return c.json(out.held, 202)
  return c.json(out.view, 200)
})

modelRoutes.openapi(putRouting, async (c) => {
  const out = await run(c, { type: 'set_routing', input: c.req.valid('json') })
  if (out.held) return c.json(out.held, 202)
  return c.json(published(out), 200)
})

modelRoutes.openapi(postRollback, async (c) => {
  const at = new Date().toISOString()
  // The body is optional: without one the validator yields {}, and the defaults apply.
  const { target, reason } = RollbackInput.parse(c.req.valid('json') ?? {})
  const why = reason ?? `rollback${target ? ` to ${target}` : ''} requested by ${c.get('actor')}`
  const out = await run(c, { type: 'rollback', target, reason: why })
  const result = {
    ...published(out),
    changed: out.changed,
    rolled_back_from: out.before,
    ended_rollout: out.ended_rollout,
  }
  return c.json({ ...result, at }, 200)
})
