/**
 * @module http/routes/admin/changes
 * Changes held for a second person (README, "Two-person rule"): the list an approver reads and the
 * approval that applies one. The operator's request that was held answered 202 with the change.
 */
import { ApprovedChange, ChangeId, PendingChangeList } from '../../../schemas/changes'
import { ModelPath, ROLES, adminRoute, jsonResponse, newRouter, problems } from '../../openapi'

const ChangePath = ModelPath.extend({ id: ChangeId })

const listChanges = adminRoute('registry', {
  method: 'get',
  path: '/models/{model}/changes',
  operationId: 'listChanges',
  summary: 'Changes waiting for an approver',
  roles: ROLES.any,
  request: { params: ModelPath },
  responses: { 200: jsonResponse(PendingChangeList, 'Changes that can still be approved'), ...problems(400, 404) },
})

const approveChange = adminRoute('registry', {
  method: 'post',
  path: '/models/{model}/changes/{id}/approve',
  operationId: 'approveChange',
  summary: 'Approve a held change (approver token; not the person who asked for it)',
  description:
    'Applies the change as the approver; its audit entry names `requested_by` and `approved_by`. 403 when the approver is the requester (same `x-modelgate-actor` name) or uses the operator token; 409 when it expired (24 h) or the model changed since it was asked for (stale: ask again), or a rollout now freezes what it changes.',
  roles: ROLES.approver,
  request: { params: ChangePath },
  responses: {
    200: jsonResponse(ApprovedChange, 'Applied'),
    ...problems(400, 403, 404, 409, 412, 503),
  },
})

export const changeRoutes = newRouter()

changeRoutes.openapi(listChanges, async (c) => {
  const changes = await c.var.services.registry.pendingChanges(c.req.valid('param').model)
  return c.json({ changes }, 200)
})

changeRoutes.openapi(approveChange, async (c) => {
  const { model, id } = c.req.valid('param')
  const out = await c.var.services.registry.approveChange(model, id, c.get('actor'), c.get('requestId'))
  c.header('etag', `"${out.view.epoch}"`)
  return c.json({ change: out.change, model: out.view }, 200)
})
