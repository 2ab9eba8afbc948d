/**
 * @module services/coordinator/incidents
 * The retrospective of a rollback incident and its action items. Open items block the model's next
 * rollout (core/rollout/policy), so closing one is audited like any other change.
 */
import type { IncidentRow } from '../../adapters/d1/outbox'
import { DomainError } from '../../core/errors'
import type { RetrospectiveInput } from '../../schemas/rollout'
import type { CoordinatorPort } from './ports'

interface ActionItem {
  text: string
  owner: string | null
  status: string
}

interface StoredRetrospective {
  root_cause: string
  action_items: ActionItem[]
  recorded_by: string
  recorded_at: string
}

const openCount = (items: ActionItem[]) => items.filter((i) => i.status === 'open').length

/** The audit reason of a retrospective: its root cause, cut to 200 code points (never inside one). */
const reasonOf = (rootCause: string) => Array.from(rootCause).slice(0, 200).join('')

export async function recordRetrospective(
  port: CoordinatorPort,
  incidentId: string,
  input: RetrospectiveInput,
  actor: string,
): Promise<IncidentRow> {
  const inc = await port.incident(incidentId)
  if (!inc) throw new DomainError('not_found', `incident ${incidentId} not found`)
  const at = new Date(port.now()).toISOString()
  const items: ActionItem[] = input.action_items.map((a) => ({
    text: a.text,
    owner: a.owner ?? null,
    status: a.done ? 'closed' : 'open',
  }))
  const retrospective: StoredRetrospective = {
    root_cause: input.root_cause,
    action_items: items,
    recorded_by: actor,
    recorded_at: at,
  }
  const row: IncidentRow = { ...inc, retrospective, openActionItems: openCount(items), updatedAt: at }
  await port.saveIncident(row)
  await port.audit({
    action: 'incident.retrospective',
    target: incidentId,
    before: inc.retrospective ?? null,
    after: row.retrospective,
    reason: reasonOf(input.root_cause),
    actor,
  })
  return row
}

export async function closeActionItem(
  port: CoordinatorPort,
  incidentId: string,
  index: number,
  actor: string,
): Promise<IncidentRow> {
  const inc = await port.incident(incidentId)
  const retro = inc?.retrospective as StoredRetrospective | null | undefined
  const item = retro?.action_items[index]
  if (!inc || !retro || !item) throw new DomainError('not_found', `incident ${incidentId} has no action item ${index}`)
  const items = retro.action_items.map((a, i) => (i === index ? { ...a, status: 'closed' } : a))
  const row: IncidentRow = {
    ...inc,
    retrospective: { ...retro, action_items: items },
    openActionItems: openCount(items),
    updatedAt: new Date(port.now()).toISOString(),
  }
  await port.saveIncident(row)
  await port.audit({
    action: 'incident.action_item.close',
    target: `${incidentId}#${index}`,
    before: item,
    after: items[index],
    reason: 'action item closed',
    actor,
  })
  return row
}
