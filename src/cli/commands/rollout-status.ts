/**
 * @module cli/commands/rollout-status
 * `modelgate rollout status <rollout> [--watch]`: the rollout's phase, step and latest verdict; with
 * --watch, follows it until it ends, printing each decision as it happens, and exits with the
 * outcome's code (cli/watch-outcome), for CI jobs that wait for a rollout.
 */
import { bool, booleanOption, type CommandSpec } from '../args'
import type { RolloutView } from '../api-types'
import { println } from '../io'
import { rolloutHeading, rolloutLines } from '../rollout-view'
import { WATCH_OPTIONS, followRollout, watchOptions } from '../watch'
import { WATCH_EXIT_HELP } from '../watch-outcome'
import { printJson, seg } from './shared'

const NAME = 'rollout status'

/** The exit codes of a watch, for the help of both commands that watch. */
export const WATCH_EXIT_DETAILS = [
  'Exit codes of a watch:',
  ...WATCH_EXIT_HELP.map(([code, text]) => `  ${String(code).padStart(2)}  ${text}`),
  'Errors keep the codes of `modelgate help` (1 unreachable, 2 usage, 3 refused, 4 gateway failure);',
  'a gateway that fails for a moment is polled again, for up to 2 minutes.',
]

export const rolloutStatusCommand: CommandSpec = {
  name: NAME,
  summary: "a rollout's phase and latest verdict; --watch follows it to its end (exit code per outcome)",
  args: ['<rollout>'],
  options: {
    watch: booleanOption('follow the rollout until it ends, printing each verdict and event once'),
    ...WATCH_OPTIONS,
  },
  details: [
    'With --watch: every poll prints the verdicts and timeline events not printed before, oldest first;',
    'with --json, one JSON object per line and a last {"kind":"outcome",…} line.',
    ...WATCH_EXIT_DETAILS,
  ],
  examples: [
    'modelgate rollout status ro_01jd…~credit-risk --watch',
    'modelgate rollout status ro_01jd…~credit-risk --watch --interval 10s --timeout 90m --wait-for-human',
  ],
  async run(ctx, p) {
    const id = p.positionals[0] as string
    const watching = bool(p, 'watch')
    const opts = watchOptions(p, NAME)
    const view = await ctx.api.json<RolloutView>('GET', `/rollouts/${seg(id)}`)
    if (watching) {
      if (!ctx.json) println(ctx.io, rolloutHeading(view))
      return followRollout(ctx, view, opts)
    }
    if (ctx.json) {
      printJson(ctx.io, view)
      return 0
    }
    println(ctx.io, rolloutHeading(view))
    println(ctx.io, rolloutLines(view, ctx.io.now()))
    return 0
  },
}
