/**
 * @module http/openapi
 * Helpers that keep route definitions short: the same zod schema validates a body and documents it.
 */
import { z } from 'zod'
import { createRoute, OpenAPIHono, type RouteConfig } from '@hono/zod-openapi'
import { DomainError } from '../core/errors'
import type { AppEnv, Role } from './context'
import { requireRole } from './middleware/auth'
import { fieldErrors } from '../problem/problem'
import { ModelName } from '../schemas/common'
import { Problem } from '../schemas/problem'

export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { content: { 'application/json': { schema } }, required: true, ...(description ? { description } : {}) }
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description }
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Validation failed; `errors` lists each bad field',
  401: 'Missing or invalid bearer token',
  403: 'Authenticated, but the role may not do this',
  404: 'Model, version or resource not found',
  409: 'Conflicts with the current state',
  412: 'If-Match epoch is stale',
  413: 'Body too large',
  415: 'The body is not sent as application/json',
  428: 'Precondition required',
  502: 'Model version unreachable',
  503: 'Not ready (no champion, snapshot or configuration)',
  504: 'Model version timed out',
  508: 'Request loop through the gateway (a backend points back at it)',
}

/** Problem+json responses for the given statuses, for OpenAPI. */
export function problems(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { content: { 'application/problem+json': { schema: Problem } }, description: PROBLEM_DESCRIPTIONS[s] ?? 'Error' },
    ]),
  )
}

/** Who may call an admin route: both roles (reads, and the writes the two-person rule may hold) or one. */
export const ROLES = {
  any: ['operator', 'approver'],
  operator: ['operator'],
  approver: ['approver'],
} as const satisfies Record<string, readonly Role[]>

type AdminRouteConfig<P extends string> = Omit<
  RouteConfig,
  'path' | 'tags' | 'security' | 'middleware' | 'operationId' | 'summary'
> & {
  path: P
  roles: readonly Role[]
  /**
   * Stated per route, never derived from the path or method: generated clients name their
   * functions after it, so renaming a route must not rename them (README, "Admin API").
   */
  operationId: string
  summary: string
}

/**
 * `createRoute` for the admin API: the route is filed under `tag`, takes the bearer token of one of
 * its `roles` (401 without a valid token, 403 for another role, checked before the request is
 * validated) and documents them as its security requirements' role names, one alternative per role
 * (OpenAPI 3.1 allows role names for a non-OAuth scheme). Each route states its roles itself, so
 * none depends on another router's middleware or on the order the routers are mounted in.
 */
export function adminRoute<P extends string, R extends AdminRouteConfig<P>>(tag: string, route: R) {
  const refused = ROLES.any.some((r) => !route.roles.includes(r))
  const responses = { ...route.responses, ...problems(401, ...(refused ? [403] : [])) }
  const config = createRoute({
    tags: [tag],
    security: route.roles.map((role) => ({ bearer: [role] })),
    ...route,
    middleware: [requireRole(...route.roles)] as const,
    responses,
  })
  // Not an OpenAPI field (the generator would copy it into the operation); createRoute made a copy.
  delete (config as { roles?: unknown }).roles
  return config
}

/** A sub-app whose validation failures become 400 problems listing every bad field. */
export function newRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const where = result.target === 'json' ? '' : result.target
        throw new DomainError('validation_failed', `the request ${where || 'body'} is not valid`, {
          fields: fieldErrors(result.error.issues, where === 'param' ? '' : where),
        })
      }
    },
  })
}

/** The `{model}` of an admin path. */
export const ModelPath = z.object({ model: ModelName })

export const IfMatchHeader = z.object({
  'if-match': z
    .string()
    .optional()
    .meta({ description: 'Expected current epoch (optimistic concurrency); 412 when stale', example: '"7"' }),
})

/** Parses `If-Match: 7`, `"7"` or `W/"7"`; returns null when absent. */
export function parseIfMatch(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return null
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(value)
  if (!m) {
    throw new DomainError('validation_failed', 'If-Match must be an epoch number', {
      fields: [{ field: 'header.if-match', message: 'expected an epoch such as "7"' }],
    })
  }
  return Number(m[1])
}
