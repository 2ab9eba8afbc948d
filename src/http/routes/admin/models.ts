/**
 * @module http/routes/admin/models
 * Registry and routing administration: models, versions, champion, routing override, rollback.
 * Handlers parse, call one service verb and map the result.
 */
import { createRoute } from '@hono/zod-openapi'
import { z } from 'zod'
import { openDb, listModelOverviews } from '../../../adapters/d1/registry-store'
import { DomainError } from '../../../core/errors'
import { ModelName, VersionName } from '../../../schemas/common'
import { ChampionInput, ModelInput, VersionInput } from '../../../schemas/model'
import { RoutingInput } from '../../../schemas/routing'
import { ModelList, ModelView, PublishedRouting } from '../../../schemas/views'
import { getModelView, runRegistryCommand, type CommandOutcome } from '../../../services/registry'
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

function withEtag(c: Context<AppEnv>, epoch: number): void {
  c.header('etag', `"${epoch}"`)
}

export const modelRoutes = newRouter()

modelRoutes.use('/models/*', async (c, next) => {
  // Writes need the operator role; approvers may read.
  if (c.req.method !== 'GET') return requireRole('operator')(c, next)
  await next()
})

modelRoutes.openapi(putModel, async (c) => {
  const { model } = c.req.valid('param')
  const out = await runRegistryCommand(
    c.env,
    { type: 'upsert_model', input: c.req.valid('json') },
    meta(c, model, c.req.valid('header')['if-match']),
  )
  withEtag(c, out.view.epoch)
  return c.json(out.view, out.created ? 201 : 200)
})

modelRoutes.openapi(getModel, async (c) => {
  const view = await getModelView(c.env, c.req.valid('param').model)
  withEtag(c, view.epoch)
  return c.json(view, 200)
})

modelRoutes.openapi(listAll, async (c) => c.json({ models: await listModelOverviews(openDb(c.env.DB)) }, 200))

modelRoutes.openapi(putVersion, async (c) => {
  const { model, version } = c.req.valid('param')
  const body = c.req.valid('json')
  if (
    'service' in body.backend &&
    typeof (c.env as unknown as Record<string, unknown>)[body.backend.service] !== 'object'
  ) {
    throw serviceMissing(body.backend.service)
  }
  const out = await runRegistryCommand(
    c.env,
    { type: 'put_version', version, backend: body.backend },
    meta(c, model, c.req.valid('header')['if-match']),
  )
  withEtag(c, out.view.epoch)
  return c.json(out.view, out.created ? 201 : 200)
})

modelRoutes.openapi(postChampion, async (c) => {
  const { model } = c.req.valid('param')
  const out = await runRegistryCommand(
    c.env,
    { type: 'set_champion', input: c.req.valid('json') },
    meta(c, model, c.req.valid('header')['if-match']),
  )
  withEtag(c, out.view.epoch)
  return c.json(out.view, 200)
})

modelRoutes.openapi(putRouting, async (c) => {
  const { model } = c.req.valid('param')
  const out = await runRegistryCommand(
    c.env,
    { type: 'set_routing', input: c.req.valid('json') },
    meta(c, model, c.req.valid('header')['if-match']),
  )
  withEtag(c, out.view.epoch)
  return c.json(published(out), 200)
})

modelRoutes.openapi(postRollback, async (c) => {
  const { model } = c.req.valid('param')
  const at = new Date().toISOString()
  const before = await getModelView(c.env, model)
  // The body is optional: without one the validator yields {}, and the defaults apply.
  const input = RollbackInput.parse(c.req.valid('json') ?? {})
  const reason = input.reason ?? `rollback to ${input.target} requested by ${c.get('actor')}`
  const out = await runRegistryCommand(
    c.env,
    { type: 'rollback', target: input.target, reason },
    meta(c, model, c.req.valid('header')['if-match']),
  )
  withEtag(c, out.view.epoch)
  return c.json(
    { ...published(out), rolled_back_from: before.routing, ended_rollout: before.active_rollout?.id ?? null, at },
    200,
  )
})

function serviceMissing(service: string): DomainError {
  return new DomainError('validation_failed', `service binding ${service} is not bound to this Worker`, {
    fields: [{ field: 'backend.service', message: `add a [[services]] binding named ${service} to wrangler.toml` }],
  })
}
