/**
 * @module http/routes/admin/faults
 * The fault plan of a gateway started with FAULT_INJECTION=on (tests and `npm run chaos`; see
 * adapters/faults). Any other gateway answers 404, as if the route did not exist.
 */
import { DomainError } from '../../../core/errors'
import { FaultPlan, FaultState } from '../../../schemas/faults'
import type { AppEnv } from '../../context'
import { ROLES, adminRoute, jsonBody, jsonResponse, newRouter, problems } from '../../openapi'
import type { Context } from 'hono'

const description = 'Only on a gateway started with FAULT_INJECTION=on; 404 elsewhere.'

const read = adminRoute('faults', {
  method: 'get',
  path: '/faults',
  operationId: 'getFaults',
  summary: 'The injected faults, and how many calls each has turned away',
  roles: ROLES.any,
  description,
  responses: { 200: jsonResponse(FaultState, 'The plan and its counts'), ...problems(404) },
})

const replace = adminRoute('faults', {
  method: 'put',
  path: '/faults',
  operationId: 'setFaults',
  summary: 'Replace the fault plan (an empty object clears every fault)',
  description,
  roles: ROLES.operator,
  request: { body: jsonBody(FaultPlan) },
  responses: { 200: jsonResponse(FaultState, 'The plan now in force'), ...problems(400, 403, 404, 413, 415) },
})

function control(c: Context<AppEnv>) {
  const faults = c.var.services.faults
  if (faults === null) throw new DomainError('not_found', 'fault injection is not enabled on this gateway')
  return faults
}

export const faultRoutes = newRouter()

faultRoutes.openapi(read, (c) => c.json(control(c).state(), 200))

faultRoutes.openapi(replace, (c) => {
  const faults = control(c)
  faults.set(c.req.valid('json'))
  return c.json(faults.state(), 200)
})
