/**
 * @module http/routes/admin/models
 * Registry and routing administration: models, versions, champion, routing override, rollback.
 * Handlers parse, call one service verb and map the result.
 */
import { createRoute } from '@hono/zod-openapi'
import { z } from 'zod'
import { ModelName, VersionName } from '../../../schemas/common'
import { ChampionInput, ModelInput, VersionInput } from '../../../schemas/model'
import { RoutingInput } from '../../../schemas/routing'
import { ModelList, ModelView, PublishedRouting } from '../../../schemas/views'
import type { CommandOutcome } from '../../../services/registry'
import type { RegistryCommand } from '../../../core/registry/commands'
import type { AppEnv } from '../../context'
import { requireRole } from '../../middleware/auth'
import { IfMatchHeader, jsonBody, jsonResponse, newRouter, parseIfMatch, problems } from '../../openapi'
import type { Context } from 'hono'

const security = [{ bearer: [] }]
const ModelPath = z.object({ model: ModelName })
const VersionPath = z.object({ model: ModelName, version: VersionName })

export const RollbackInput = z
  .object({
    target: z.enum(['champion', 'previous_champion']).default('champion').meta({
      description:
        '`champion`: 100% to the current champion; `previous_champion`: undo the last champion switch (blue/green)',
    }),
    reason: z.string().max(500).optional(),
  })
  .strict()
  .meta({ id: 'RollbackInput' })

const RollbackResult = PublishedRouting.extend({
  rolled_back_from: z.unknown(),
  ended_rollout: z
    .string()
    .nullable()
    .meta({ description: 'The active rollout this rollback ended (its runbook confirms the rollback)' }),
  at: z.string().meta({ description: 'When the rollback was requested' }),
}).meta({ id: 'RollbackResult' })

const putModel = createRoute({
  method: 'put',
  path: '/models/{model}',
  tags: ['registry'],
  security,
  summary: 'Register a model or update its settings',
  request: { params: ModelPath, headers: IfMatchHeader, body: jsonBody(ModelInput) },
  responses: {
    200: jsonResponse(ModelView, 'Updated'),
    201: jsonResponse(ModelView, 'Created'),
    ...problems(400, 401, 403, 412, 413, 415),
  },
})

const getModel = createRoute({
  method: 'get',
  path: '/models/{model}',
  tags: ['registry'],
  security,
  summary: 'Model, versions, current routing table and epoch',
  request: { params: ModelPath },
  responses: { 200: jsonResponse(ModelView, 'The model'), ...problems(400, 401, 404) },
})

const listAll = createRoute({
  method: 'get',
  path: '/models',
  tags: ['registry'],
  security,
  summary: 'List models',
  responses: { 200: jsonResponse(ModelList, 'Models'), ...problems(401) },
})

const putVersion = createRoute({
  method: 'put',
  path: '/models/{model}/versions/{version}',
  tags: ['registry'],
  security,
  summary: 'Register a version (immutable once it has served traffic)',
  request: { params: VersionPath, headers: IfMatchHeader, body: jsonBody(VersionInput) },
  responses: {
    200: jsonResponse(ModelView, 'Unchanged or updated'),
    201: jsonResponse(ModelView, 'Registered'),
    ...problems(400, 401, 403, 404, 409, 412, 413, 415),
  },
})

const postChampion = createRoute({
  method: 'post',
  path: '/models/{model}/champion',
  tags: ['registry'],
  security,
  summary: 'Set the champion (atomic switch of 100% unless keep_weights)',
  request: { params: ModelPath, headers: IfMatchHeader, body: jsonBody(ChampionInput) },
  responses: { 200: jsonResponse(ModelView, 'Champion set'), ...problems(400, 401, 403, 404, 412, 413, 415) },
})

const putRouting = createRoute({
  method: 'put',
  path: '/models/{model}/routing',
  tags: ['routing'],
  security,
  summary: 'Operator override of weights, cohort rules and shadow target',
  request: { params: ModelPath, headers: IfMatchHeader, body: jsonBody(RoutingInput) },
  responses: {
    200: jsonResponse(PublishedRouting, 'The published table'),
    ...problems(400, 401, 403, 404, 412, 413, 415, 503),
  },
})

