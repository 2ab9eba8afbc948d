/**
 * @module http/app
 * Composition of the HTTP surface: data plane under /v1, admin API under /admin, one error
 * handler that renders every failure as problem+json.
 */
import { OpenAPIHono } from '@hono/zod-openapi'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import { HTTPException } from 'hono/http-exception'
import { DomainError, toDomainError } from '../core/errors'
import { newId } from '../core/ids'
import { buildServices } from '../compose'
import type { AppEnv } from './context'
import { authenticate, authenticateReporter } from './middleware/auth'
import { requestId } from './middleware/request-id'
import { problemResponse } from '../problem/problem'
import { auditRoutes } from './routes/admin/audit'
import { docsRoutes } from './routes/admin/docs'
import { metricRoutes } from './routes/admin/metrics'
import { changeRoutes } from './routes/admin/changes'
import { modelRoutes } from './routes/admin/models'
import { rolloutRoutes } from './routes/admin/rollouts'
import { uiRoutes } from './routes/admin/ui'
import { incidentRoutes } from './routes/admin/incidents'
import { faultRoutes } from './routes/admin/faults'
import { documentDataPlane } from './routes/data-plane-docs'
import { outcomeRoutes } from './routes/outcomes'
import { newRouter } from './openapi'

/**
 * Largest admin or outcomes request body. The biggest legitimate ones (1,000 outcomes, a long
 * retrospective) are a few hundred KB; anything larger is refused before it is buffered.
 */
export const API_BODY_BYTES = 1024 * 1024

const limitBody = bodyLimit({
  maxSize: API_BODY_BYTES,
  onError: () => {
    throw new DomainError('payload_too_large', `request bodies here are limited to ${API_BODY_BYTES} bytes`)
  },
})

/**
 * Where the API is served. The first is relative, so that Swagger UI (/admin/docs) calls the
 * gateway that served the page; a generated client picks one with its own base URL.
 */
const SERVERS = [
  { url: '/', description: 'The gateway that served this document' },
  { url: 'http://127.0.0.1:8787', description: 'npm start or npm run dev (wrangler dev)' },
  {
    url: 'https://{worker}.{subdomain}.workers.dev',
    description:
      "Deployed with wrangler deploy: the Worker's name (wrangler.toml) on the account's workers.dev subdomain",
    // No description per variable: @apidevtools/swagger-parser's 3.1 schema refuses one there.
    variables: { worker: { default: 'modelgate' }, subdomain: { default: 'your-account' } },
  },
]

/**
 * package.json is private and names no license: none is granted to others, which an SPDX
 * LicenseRef says until the owners choose one. A constant, because the generator's config type
 * is OpenAPI 3.0's License Object, which lacks 3.1's `identifier`.
 */
const LICENSE = { name: 'UNLICENSED (proprietary)', identifier: 'LicenseRef-Proprietary' }

/** The tag of every operation, in the order the docs show them. */
const TAGS = [
  { name: 'registry', description: 'Models, their versions and settings, the champion; changes held for an approver' },
  { name: 'routing', description: 'Weights, cohort rules and shadow target; rollback in one publish' },
  { name: 'rollouts', description: 'Progressive rollouts under statistical gates: start, act, approve, verdicts' },
  { name: 'incidents', description: 'Rollback incidents, their retrospectives and action items' },
  { name: 'alerts', description: "A model's alert webhooks and their delivery attempts" },
  { name: 'metrics', description: 'Per-arm series, Prometheus exposition and shadow samples' },
  { name: 'audit', description: 'The append-only, hash-chained audit log' },
  { name: 'faults', description: 'Fault injection (only with FAULT_INJECTION=on)' },
  { name: 'data plane', description: 'Inference requests, business outcomes and liveness' },
]

/** Paths under /admin that need no token: the API description itself. */
const PUBLIC_ADMIN = new Set(['/admin/openapi.json'])

/** Hono's own HTTP errors (a body parser, a 405...) in the closed vocabulary; the rest as core maps them. */
function domainErrorOf(err: unknown): DomainError {
  if (err instanceof HTTPException) {
    if (err.status === 400) return new DomainError('malformed_json', err.message || 'the body is not valid JSON')
    if (err.status === 413) return new DomainError('payload_too_large', err.message)
    if (err.status === 401) return new DomainError('unauthorized', err.message)
    if (err.status === 404) return new DomainError('not_found', err.message)
    if (err.status === 405) return new DomainError('method_not_allowed', err.message)
    if (err.status === 415)
      return new DomainError('unsupported_media_type', 'send the body as JSON with content-type: application/json')
    if (err.status < 500) return new DomainError('validation_failed', err.message || 'the request is not valid')
  }
  return toDomainError(err)
}

export function buildApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>()
  app.use('*', requestId)
  const services = createMiddleware<AppEnv>(async function services(c, next) {
    c.set('services', buildServices(c.env))
    await next()
  })
  app.use('/v1/*', services)
  app.use('/admin/*', services)

  app.onError((err, c) => {
    const domain = domainErrorOf(err)
    const rid = c.get('requestId') ?? newId('req')
    if (domain.code === 'internal') console.error(`[${rid}] ${c.req.method} ${c.req.path}:`, err)
    return problemResponse(domain, rid, {}, c.req.path)
  })
  app.notFound((c) =>
    problemResponse(
      new DomainError('not_found', `no route for ${c.req.method} ${c.req.path}`),
      c.get('requestId'),
      {},
      c.req.path,
    ),
  )

  app.get('/healthz', (c) => c.json({ ok: true }))
  // Ahead of the body limit and the route's parser: an anonymous body is never buffered.
  app.use('/v1/outcomes', authenticateReporter)
  app.use('/v1/*', limitBody)
  app.use('/admin/*', limitBody)
  app.route('/v1', outcomeRoutes)
  // `/v1/models/*` (the data plane) is served by the Worker entry before this app; see index.ts.

  // Mounted before the token-checked admin router, whose middleware they answer ahead of: the
  // dashboard pages and the API docs hold no data; the dashboard's fragments check the token.
  app.route('/admin/ui', uiRoutes)
  app.route('/admin/docs', docsRoutes)

  const admin = newRouter()
  admin.use('*', async (c, next) => (PUBLIC_ADMIN.has(c.req.path) ? next() : authenticate(c, next)))
  admin.route('/', modelRoutes)
  admin.route('/', changeRoutes)
  admin.route('/', auditRoutes)
  admin.route('/', metricRoutes)
  admin.route('/', rolloutRoutes)
  admin.route('/', incidentRoutes)
  admin.route('/', faultRoutes)
  app.route('/admin', admin)

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description:
      "ADMIN_TOKEN (role `operator`) or APPROVER_TOKEN (role `approver`); an operation's security requirements name the roles it accepts",
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'reporterToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'An outcome reporter token: REPORTER_TOKENS (every model) or MODEL_REPORTER_TOKENS (one model)',
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'gatewayKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-modelgate-key',
    description: 'Only when GATEWAY_KEYS is set',
  })
  documentDataPlane(app)
  app.doc31('/admin/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'modelgate admin API',
      version: '1',
      description:
        'Registry, routing, rollouts and audit for the modelgate edge gateway. Errors are RFC 9457 problem+json.',
      license: LICENSE,
    },
    servers: SERVERS,
    tags: TAGS,
  })
  return app
}
