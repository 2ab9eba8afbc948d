/**
 * @module http/routes/admin/incidents
 * Rollback incidents with their retrospectives and action items; a model's alert webhooks and
 * their delivery attempts.
 */
import { z } from 'zod'
import { IncidentId } from '../../../schemas/common'
import { RetrospectiveInput, WebhooksInput } from '../../../schemas/rollout'
import { DeliveryList, WebhookList } from '../../../schemas/alerts'
import { IncidentList, IncidentView } from '../../../schemas/incident'
import { ModelPath, ROLES, adminRoute, jsonBody, jsonResponse, newRouter, problems } from '../../openapi'

const IncidentIdParam = z.object({ id: IncidentId })

export const incidentRoutes = newRouter()

incidentRoutes.openapi(
  adminRoute('incidents', {
    method: 'get',
    path: '/incidents',
    operationId: 'listIncidents',
    summary: 'Rollback incidents, newest first',
    roles: ROLES.any,
    request: { query: z.object({ model: z.string().optional() }) },
    responses: { 200: jsonResponse(IncidentList, 'Incidents') },
  }),
  async (c) => c.json({ incidents: await c.var.services.rollouts.incidents(c.req.valid('query').model, 200) }, 200),
)

incidentRoutes.openapi(
  adminRoute('incidents', {
    method: 'get',
    path: '/incidents/{id}',
    operationId: 'getIncident',
    summary: 'One incident: trigger, impact, confirmation, retrospective',
    roles: ROLES.any,
    request: { params: IncidentIdParam },
    responses: { 200: jsonResponse(IncidentView, 'The incident'), ...problems(400, 404) },
  }),
  async (c) => c.json(await c.var.services.rollouts.incident(c.req.valid('param').id), 200),
)

incidentRoutes.openapi(
  adminRoute('incidents', {
    method: 'post',
    path: '/incidents/{id}/retrospective',
    operationId: 'recordRetrospective',
    summary: 'Record the retrospective: root cause and action items (open items block the next rollout)',
    roles: ROLES.operator,
    request: { params: IncidentIdParam, body: jsonBody(RetrospectiveInput) },
    responses: { 200: jsonResponse(IncidentView, 'The incident'), ...problems(400, 403, 404, 413, 415) },
  }),
  async (c) => {
    const { id } = c.req.valid('param')
    return c.json(await c.var.services.rollouts.retrospective(id, c.req.valid('json'), c.get('actor')), 200)
  },
)

incidentRoutes.openapi(
  adminRoute('incidents', {
    method: 'post',
    path: '/incidents/{id}/action-items/{index}/close',
    operationId: 'closeActionItem',
    summary: 'Close one action item',
    roles: ROLES.operator,
    request: {
      params: IncidentIdParam.extend({
        index: z
          .string()
          .regex(/^\d{1,4}$/, 'an action item index (0, 1, …)')
          .transform(Number),
      }),
    },
    responses: { 200: jsonResponse(IncidentView, 'The incident'), ...problems(400, 403, 404) },
  }),
  async (c) => {
    const { id, index } = c.req.valid('param')
    return c.json(await c.var.services.rollouts.closeActionItem(id, index, c.get('actor')), 200)
  },
)

incidentRoutes.openapi(
  adminRoute('alerts', {
    method: 'put',
    path: '/models/{model}/webhooks',
    operationId: 'setWebhooks',
    summary: "Replace the model's alert webhooks (json, slack or pagerduty bodies)",
    roles: ROLES.operator,
    request: { params: ModelPath, body: jsonBody(WebhooksInput) },
    responses: { 200: jsonResponse(WebhookList, 'Webhooks'), ...problems(400, 403, 404, 413, 415) },
  }),
  async (c) => {
    const { model } = c.req.valid('param')
    return c.json(
      { webhooks: await c.var.services.rollouts.setWebhooks(model, c.req.valid('json').webhooks, c.get('actor')) },
      200,
    )
  },
)

incidentRoutes.openapi(
  adminRoute('alerts', {
    method: 'get',
    path: '/models/{model}/webhook-deliveries',
    operationId: 'listWebhookDeliveries',
    summary: 'Recorded delivery attempts, newest first',
    roles: ROLES.any,
    request: { params: ModelPath },
    responses: { 200: jsonResponse(DeliveryList, 'Deliveries'), ...problems(400, 404) },
  }),
  async (c) => c.json({ deliveries: await c.var.services.rollouts.deliveries(c.req.valid('param').model, 500) }, 200),
)