const postRollback = createRoute({
  method: 'post',
  path: '/models/{model}/rollback',
  tags: ['routing'],
  security,
  summary: 'Route 100% to the champion (or previous champion) in one publish',
  request: { params: ModelPath, headers: IfMatchHeader, body: { ...jsonBody(RollbackInput), required: false } },
  responses: {
    200: jsonResponse(RollbackResult, 'Published rollback'),
    ...problems(400, 401, 403, 404, 409, 412, 413, 415, 503),
  },
})

function meta(c: Context<AppEnv>, model: string, ifMatch: string | undefined) {
  return { model, actor: c.get('actor'), requestId: c.get('requestId'), ifMatch: parseIfMatch(ifMatch) }
}

function published(out: CommandOutcome) {
  const r = out.snapshot.routing
  if (r === null) throw new Error('published snapshot without routing')
  return { ...r, epoch: out.snapshot.epoch, published_at: out.snapshot.published_at }
}

/** Sends one registry command for the path's model (with the request's If-Match) and sets the ETag. */
async function run(
  c: Context<AppEnv>,
  model: string,
  ifMatch: string | undefined,
  cmd: RegistryCommand,
): Promise<CommandOutcome> {
  const out = await c.var.services.registry.command(cmd, meta(c, model, ifMatch))
  c.header('etag', `"${out.view.epoch}"`)
  return out
}

export const modelRoutes = newRouter()

modelRoutes.use('/models/*', async (c, next) => {
  // Writes need the operator role; approvers may read.
  if (c.req.method !== 'GET') return requireRole('operator')(c, next)
  await next()
})

modelRoutes.openapi(putModel, async (c) => {
  const input = c.req.valid('json')
  const out = await run(c, c.req.valid('param').model, c.req.valid('header')['if-match'], {
    type: 'upsert_model',
    input,
  })
  return c.json(out.view, out.created ? 201 : 200)
})

modelRoutes.openapi(getModel, async (c) => {
  const view = await c.var.services.registry.view(c.req.valid('param').model)
  c.header('etag', `"${view.epoch}"`)
  return c.json(view, 200)
})

modelRoutes.openapi(listAll, async (c) => c.json({ models: await c.var.services.registry.overviews() }, 200))

modelRoutes.openapi(putVersion, async (c) => {
  const { model, version } = c.req.valid('param')
  const { backend } = c.req.valid('json')
  const out = await run(c, model, c.req.valid('header')['if-match'], { type: 'put_version', version, backend })
  return c.json(out.view, out.created ? 201 : 200)
})

modelRoutes.openapi(postChampion, async (c) => {
  const input = c.req.valid('json')
  const out = await run(c, c.req.valid('param').model, c.req.valid('header')['if-match'], {
    type: 'set_champion',
    input,
  })
  return c.json(out.view, 200)
})

modelRoutes.openapi(putRouting, async (c) => {
  const input = c.req.valid('json')
  const out = await run(c, c.req.valid('param').model, c.req.valid('header')['if-match'], {
    type: 'set_routing',
    input,
  })
  return c.json(published(out), 200)
})

modelRoutes.openapi(postRollback, async (c) => {
  const { model } = c.req.valid('param')
  const at = new Date().toISOString()
  const before = await c.var.services.registry.view(model)
  // The body is optional: without one the validator yields {}, and the defaults apply.
  const { target, reason } = RollbackInput.parse(c.req.valid('json') ?? {})
  const why = reason ?? `rollback to ${target} requested by ${c.get('actor')}`
  const out = await run(c, model, c.req.valid('header')['if-match'], { type: 'rollback', target, reason: why })
  return c.json(
    { ...published(out), rolled_back_from: before.routing, ended_rollout: before.active_rollout?.id ?? null, at },
    200,
  )
})
