/**
 * @module cli/report-error
 * How a failure reads on stderr: the problem's title and detail, each field error, the request id
 * (what an operator pastes into a ticket), and a hint where the fix is on the caller's side.
 */
import { ApiError, NetworkError, RefusedError, UsageError, WaitTimeoutError, type Problem } from './exit'

export function renderProblem(p: Problem): string[] {
  const code = p.code ? ` ${p.code}` : ''
  const lines = [`error: ${p.title} (${p.status}${code})`]
  if (p.detail) lines.push(`  ${p.detail}`)
  for (const e of p.errors ?? []) lines.push(`  - ${e.field}: ${e.message}`)
  if (p.request_id) lines.push(`  request id: ${p.request_id}`)
  const hint = hintFor(p)
  if (hint) lines.push(`  hint: ${hint}`)
  return lines
}

function hintFor(p: Problem): string | null {
  if (p.status === 401)
    return 'set MODELGATE_TOKEN or pass --token (the operator token; approvals use the approver token)'
  if (p.code === 'forbidden' && /approver/.test(p.detail ?? ''))
    return 'approvals need the approver token: MODELGATE_APPROVER_TOKEN or --token'
  if (p.code === 'precondition_failed') return 'the model changed meanwhile; run the command again'
  return null
}

/** Lines for stderr, whatever was thrown; `command` is the one that was running, if known. */
export function renderError(err: unknown, command?: string): string[] {
  if (err instanceof ApiError) return renderProblem(err.problem)
  if (err instanceof UsageError) {
    const name = err.command ?? command
    const help = name ? `modelgate ${name} --help` : 'modelgate help'
    return [`error: ${err.message}`, `  see: ${help}`]
  }
  if (err instanceof NetworkError)
    return [`error: ${err.message}`, '  hint: is the gateway running? set MODELGATE_URL or pass --url']
  if (err instanceof WaitTimeoutError || err instanceof RefusedError) return [`error: ${err.message}`]
  if (err instanceof Error) return [`error: ${err.message}`]
  return [`error: ${String(err)}`]
}
