/**
 * @module core/audit/redact
 * What the audit log keeps of a webhook URL. Slack and many other webhook URLs carry their secret
 * in the path, and the audit log is readable by approvers and exported as CSV: it records the
 * origin and a fingerprint of the whole URL, enough to tell which destination was set, not to post
 * to it.
 */
import { sha256Hex } from './chain'

export async function redactedUrl(url: string): Promise<string> {
  const fingerprint = (await sha256Hex(url)).slice(0, 16)
  let origin: string
  try {
    origin = new URL(url).origin
  } catch {
    origin = 'invalid URL'
  }
  return `${origin}/… (sha256 ${fingerprint})`
}
