/**
 * @module cli/commands/actions
 * `modelgate promote|pause|resume|abort <rollout> [--reason …]`: one operator action each,
 * POST /admin/rollouts/{id}/{action}; prints where the rollout stands afterwards.
 */
import { str, stringOption, type CommandSpec } from '../args'
import type { RolloutView } from '../api-types'
import { println } from '../io'
import { rolloutHeading, rolloutLines } from '../rollout-view'
import { printJson, seg } from './shared'

const ACTIONS = {
  promote: { past: 'promoted', summary: 'move a rollout to its next step now, without waiting for its gates' },
  pause: { past: 'paused', summary: 'hold a rollout at its current exposure (ticks no longer move it)' },
  resume: { past: 'resumed', summary: 'resume a paused rollout (its stage statistics restart)' },
  abort: { past: 'aborted', summary: 'stop a rollout; traffic goes back to the stable version' },
} as const

export type RolloutAction = keyof typeof ACTIONS

function actionCommand(action: RolloutAction): CommandSpec {
  return {
    name: action,
    summary: ACTIONS[action].summary,
    args: ['<rollout>'],
    options: { reason: stringOption('<text>', 'why, for the audit log') },
    async run(ctx, p) {
      const id = p.positionals[0] as string
      const reason = str(p, 'reason')
      const r = await ctx.api.json<RolloutView>('POST', `/rollouts/${seg(id)}/${action}`, reason ? { reason } : {})
      if (ctx.json) {
        printJson(ctx.io, r)
        return 0
      }
      println(ctx.io, `${ACTIONS[action].past} ${rolloutHeading(r)}`)
      println(ctx.io, rolloutLines(r, ctx.io.now()))
      return 0
    },
  }
}

export const actionCommands: CommandSpec[] = (Object.keys(ACTIONS) as RolloutAction[]).map(actionCommand)
