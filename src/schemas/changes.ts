/**
 * @module schemas/changes
 * Changes held for a second person (core/registry/two-person): what an operator's guarded request
 * answers with (202), the list an approver reads, and the answer to an approval.
 */
import { z } from 'zod'
import { TWO_PERSON_RULES, type PendingChange } from '../core/registry/two-person'
import { Epoch, IsoTime, ModelName } from './common'
import { ModelView } from './views'
import type { Assert, Conforms } from './conforms'

export const ChangeId = z
  .string()
  .regex(/^chg_[0-9a-z]{26}$/, 'a change id (chg_…)')
  .meta({ example: 'chg_01jf4k3m9qz8r7t6v5w4x3y2a1' })

const ChangeFields = z.object({
  id: ChangeId,
  model: ModelName,
  reasons: z
    .array(z.object({ rule: z.enum(TWO_PERSON_RULES), detail: z.string() }))
    .meta({ description: 'Why it needs an approver' }),
  requested_by: z.string(),
  requested_at: IsoTime,
  expires_at: IsoTime.meta({ description: 'After this the change can no longer be approved' }),
  epoch: Epoch.meta({ description: 'The epoch it was asked for at: any change of the model since makes it stale' }),
})
type _ChangeFields = Assert<Conforms<typeof ChangeFields, Omit<PendingChange, 'command'>>>

export const PendingChangeView = ChangeFields.extend({
  command: z
    .object({ type: z.enum(['upsert_model', 'set_champion', 'set_routing']), input: z.unknown() })
    .loose()
    .meta({ description: 'What the change does once approved: the request as the gateway validated it' }),
}).meta({
  id: 'PendingChange',
  description:
    'A change held for an approver: POST /admin/models/{model}/changes/{id}/approve with the approver token applies it',
})

export const PendingChangeList = z
  .object({ changes: z.array(PendingChangeView) })
  .meta({ id: 'PendingChangeList', description: 'Changes that can still be approved (not expired, not stale)' })

export const ApprovedChange = z
  .object({
    change: PendingChangeView.extend({ approved_by: z.string(), approved_at: IsoTime }),
    model: ModelView,
  })
  .meta({ id: 'ApprovedChange', description: 'The change as applied, and the model after it' })
export type ApprovedChange = z.infer<typeof ApprovedChange>
