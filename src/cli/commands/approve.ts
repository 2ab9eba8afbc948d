/**
 * @module cli/commands/approve
 * `modelgate approve <rollout>`: shows the approver exactly what they sign — the step, the rules
 * that asked for a human, the reason and the latest verdict — then POSTs the evidence hash that
 * evidence produced. If anything changes in between, the gateway refuses the stale hash.
 */
import { bool, booleanOption, str, stringOption, type CommandSpec } from '../args'
import type { RolloutView } from '../api-types'
import { formatDuration } from '../duration'
import { RefusedError, UsageError } from '../exit'
import { keyValues, time } from '../format'
import { eprintln, println } from '../io'
import { rolloutHeading, rolloutLines, stepLabel, verdictText } from '../rollout-view'
import { printJson, seg } from './shared'

export const approveCommand: CommandSpec = {
  name: 'approve',
  summary: "approve a rollout's pending step (approver token), after showing the evidence",
  args: ['<rollout>'],
  role: 'approver',
  options: {
    yes: booleanOption('do not ask for confirmation (needed without a terminal)', 'y'),
    comment: stringOption('<text>', 'a note kept with the approval'),
  },
  details: [
    'The token is --token, else MODELGATE_APPROVER_TOKEN (for a local gateway, APPROVER_TOKEN from ./.dev.vars).',
    'Without a terminal to ask on, the command refuses unless --yes is given.',
  ],
  async run(ctx, p) {
    const id = p.positionals[0] as string
    const io = ctx.io
    const r = await ctx.api.json<RolloutView>('GET', `/rollouts/${seg(id)}`)
    const pending = r.pending_approval
    if (!pending) throw new RefusedError(`nothing to approve: rollout ${r.id} is ${r.phase} with no pending approval`)

    // What is being approved goes to stderr: stdout stays the result (or the JSON) for scripts.
    eprintln(io, `approve ${rolloutHeading(r)}`)
    eprintln(
      io,
      keyValues(
        [
          ['step', `${pending.for_step + 1} of ${r.plan.length}: ${stepLabel(r, pending.for_step)}`],
          ['rules', pending.rules.join(', ')],
          ['reason', pending.reason],
          ['verdict', verdictText(r.verdicts.at(-1))],
          [
            'requested',
            `${time(pending.requested_at)}; expires ${time(pending.expires_at)} (in ${formatDuration(Math.max(0, Date.parse(pending.expires_at) - io.now()))})`,
          ],
          ['evidence', pending.evidence_hash],
        ],
        '  ',
      ),
    )

    if (!bool(p, 'yes')) {
      if (!io.interactive)
        throw new UsageError('no terminal to confirm on: pass --yes to approve non-interactively', 'approve')
      const answer = (await io.ask(`Approve ${stepLabel(r, pending.for_step)} of ${r.id}? [y/N] `)).trim().toLowerCase()
      if (answer !== 'y' && answer !== 'yes') {
        eprintln(io, 'not approved')
        return 0
      }
    }
    const comment = str(p, 'comment')
    const after = await ctx.api.json<RolloutView>('POST', `/rollouts/${seg(id)}/approve`, {
      evidence_hash: pending.evidence_hash,
      step: pending.for_step,
      ...(comment ? { comment } : {}),
    })
    if (ctx.json) {
      printJson(io, after)
      return 0
    }
    println(io, `approved ${stepLabel(r, pending.for_step)}: ${rolloutHeading(after)}`)
    println(io, rolloutLines(after, io.now()))
    return 0
  },
}
