/**
 * @module services/egress
 * The one place where URLs the gateway will call are checked as they enter (a version's backend,
 * a model's webhooks), against the egress policy (core/egress/policy) with this Worker's
 * EGRESS_ALLOW. The policy needs settings, so it cannot be a static zod refinement: the schemas
 * check the URL's shape, the services call this before storing. Stored URLs are not re-validated
 * here; the data plane and the webhook poster ask the same policy before every call.
 */
import type { EgressDecision } from '../core/egress/policy'
import { DomainError, type FieldError } from '../core/errors'
import type { WebhookPoster } from './coordinator/webhook-deliverer'

/** The policy with this Worker's allow list (remembered per URL, see compose `isolateOf`). */
export type EgressCheck = (url: string) => EgressDecision

/** Throws `validation_failed` naming every field whose URL the policy refuses, with its reason. */
export function assertEgress(check: EgressCheck, urls: ReadonlyArray<{ field: string; url: string }>): void {
  const fields: FieldError[] = []
  for (const { field, url } of urls) {
    const d = check(url)
    if (!d.ok) fields.push({ field, message: `not an allowed destination: ${d.reason}` })
  }
  if (fields.length === 0) return
  const first = fields[0] as FieldError
  const detail =
    fields.length === 1
      ? `${first.field} is not an allowed destination`
      : `${fields.length} URLs are not allowed destinations`
  throw new DomainError('validation_failed', detail, { fields })
}

/**
 * A webhook poster that refuses what the policy refuses (a webhook stored before the policy, or
 * with EGRESS_ALLOW narrowed since): the delivery fails with the reason and is retried as any
 * failure, so widening EGRESS_ALLOW in time still delivers it.
 */
export function egressCheckedPoster(check: EgressCheck, post: WebhookPoster): WebhookPoster {
  return (url, body, signal) => {
    const d = check(url)
    if (!d.ok) return Promise.reject(new Error(`refused by the egress policy: ${d.reason}`))
    return post(url, body, signal)
  }
}
